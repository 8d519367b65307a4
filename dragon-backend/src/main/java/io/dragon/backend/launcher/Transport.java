package io.dragon.backend.launcher;

import io.dragon.core.infrastructure.Settings;
import io.dragon.core.messages.Messages.BENodeUp;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How the nodes' transport agents reach each other ({@code dragon --transport}): over TCP, over libfabric (a fabric
 * such as InfiniBand, Slingshot or EFA, or libfabric's own tcp provider when asked for), or the fabric when every
 * node has a real one and TCP otherwise.
 */
public enum Transport {
    TCP, OFI, AUTO;

    static final String VARIABLE = Settings.Variable.DRAGON_TRANSPORT.name();
    static final String PROVIDER_VARIABLE = Settings.Variable.DRAGON_OFI_PROVIDER.name();

    /** The transport named {@code name}, in any case, as the backends read it from their environment. */
    public static Transport parse(String name) {
        try {
            return valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown transport '" + name + "' (use tcp, ofi or auto)");
        }
    }

    /**
     * Whether the nodes' agents may end up on libfabric, as the frontend can tell before they start: asked for, or
     * {@code auto} with a provider named or a fabric device on this node (the nodes of a cluster are alike).
     */
    boolean mayUseFabric(String provider) {
        return this == OFI || this == AUTO && (!provider.isEmpty() || FabricDevices.find().isPresent());
    }

    /**
     * The frontend's choice, from every node's bringup report: the agents' transport, their addresses by node, and
     * why, in words.
     */
    record Choice(String transport, List<String> agents, String why) {
        boolean fellBack(Transport asked) {
            return asked == OFI && transport.equals("tcp");
        }
    }

    Choice choose(List<String> hostnames, List<BENodeUp> nodes) {
        if (this == TCP) {
            return tcp(nodes, "TCP, as asked");
        }
        String provider = null;
        List<String> endpoints = new ArrayList<>();
        for (int node = 0; node < nodes.size(); node++) {
            BENodeUp up = nodes.get(node);
            if (up.fabricAgent().isEmpty()) {
                return tcp(nodes, "TCP: libfabric cannot be used on " + hostnames.get(node) + ": " + up.fabric());
            }
            String nodeProvider = up.fabric().split(" on ")[0];
            if (provider != null && !provider.equals(nodeProvider)) {
                return tcp(nodes, "TCP: the nodes' libfabric providers differ (" + provider + " on "
                    + hostnames.get(0) + ", " + nodeProvider + " on " + hostnames.get(node) + ")");
            }
            provider = nodeProvider;
            endpoints.add(up.fabricAgent());
        }
        return new Choice("ofi", endpoints, "libfabric (" + provider + ")");
    }

    private static Choice tcp(List<BENodeUp> nodes, String why) {
        return new Choice("tcp", nodes.stream().map(BENodeUp::transportAgent).toList(), why);
    }
}
