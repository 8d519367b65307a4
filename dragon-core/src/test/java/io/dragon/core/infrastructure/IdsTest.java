package io.dragon.core.infrastructure;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class IdsTest {
    private static final int NODES = 1024;

    @Test
    void shouldGiveEveryNodeItsOwnLocalServicesAndPools() {
        Set<Long> puids = new HashSet<>(Set.of(Ids.LAUNCHER_PUID, Ids.GLOBAL_SERVICES_PUID));
        Set<Long> cuids = new HashSet<>(Set.of(Ids.LAUNCHER_CUID, Ids.GLOBAL_SERVICES_CUID, Ids.GATEWAY_CUID));
        Set<Long> muids = new HashSet<>();
        for (int node = 0; node < NODES; node++) {
            assertThat(puids.add(Ids.localServicesPuid(node))).isTrue();
            assertThat(cuids.add(Ids.localServicesCuid(node))).isTrue();
            assertThat(muids.add(Ids.infraPoolMuid(node))).isTrue();
            assertThat(muids.add(Ids.defaultPoolMuid(node))).isTrue();
            assertThat(Ids.localServicesNode(Ids.localServicesPuid(node))).isEqualTo(node);
            assertThat(Ids.isInfraPool(Ids.infraPoolMuid(node))).isTrue();
            assertThat(Ids.isInfraPool(Ids.defaultPoolMuid(node))).isFalse();
        }
        assertThat(puids).allMatch(id -> !Ids.isUserId(id));
        assertThat(cuids).allMatch(id -> !Ids.isUserId(id));
        assertThat(muids).allMatch(id -> !Ids.isUserId(id));
    }

    @Test
    void shouldTellRuntimeIdsFromUserIds() {
        assertThat(Ids.localServicesNode(Ids.LAUNCHER_PUID)).isEqualTo(-1);
        assertThat(Ids.localServicesNode(Ids.GLOBAL_SERVICES_PUID)).isEqualTo(-1);
        assertThat(Ids.localServicesNode(Ids.FIRST_USER_ID)).isEqualTo(-1);
        assertThat(Ids.isInfraPool(0)).isFalse();
        assertThat(Ids.isInfraPool(Ids.FIRST_USER_ID + 1)).isFalse();
        assertThat(Ids.isUserId(Ids.FIRST_USER_ID)).isTrue();
        assertThat(Ids.isUserId(Ids.FIRST_USER_ID - 1)).isFalse();
    }
}
