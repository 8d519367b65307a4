package io.dragon;

import java.util.List;

/**
 * A node of the runtime.
 *
 * @param index    its index, 0 for the primary node (where the head process runs)
 * @param hostname its hostname
 * @param cpus     the CPUs the runtime may use there (Slurm's grant in a Slurm job, else what the node has)
 * @param gpus     its GPUs, by vendor and index (none if it has none, or if the runtime cannot see them: see
 *                 {@link Policy#withGpus})
 */
public record Node(int index, String hostname, int cpus, List<Gpu> gpus) {
    /** Copies {@code gpus}: a node's description does not change. */
    public Node {
        gpus = List.copyOf(gpus);
    }
}
