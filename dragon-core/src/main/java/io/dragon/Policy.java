package io.dragon;

import io.dragon.core.infrastructure.Ids;
import io.dragon.internal.Services;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Where and on what a process runs: its node (placement), how processes started together spread over the nodes
 * (distribution), and the CPU cores and GPUs it may use (affinity). Immutable: each {@code with...} returns a new
 * policy. A {@link Queue} and the other shared objects ({@link Lock}, {@link Semaphore}, {@link Barrier},
 * {@link Event}, the shared arrays) are placed on a policy's node by their {@code create(..., Policy)} (for example
 * {@link Queue#create(int, Policy)}, {@link Lock#create(String, Policy)}); only its placement applies to them, and
 * one with CPUs or GPUs is refused there. Created without a policy, they live on the creator's node.
 *
 * <pre>
 * Policy.anywhere()                                  // Global Services spreads processes round-robin (the default)
 * Policy.node(2)                                     // node 2 (see {@link Machine})
 * Policy.host("nid000042").withCpus(0, 1)            // that host, on cores 0 and 1 only
 * Policy.local().withGpus(0)                         // the caller's node, with its GPU 0 only
 * Policy.anywhere().withDistribution(Policy.Distribution.BLOCK)  // a Pool's or group's processes in blocks
 * </pre>
 *
 * <p><b>CPU affinity</b> ({@link #withCpus}): the process and every thread it starts may run on these cores only
 * ({@code sched_setaffinity}; a JVM then counts as many available processors). The cores are the operating
 * system's numbers on the process's node, and must be among those the runtime may use there (a Slurm job's
 * cores): the start fails otherwise, naming the node and the cores it has.
 *
 * <p><b>GPU affinity</b> ({@link #withGpus}): the process sees only these GPUs of its node, by the indices of
 * {@link Node#gpus()}: the runtime sets {@code CUDA_VISIBLE_DEVICES}, {@code ROCR_VISIBLE_DEVICES} or
 * {@code ZE_AFFINITY_MASK} (see {@link Gpu.Vendor}) for the vendor of the node's GPUs, over any value of the
 * process's own environment. A process that asks for GPUs on a node that has none, or for an index the node does
 * not have, does not start: its start fails naming the node and the GPUs it has (running it without its GPUs would
 * only fail later, or run slowly on the CPU). On a node with GPUs of several vendors, the indices are those of the
 * first of NVIDIA, AMD and Intel that it has.
 */
public final class Policy implements Serializable {
    private static final long serialVersionUID = 2L;
    private static final Policy ANYWHERE = new Policy(Placement.ANYWHERE, -1, null, Distribution.ROUND_ROBIN,
        List.of(), List.of());

    /**
     * How the processes started together from one policy (the copies of a {@link ProcessGroup#add} call, the
     * workers of a {@link Pool}) spread over the nodes when the policy places them {@link #anywhere()}; with a
     * placement on one node, they all go there.
     */
    public enum Distribution {
        /**
         * Each process on the next node, wrapping around (Global Services' round-robin, which all processes placed
         * anywhere share: two started one after the other go to different nodes if there are two).
         */
        ROUND_ROBIN,
        /**
         * In blocks: node 0 gets as many processes as it has CPUs ({@link Node#cpus()}), then node 1, and so on,
         * starting over at node 0 if there are more processes than CPUs. Fewer processes than CPUs leave the last
         * nodes free; Slurm's block distribution does the same.
         */
        BLOCK
    }

    /** Which node a process goes to. */
    private enum Placement {
        ANYWHERE, NODE, HOST, LOCAL
    }

    private final Placement placement;
    /** The node's index with {@link Placement#NODE}. */
    private final int node;
    /** The node's hostname with {@link Placement#HOST}. */
    private final String hostname;
    private final Distribution distribution;
    private final List<Integer> cpus;
    private final List<Integer> gpus;

    private Policy(Placement placement, int node, String hostname, Distribution distribution, List<Integer> cpus,
                   List<Integer> gpus) {
        this.placement = placement;
        this.node = node;
        this.hostname = hostname;
        this.distribution = distribution;
        this.cpus = cpus;
        this.gpus = gpus;
    }

    /** Any node; Global Services chooses (see {@link Distribution}). */
    public static Policy anywhere() {
        return ANYWHERE;
    }

    /** The node with this index (0 is the primary node; see {@link Machine}). */
    public static Policy node(int index) {
        if (index < 0) {
            throw new IllegalArgumentException("node indexes start at 0, got " + index);
        }
        return new Policy(Placement.NODE, index, null, Distribution.ROUND_ROBIN, List.of(), List.of());
    }

    /** The node with this hostname. */
    public static Policy host(String hostname) {
        if (hostname == null || hostname.isEmpty()) {
            throw new IllegalArgumentException("a hostname must not be empty");
        }
        return new Policy(Placement.HOST, -1, hostname, Distribution.ROUND_ROBIN, List.of(), List.of());
    }

    /**
     * The node of the process that uses the policy to start a process or create a queue or shared object (not of
     * the one that made the policy, if it travelled to another process).
     */
    public static Policy local() {
        return new Policy(Placement.LOCAL, -1, null, Distribution.ROUND_ROBIN, List.of(), List.of());
    }

    /** This policy with {@code distribution} for the processes started together from it. */
    public Policy withDistribution(Distribution distribution) {
        return new Policy(placement, node, hostname, Objects.requireNonNull(distribution, "distribution"), cpus,
            gpus);
    }

    /**
     * This policy, with the process confined to these CPU cores of its node (none: every core the runtime may use
     * there, the default).
     *
     * @throws IllegalArgumentException if a core is negative or named twice
     */
    public Policy withCpus(int... cores) {
        return new Policy(placement, node, hostname, distribution, indexes(cores, "CPU core"), gpus);
    }

    /**
     * This policy, with the process seeing only these GPUs of its node, by their {@link Gpu#index()} (none: the
     * default, the environment is left as it is).
     *
     * @throws IllegalArgumentException if an index is negative or named twice
     */
    public Policy withGpus(int... indexes) {
        return new Policy(placement, node, hostname, distribution, cpus, indexes(indexes, "GPU index"));
    }

    /** How processes started together from this policy spread over the nodes. */
    public Distribution distribution() {
        return distribution;
    }

    /** The CPU cores the process is confined to, in the order given; empty: no confinement. */
    public List<Integer> cpus() {
        return cpus;
    }

    /** The indexes of the GPUs the process sees, in the order given; empty: the environment is left as it is. */
    public List<Integer> gpus() {
        return gpus;
    }

    /** The node index Global Services is asked for: -1 for any node. */
    int nodeIndex() {
        return switch (placement) {
            case ANYWHERE -> -1;
            case NODE -> node;
            case LOCAL -> Services.globalServices().launchParameters().nodeIndex();
            case HOST -> Machine.current().nodes().stream().filter(n -> n.hostname().equals(hostname)).findFirst()
                .orElseThrow(() -> new ObjectNotFoundException("no node of the runtime has hostname '" + hostname
                    + "'; its nodes are " + Machine.current().nodes()))
                .index();
        };
    }

    /**
     * The index of the node this policy places an object on (a queue, a lock, an array...), or -1 for the creator's
     * node (placement anywhere). Only the placement applies to an object; the distribution, for processes started
     * together, has no meaning for one object.
     *
     * @throws IllegalArgumentException if the policy has CPUs or GPUs: an object is memory of its node, which no
     *     core or GPU confines, and ignoring them would let a caller believe otherwise
     * @throws ObjectNotFoundException if the runtime has no such node
     */
    int objectNode() {
        if (!cpus.isEmpty() || !gpus.isEmpty()) {
            throw new IllegalArgumentException("the policy (" + this + ") has CPUs or GPUs, which confine processes:"
                + " a queue or shared object is memory of a node, so only a policy's placement applies to it");
        }
        int index = nodeIndex();
        if (index >= 0) {
            int count = Services.globalServices().launchParameters().nodeCount();
            if (index >= count) {
                throw new ObjectNotFoundException("no node " + index + ": the runtime has " + count + " node"
                    + (count == 1 ? "" : "s") + " (0.." + (count - 1) + ")");
            }
        }
        return index;
    }

    /**
     * The m_uid of the default pool of the node this policy places an object on ({@link #objectNode()}): 0, for
     * the creator's node, with placement anywhere.
     */
    long defaultPool() {
        int index = objectNode();
        return index < 0 ? 0 : Ids.defaultPoolMuid(index);
    }

    /**
     * The policies of {@code count} processes started together from this one, by its distribution: with
     * {@link Distribution#BLOCK} and placement anywhere, each on its node of {@link #blockNodes}; else all this one.
     */
    List<Policy> spread(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("a number of processes is at least 0, got " + count);
        }
        if (placement != Placement.ANYWHERE || distribution == Distribution.ROUND_ROBIN) {
            return Collections.nCopies(count, this);
        }
        List<Policy> spread = new ArrayList<>(count);
        for (int index : blockNodes(count, Machine.current().nodes())) {
            spread.add(new Policy(Placement.NODE, index, null, distribution, cpus, gpus));
        }
        return spread;
    }

    /**
     * The most processes of {@code spread} (from {@link #spread}) that share a node: 0 if they go anywhere, spread
     * round-robin by Global Services.
     */
    static int mostOnOneNode(List<Policy> spread) {
        if (spread.isEmpty() || spread.get(0).placement == Placement.ANYWHERE) {
            return 0;
        }
        Map<Integer, Integer> perNode = new HashMap<>();
        spread.forEach(policy -> perNode.merge(policy.node, 1, Integer::sum)); // one node when not in blocks
        return Collections.max(perNode.values());
    }

    /** The node index of each of {@code count} processes in blocks over {@code nodes} (see {@link Distribution}). */
    static int[] blockNodes(int count, List<Node> nodes) {
        List<Integer> slots = new ArrayList<>();
        for (Node n : nodes) {
            slots.addAll(Collections.nCopies(Math.max(1, n.cpus()), n.index()));
        }
        int[] placed = new int[count];
        for (int i = 0; i < count; i++) {
            placed[i] = slots.get(i % slots.size());
        }
        return placed;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Policy other && other.placement == placement && other.node == node
            && Objects.equals(other.hostname, hostname) && other.distribution == distribution
            && other.cpus.equals(cpus) && other.gpus.equals(gpus);
    }

    @Override
    public int hashCode() {
        return Objects.hash(placement, node, hostname, distribution, cpus, gpus);
    }

    @Override
    public String toString() {
        String where = switch (placement) {
            case ANYWHERE -> "anywhere";
            case NODE -> "node " + node;
            case HOST -> "host " + hostname;
            case LOCAL -> "local";
        };
        return where + (distribution == Distribution.ROUND_ROBIN ? "" : ", " + distribution.name()
            .toLowerCase(Locale.ROOT).replace('_', '-')) + (cpus.isEmpty() ? "" : ", cpus " + cpus)
            + (gpus.isEmpty() ? "" : ", gpus " + gpus);
    }

    private static List<Integer> indexes(int[] values, String what) {
        Set<Integer> seen = new HashSet<>();
        List<Integer> list = new ArrayList<>(values.length);
        for (int value : values) {
            if (value < 0) {
                throw new IllegalArgumentException("a " + what + " is at least 0, got " + value);
            }
            if (!seen.add(value)) {
                throw new IllegalArgumentException(what + " " + value + " is named twice");
            }
            list.add(value);
        }
        return List.copyOf(list);
    }
}
