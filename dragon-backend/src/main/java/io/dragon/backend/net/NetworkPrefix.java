package io.dragon.backend.net;

import io.dragon.core.infrastructure.Settings;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Chooses the address this host uses to talk to the other nodes (like Dragon's {@code --network-prefix}): the first
 * IPv4 address that starts with the prefix, or without a prefix the first one that is not a loopback address.
 */
public final class NetworkPrefix {
    /** Where the prefix comes from when the command line gives none. */
    public static final String VARIABLE = Settings.Variable.DRAGON_NETWORK_PREFIX.name();

    private NetworkPrefix() {
    }

    /**
     * @throws IllegalArgumentException if no address matches, naming the addresses there are
     */
    public static String address(String prefix) {
        List<String> all = new ArrayList<>();
        try {
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!nic.isUp()) {
                    continue;
                }
                for (InetAddress address : Collections.list(nic.getInetAddresses())) {
                    if (address instanceof Inet4Address) {
                        all.add(address.getHostAddress());
                    }
                }
            }
        } catch (SocketException e) {
            throw new IllegalArgumentException("cannot list this host's network interfaces: " + e.getMessage(), e);
        }
        for (String address : all) {
            if (prefix == null || prefix.isEmpty() ? !address.startsWith("127.") : address.startsWith(prefix)) {
                return address;
            }
        }
        throw new IllegalArgumentException("no network interface of this host has an IPv4 address "
            + (prefix == null || prefix.isEmpty() ? "other than loopback" : "starting with '" + prefix + "'")
            + "; its addresses are " + all + " (choose one with --network-prefix)");
    }
}
