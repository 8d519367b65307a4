package io.dragon.backend.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dragon.backend.JavaCommand;
import io.dragon.core.messages.Messages.BENodeUp;
import io.dragon.core.messages.Messages.SHChannelsUp;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The frontend's choice of transport from the nodes' bringup reports, and what it knows of it beforehand (the
 * runtime JVMs' compiler).
 */
class TransportTest {
    private static final List<String> HOSTS = List.of("node1", "node2");

    private static BENodeUp node(int index, String fabricAgent, String fabric) {
        return new BENodeUp(0, new SHChannelsUp(0, HOSTS.get(index), index, 2, List.of(), null, null, null, null, null,
            null),
            "10.0.0." + index + ":4000", fabricAgent, fabric);
    }

    @Test
    void shouldUseTheFabricWhenEveryNodeHasTheSameProvider() {
        Transport.Choice choice = Transport.AUTO.choose(HOSTS, List.of(node(0, "aa", "verbs;ofi_rxm on mlx5_0"),
            node(1, "bb", "verbs;ofi_rxm on mlx5_1")));
        assertThat(choice.transport()).isEqualTo("ofi");
        assertThat(choice.agents()).containsExactly("aa", "bb");
        assertThat(choice.why()).isEqualTo("libfabric (verbs;ofi_rxm)");
        assertThat(choice.fellBack(Transport.OFI)).isFalse();
    }

    @Test
    void shouldUseTcpSayingWhyWhenANodeHasNoFabric() {
        Transport.Choice choice = Transport.OFI.choose(HOSTS, List.of(node(0, "aa", "tcp;ofi_rxm on eth0"),
            node(1, "", "libfabric is not installed")));
        assertThat(choice.transport()).isEqualTo("tcp");
        assertThat(choice.agents()).containsExactly("10.0.0.0:4000", "10.0.0.1:4000");
        assertThat(choice.why()).isEqualTo("TCP: libfabric cannot be used on node2: libfabric is not installed");
        assertThat(choice.fellBack(Transport.OFI)).isTrue();
        assertThat(choice.fellBack(Transport.AUTO)).isFalse();
    }

    @Test
    void shouldUseTcpWhenTheNodesProvidersDiffer() {
        Transport.Choice choice = Transport.AUTO.choose(HOSTS, List.of(node(0, "aa", "verbs;ofi_rxm on mlx5_0"),
            node(1, "bb", "efa on rdmap0")));
        assertThat(choice.transport()).isEqualTo("tcp");
        assertThat(choice.why()).contains("differ", "verbs;ofi_rxm on node1", "efa on node2");
    }

    @Test
    void shouldUseTcpWhenAskedEvenWithAFabric() {
        assertThat(Transport.TCP.choose(HOSTS, List.of(node(0, "aa", "cxi on cxi0"), node(1, "bb", "cxi on cxi0")))
            .transport()).isEqualTo("tcp");
    }

    @Test
    void shouldTellBeforehandWhetherTheAgentsMayUseTheFabric() {
        assertThat(Transport.TCP.mayUseFabric("verbs")).isFalse();
        assertThat(Transport.OFI.mayUseFabric("")).isTrue();
        assertThat(Transport.AUTO.mayUseFabric("tcp")).as("a provider named").isTrue();
        assertThat(Transport.AUTO.mayUseFabric("")).as("as this host's devices say")
            .isEqualTo(FabricDevices.find().isPresent());
    }

    @Test
    void shouldKeepTheOptimizingCompilerWhereTheDataPathDoesCryptography() {
        assertThat(JavaCommand.runtime(BackendMain.class, false)).contains("-XX:TieredStopAtLevel=1")
            .contains("-XX:+UseSerialGC").as("the defaults are not passed on as if set")
            .noneMatch(option -> option.startsWith("-Ddragon.runtime.jvm.options"));
        assertThat(JavaCommand.runtime(BackendMain.class, true)).doesNotContain("-XX:TieredStopAtLevel=1")
            .contains("-XX:+UseSerialGC");
    }

    @Test
    void shouldRefuseAnUnknownTransportByName() {
        assertThat(Transport.parse("OFI")).isEqualTo(Transport.OFI);
        assertThatThrownBy(() -> Transport.parse("rdma")).hasMessage(
            "unknown transport 'rdma' (use tcp, ofi or auto)");
    }
}
