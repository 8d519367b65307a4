package io.dragon.backend.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.Inet4Address;
import java.net.NetworkInterface;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Choosing this host's address by prefix, checked against the interfaces the JDK lists. */
class NetworkPrefixTest {
    @Test
    void shouldChooseTheLoopbackAddressByItsPrefix() {
        assertThat(NetworkPrefix.address("127.")).startsWith("127.");
        assertThat(NetworkPrefix.address("127.0.0.1")).isEqualTo("127.0.0.1");
    }

    @Test
    void shouldChooseAnAddressThatIsNotLoopbackWithoutAPrefix() throws Exception {
        List<String> others = addresses().stream().filter(a -> !a.startsWith("127.")).toList();
        assumeTrue(!others.isEmpty(), "this host has no IPv4 address but loopback");

        assertThat(NetworkPrefix.address(null)).isEqualTo(others.get(0));
        assertThat(NetworkPrefix.address("")).isEqualTo(others.get(0));
    }

    @Test
    void shouldChooseEachOfTheHostsAddressesByItsFullAddress() throws Exception {
        for (String address : addresses()) {
            assertThat(NetworkPrefix.address(address)).isEqualTo(address);
        }
    }

    @Test
    void shouldNameTheAddressesThereAreWhenNoneMatches() throws Exception {
        for (String prefix : List.of("203.0.113.", "not-an-address", " 127.", "::1")) {
            assertThatThrownBy(() -> NetworkPrefix.address(prefix)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("no network interface of this host has an IPv4 address starting with '" + prefix
                    + "'; its addresses are " + addresses() + " (choose one with --network-prefix)");
        }
    }

    /** This host's IPv4 addresses on interfaces that are up, in the JDK's order. */
    private static List<String> addresses() throws Exception {
        return Collections.list(NetworkInterface.getNetworkInterfaces()).stream().filter(nic -> {
            try {
                return nic.isUp();
            } catch (java.net.SocketException e) {
                throw new IllegalStateException(e);
            }
        }).flatMap(nic -> Collections.list(nic.getInetAddresses()).stream()).filter(Inet4Address.class::isInstance)
            .map(a -> a.getHostAddress()).toList();
    }
}
