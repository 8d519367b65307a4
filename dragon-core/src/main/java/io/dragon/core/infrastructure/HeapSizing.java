package io.dragon.core.infrastructure;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * The default maximum heap of a Pool's workers. Left to itself each JVM takes a quarter of the machine's memory,
 * whatever the job was granted and however many JVMs share the node: 64 workers on a 256 GiB node could grow to
 * 4 TiB between them, and the first to need it would be killed by the kernel (or Slurm's cgroup). So a worker whose
 * options (the Pool's, else the program's {@code --jvm-opt}, and {@code JDK_JAVA_OPTIONS} and
 * {@code JAVA_TOOL_OPTIONS}) size no heap gets {@code -Xmx}: {@value #HEAP_PERCENT}% of the node's memory divided by
 * the workers on the node. The node's memory is what Slurm granted it ({@code SLURM_MEM_PER_NODE}, else
 * {@code SLURM_MEM_PER_CPU} times {@code SLURM_CPUS_ON_NODE}, both in MiB; the head's node's values stand for every
 * node's), else the machine's; the workers on a node are the Pool's workers over the runtime's nodes, rounded up
 * (Global Services spreads them round-robin), or the most its policy puts on one node. The rest of the memory is
 * for what a JVM has besides its heap (metaspace, code, thread stacks, buffers), the runtime's JVM and the head.
 * A process started on its own keeps the JVM's default.
 */
public final class HeapSizing {
    /** Share of a worker's part of the node's memory that its heap may take. */
    public static final int HEAP_PERCENT = 75;
    /** The least heap a worker is given, however crowded its node: less would make it fail at start. */
    public static final long MIN_HEAP_BYTES = 64L << 20;
    /** Prefixes of the JVM options that size the heap, or what its default derives from. */
    private static final List<String> HEAP_OPTIONS = List.of("-Xmx", "-Xms", "-XX:MaxHeapSize=",
        "-XX:InitialHeapSize=", "-XX:MaxRAM=", "-XX:MaxRAMPercentage=", "-XX:MinRAMPercentage=",
        "-XX:InitialRAMPercentage=", "-XX:MaxRAMFraction=", "-XX:MinRAMFraction=", "-XX:InitialRAMFraction=");
    /** Environment variables whose options the JVM reads besides its command line. */
    private static final List<String> OPTION_VARIABLES = List.of("JDK_JAVA_OPTIONS", "JAVA_TOOL_OPTIONS");

    private HeapSizing() {
    }

    /**
     * The {@code -Xmx} option of each of {@code workers} workers of a Pool started with JVM options {@code options},
     * from a process with environment {@code env} (the runtime's node count, Slurm's grant) on a machine of
     * {@code machineBytes}, {@code onOneNode} of them at most on one node (0: spread round-robin over the nodes);
     * empty if the options size the heap themselves.
     */
    public static Optional<String> workerMaxHeap(List<String> options, Map<String, String> env, long machineBytes,
                                                 int workers, int onOneNode) {
        Stream<String> given = Stream.concat(options.stream(), OPTION_VARIABLES.stream()
            .map(name -> env.getOrDefault(name, "")).flatMap(words -> Stream.of(words.trim().split("\\s+"))));
        if (given.anyMatch(option -> HEAP_OPTIONS.stream().anyMatch(option::startsWith))) {
            return Optional.empty();
        }
        long nodeBytes = grantedBytes(env).orElse(machineBytes);
        int nodes = Math.max(1, positive(env.get(Settings.Variable.DRAGON_NODE_COUNT.name())).orElse(1));
        int perNode = onOneNode > 0 ? onOneNode : (workers + nodes - 1) / nodes;
        return Optional.of("-Xmx" + (maxHeapBytes(nodeBytes, perNode) >> 20) + "m");
    }

    /** The maximum heap of each of {@code processes} JVMs sharing {@code nodeBytes} of memory. */
    public static long maxHeapBytes(long nodeBytes, int processes) {
        return Math.max(MIN_HEAP_BYTES, nodeBytes / Math.max(1, processes) * HEAP_PERCENT / 100);
    }

    /**
     * The memory Slurm granted the job on this node according to {@code env}: {@code SLURM_MEM_PER_NODE}, else
     * {@code SLURM_MEM_PER_CPU} times {@code SLURM_CPUS_ON_NODE} (MiB); empty outside Slurm, or with
     * {@code --mem=0} (all of the node's).
     */
    public static OptionalLong grantedBytes(Map<String, String> env) {
        Optional<Integer> perNode = positive(env.get("SLURM_MEM_PER_NODE"));
        if (perNode.isPresent()) {
            return OptionalLong.of((long) perNode.get() << 20);
        }
        Optional<Integer> perCpu = positive(env.get("SLURM_MEM_PER_CPU"));
        Optional<Integer> cpus = positive(env.get("SLURM_CPUS_ON_NODE"));
        return perCpu.isPresent() && cpus.isPresent() ? OptionalLong.of((long) perCpu.get() * cpus.get() << 20)
            : OptionalLong.empty();
    }

    /** This machine's memory (its container's limit, in a container), as the JVM sizes its default heap from. */
    public static long machineBytes() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
            .getTotalMemorySize();
    }

    private static Optional<Integer> positive(String value) {
        return value != null && value.matches("[0-9]{1,9}") && Integer.parseInt(value) > 0
            ? Optional.of(Integer.parseInt(value)) : Optional.empty();
    }
}
