package io.dragon;

import io.dragon.core.infrastructure.HostId;
import io.dragon.internal.Services;
import java.util.List;

/**
 * The nodes the runtime runs on, as Global Services knows them. CPU counts are what the job was granted on each
 * node (Slurm's allocation inside a Slurm job), not what the hardware has; GPUs are those each node has.
 */
public final class Machine {
    private final List<Node> nodes;

    private Machine(List<Node> nodes) {
        this.nodes = List.copyOf(nodes);
    }

    /** The runtime's nodes now. */
    public static Machine current() {
        return new Machine(Services.ask(() -> Services.globalServices().nodes()).stream()
            .map(n -> new Node(n.index(), n.hostname(), n.cpus(), n.gpus())).toList());
    }

    /** The runtime's nodes, in index order (index 0 runs the head process). */
    public List<Node> nodes() {
        return nodes;
    }

    /**
     * The node with {@code index}.
     *
     * @throws ObjectNotFoundException if the runtime has no such node
     */
    public Node node(int index) {
        return nodes.stream().filter(n -> n.index() == index).findFirst()
            .orElseThrow(() -> new ObjectNotFoundException("no node " + index + "; the runtime's nodes are " + nodes));
    }

    /** The node this process runs on. */
    public Node here() {
        return nodes.stream().filter(n -> n.hostname().equals(HostId.hostname())).findFirst()
            .orElseThrow(() -> new DragonException("this host, " + HostId.hostname() + ", is not a node of the"
                + " runtime " + nodes));
    }

    /** CPUs over all nodes. */
    public int cpus() {
        return nodes.stream().mapToInt(Node::cpus).sum();
    }

    @Override
    public String toString() {
        return "Machine" + nodes;
    }
}
