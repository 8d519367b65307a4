package io.dragon;

import java.io.Serializable;

/**
 * Where a process is placed: on a node given by index or hostname, or anywhere (the default: Global Services
 * spreads processes over the nodes round-robin). Channels and shared-memory objects are placed on the node of the
 * process that creates them.
 */
public final class Policy implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final Policy ANYWHERE = new Policy(-1, null);

    private final int node;
    private final String hostname;

    private Policy(int node, String hostname) {
        this.node = node;
        this.hostname = hostname;
    }

    /** Any node; Global Services chooses. */
    public static Policy anywhere() {
        return ANYWHERE;
    }

    /** The node with this index (0 is the primary node; see {@link Machine}). */
    public static Policy node(int index) {
        if (index < 0) {
            throw new IllegalArgumentException("node indexes start at 0, got " + index);
        }
        return new Policy(index, null);
    }

    /** The node with this hostname. */
    public static Policy host(String hostname) {
        if (hostname == null || hostname.isEmpty()) {
            throw new IllegalArgumentException("a hostname must not be empty");
        }
        return new Policy(-1, hostname);
    }

    /** The node index Global Services is asked for: -1 for any node. */
    int nodeIndex() {
        if (hostname == null) {
            return node;
        }
        return Machine.current().nodes().stream().filter(n -> n.hostname().equals(hostname)).findFirst()
            .orElseThrow(() -> new ObjectNotFoundException("no node of the runtime has hostname '" + hostname
                + "'; its nodes are " + Machine.current().nodes()))
            .index();
    }

    @Override
    public String toString() {
        return hostname != null ? "host " + hostname : node >= 0 ? "node " + node : "anywhere";
    }
}
