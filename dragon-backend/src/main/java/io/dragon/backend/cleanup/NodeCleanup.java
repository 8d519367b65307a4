package io.dragon.backend.cleanup;

import io.dragon.core.infrastructure.HostId;
import io.dragon.core.infrastructure.LaunchParameters;
import io.dragon.core.memory.PoolDescriptor;
import io.dragon.core.shm.SharedMemory;
import io.dragon.core.shm.Signals;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Finds what runtimes left on this node: pools' segments ({@link PoolDescriptor#segmentName()}) in /dev/shm and
 * processes whose environment holds {@code DRAGON_RUNTIME_ID}. A runtime is alive while its Local Services process
 * is, or while a process outside any runtime maps its segments (a program using pools directly, as tests do);
 * only the leftovers of dead runtimes are removed.
 */
public final class NodeCleanup {
    private static final Path SHM = Path.of("/dev/shm");
    private static final Path PROC = Path.of("/proc");
    private static final String RUNTIME_VAR = LaunchParameters.Var.DRAGON_RUNTIME_ID.name() + "=";
    private static final Path OWN_UTS = ownUts();
    private static final String LOCAL_SERVICES_MAIN = "io.dragon.backend.localservices.LocalServicesMain";

    /** What one runtime has on this node. */
    public record Leftovers(String runtimeId, boolean alive, List<String> segments, List<Long> pids) {
        public boolean isEmpty() {
            return segments.isEmpty() && pids.isEmpty();
        }
    }

    private NodeCleanup() {
    }

    private static Path ownUts() {
        try {
            return Files.readSymbolicLink(PROC.resolve("self/ns/uts"));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read this process's UTS namespace: " + e.getMessage(), e);
        }
    }

    /** Every runtime with segments or processes on this node, alive or not. */
    public static List<Leftovers> scan() {
        Map<String, List<String>> segments = new TreeMap<>();
        try (Stream<Path> files = Files.list(SHM)) {
            files.map(p -> p.getFileName().toString()).forEach(name -> PoolDescriptor.runtimeOfSegment(name)
                .ifPresent(runtime -> segments.computeIfAbsent(runtime, k -> new ArrayList<>()).add(name)));
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + SHM + ": " + e.getMessage(), e);
        }
        Map<String, List<Long>> pids = new TreeMap<>();
        Set<String> alive = new TreeSet<>();
        long self = ProcessHandle.current().pid();
        ProcessHandle.allProcesses().filter(p -> p.pid() != self && onThisNode(p.pid())).forEach(p -> {
            String runtime = runtimeOf(p.pid());
            if (runtime != null) {
                pids.computeIfAbsent(runtime, k -> new ArrayList<>()).add(p.pid());
                if (p.info().arguments().map(a -> List.of(a).contains(LOCAL_SERVICES_MAIN)).orElse(false)) {
                    alive.add(runtime);
                }
            } else {
                alive.addAll(mappedRuntimes(p.pid()));
            }
        });
        Set<String> runtimes = new TreeSet<>(segments.keySet());
        runtimes.addAll(pids.keySet());
        List<Leftovers> result = new ArrayList<>();
        for (String runtime : runtimes) {
            result.add(new Leftovers(runtime, alive.contains(runtime), segments.getOrDefault(runtime, List.of()),
                pids.getOrDefault(runtime, List.of())));
        }
        return result;
    }

    /** Kills the runtime's processes and removes its segments; {@code report} hears of each step. */
    public static void remove(Leftovers leftovers, Consumer<String> report) {
        for (long pid : leftovers.pids()) {
            if (Signals.kill(pid, Signals.SIGKILL)) {
                report.accept("killed process " + pid + " of runtime " + leftovers.runtimeId());
            }
        }
        for (String segment : leftovers.segments()) {
            if (SharedMemory.unlink("/" + segment)) {
                report.accept("removed /dev/shm/" + segment);
            }
        }
    }

    /**
     * {@code NodeCleanup RUNTIME_ID}: removes what that runtime left on this node, reporting each step on stdout;
     * the frontend of a multi-node runtime runs it on every node (one srun step) after a failed teardown.
     */
    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: NodeCleanup RUNTIME_ID");
            System.exit(2);
        }
        remove(args[0], line -> System.out.println(HostId.hostname() + ": " + line));
    }

    /** Removes whatever runtime {@code runtimeId} left on this node (for a launcher cleaning up after a crash). */
    public static void remove(String runtimeId, Consumer<String> report) {
        for (Leftovers leftovers : scan()) {
            if (leftovers.runtimeId().equals(runtimeId)) {
                remove(leftovers, report);
            }
        }
    }

    /**
     * Processes of this node whose environment names {@code runtimeId}, except this process and its ancestors (a
     * launcher backend is Local Services' parent, and carries the runtime id too).
     */
    public static List<Long> pidsOf(String runtimeId) {
        Set<Long> lineage = new TreeSet<>();
        for (Optional<ProcessHandle> p = Optional.of(ProcessHandle.current()); p.isPresent(); p = p.get().parent()) {
            lineage.add(p.get().pid());
        }
        return ProcessHandle.allProcesses().map(ProcessHandle::pid)
            .filter(pid -> !lineage.contains(pid) && onThisNode(pid) && runtimeId.equals(runtimeOf(pid))).toList();
    }

    /**
     * Whether a process runs on this node: in its UTS namespace, which is what tells nodes apart where they share
     * one kernel (the test cluster of slurm/); on a real cluster every process of the kernel passes.
     */
    private static boolean onThisNode(long pid) {
        try {
            return Files.readSymbolicLink(PROC.resolve(Long.toString(pid)).resolve("ns/uts")).equals(OWN_UTS);
        } catch (IOException | SecurityException e) {
            return false;
        }
    }

    /** Runtimes whose segments a process has mapped. */
    private static Set<String> mappedRuntimes(long pid) {
        Set<String> runtimes = new TreeSet<>();
        try (Stream<String> maps = Files.lines(PROC.resolve(Long.toString(pid)).resolve("maps"))) {
            maps.filter(line -> line.contains(" /dev/shm/dragon-")).forEach(line -> PoolDescriptor.runtimeOfSegment(
                line.substring(line.lastIndexOf('/') + 1)).ifPresent(runtimes::add));
        } catch (IOException | java.io.UncheckedIOException | SecurityException e) {
            // gone, or another user's
        }
        return runtimes;
    }

    /** The DRAGON_RUNTIME_ID in a process's environment, or null (also when it is not ours to read). */
    private static String runtimeOf(long pid) {
        try {
            byte[] environ = Files.readAllBytes(PROC.resolve(Long.toString(pid)).resolve("environ"));
            String text = new String(environ, StandardCharsets.UTF_8);
            for (String entry : text.split("\0")) {
                if (entry.startsWith(RUNTIME_VAR)) {
                    return entry.substring(RUNTIME_VAR.length());
                }
            }
        } catch (IOException | SecurityException e) {
            // gone, or another user's: not ours to clean
        }
        return null;
    }
}
