package io.dragon.backend.cleanup;

import io.dragon.core.infrastructure.HostId;
import io.dragon.core.infrastructure.OwnUser;
import io.dragon.core.infrastructure.Ids;
import io.dragon.core.infrastructure.Settings;
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
import java.util.stream.Stream;
import org.apache.logging.log4j.Logger;

/**
 * Finds what runtimes left on this node: pools' segments ({@link PoolDescriptor#segmentName()}) in /dev/shm and
 * processes whose environment holds {@code DRAGON_RUNTIME_ID}. A runtime is alive while a process that is not one
 * of its program's maps its segments: the runtime JVM of the node (the launcher, or a node's backend, with the
 * node's Local Services), or a process outside any runtime (a program using pools directly, as tests do). Only the
 * leftovers of dead runtimes are removed.
 *
 * <p>Only this user's segments and processes are touched, even when run as root: another user's are theirs (or were
 * put there to be removed by mistake), and are left alone and reported as such.
 */
public final class NodeCleanup {
    private static final Path SHM = Path.of("/dev/shm");
    private static final Path PROC = Path.of("/proc");
    private static final String RUNTIME_VAR = Settings.Variable.DRAGON_RUNTIME_ID.name() + "=";
    private static final String PUID_VAR = Settings.Variable.DRAGON_MY_PUID.name() + "=";
    private static final Path OWN_UTS = ownUts();

    /**
     * What one runtime has on this node.
     *
     * @param segments       this user's segments of the runtime (names in /dev/shm)
     * @param pids           this user's processes of the runtime
     * @param othersSegments segments named like the runtime's that belong to other users, with their owners' uids
     */
    public record Leftovers(String runtimeId, boolean alive, List<String> segments, List<Long> pids,
                            Map<String, Long> othersSegments) {
        /** Whether nothing of this user's is left (other users' segments are never removed). */
        public boolean isEmpty() {
            return segments.isEmpty() && pids.isEmpty();
        }
    }

    /**
     * What {@link #remove} did: each process killed and segment removed, each segment left alone as another user's,
     * and each failure (what, and the error), which did not stop the rest.
     */
    public record Removal(List<String> done, List<String> leftAlone, List<String> failures) {
        /** The steps at WARN (after a normal end there are none), what was left alone at INFO, then the failures. */
        public void log(Logger log) {
            done.forEach(log::warn);
            leftAlone.forEach(log::info);
            if (!failures.isEmpty()) {
                log.warn("could not remove everything: {}", String.join("; ", failures));
            }
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
        Map<String, Map<String, Long>> othersSegments = new TreeMap<>();
        try (Stream<Path> files = Files.list(SHM)) {
            for (Path file : files.sorted().toList()) {
                String name = file.getFileName().toString();
                String runtime = PoolDescriptor.runtimeOfSegment(name).orElse(null);
                long owner = runtime == null ? -1 : ownerOf(file);
                if (owner == OwnUser.uid()) {
                    segments.computeIfAbsent(runtime, k -> new ArrayList<>()).add(name);
                } else if (owner >= 0) {
                    othersSegments.computeIfAbsent(runtime, k -> new TreeMap<>()).put(name, owner);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + SHM + ": " + e.getMessage(), e);
        }
        Map<String, List<Long>> pids = new TreeMap<>();
        Set<String> alive = new TreeSet<>();
        long self = ProcessHandle.current().pid();
        ownProcesses().filter(p -> p.pid() != self).forEach(p -> {
            String runtime = variable(p.pid(), RUNTIME_VAR);
            if (runtime != null) {
                pids.computeIfAbsent(runtime, k -> new ArrayList<>()).add(p.pid());
            }
            if (runtime == null || !isUserPuid(variable(p.pid(), PUID_VAR))) {
                alive.addAll(mappedRuntimes(p.pid()));
            }
        });
        Set<String> runtimes = new TreeSet<>(segments.keySet());
        runtimes.addAll(othersSegments.keySet());
        runtimes.addAll(pids.keySet());
        List<Leftovers> result = new ArrayList<>();
        for (String runtime : runtimes) {
            result.add(new Leftovers(runtime, alive.contains(runtime), segments.getOrDefault(runtime, List.of()),
                pids.getOrDefault(runtime, List.of()), othersSegments.getOrDefault(runtime, Map.of())));
        }
        return result;
    }

    /**
     * Kills the runtime's processes and removes its segments (this user's), going on past a failure; says what it
     * did, what it left alone, and what failed.
     */
    public static Removal remove(Leftovers leftovers) {
        List<String> done = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        for (long pid : leftovers.pids()) {
            try {
                if (Signals.kill(pid, Signals.SIGKILL)) {
                    done.add("killed process " + pid + " of runtime " + leftovers.runtimeId());
                }
            } catch (RuntimeException e) {
                failures.add(e.getMessage());
            }
        }
        for (String segment : leftovers.segments()) {
            try {
                if (SharedMemory.unlink("/" + segment)) {
                    done.add("removed /dev/shm/" + segment);
                }
            } catch (RuntimeException e) {
                failures.add(e.getMessage());
            }
        }
        List<String> leftAlone = new ArrayList<>();
        leftovers.othersSegments().forEach((segment, owner) -> leftAlone.add("left /dev/shm/" + segment + " alone: it"
            + " belongs to uid " + owner + ", another user"));
        return new Removal(done, leftAlone, failures);
    }

    /**
     * {@code NodeCleanup RUNTIME_ID}: removes what that runtime left on this node, reporting each step on stdout and
     * each failure on stderr (exit status 1); the frontend of a multi-node runtime runs it on every node (one srun
     * step) after a failed teardown.
     */
    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: NodeCleanup RUNTIME_ID");
            System.exit(2);
        }
        String host = HostId.hostname();
        Removal removal = remove(args[0]);
        removal.done().forEach(line -> System.out.println(host + ": " + line));
        removal.leftAlone().forEach(line -> System.out.println(host + ": " + line));
        removal.failures().forEach(line -> System.err.println(host + ": " + line));
        System.exit(removal.failures().isEmpty() ? 0 : 1);
    }

    /** Removes whatever runtime {@code runtimeId} left on this node (for a launcher cleaning up after a crash). */
    public static Removal remove(String runtimeId) {
        return scan().stream().filter(leftovers -> leftovers.runtimeId().equals(runtimeId)).findFirst()
            .map(NodeCleanup::remove).orElse(new Removal(List.of(), List.of(), List.of()));
    }

    /**
     * Processes of this node whose environment names {@code runtimeId}, except this process and its ancestors (the
     * step of srun that started this node's backend, say, may carry the runtime id too).
     */
    public static List<Long> pidsOf(String runtimeId) {
        Set<Long> lineage = new TreeSet<>();
        for (Optional<ProcessHandle> p = Optional.of(ProcessHandle.current()); p.isPresent(); p = p.get().parent()) {
            lineage.add(p.get().pid());
        }
        return ownProcesses().map(ProcessHandle::pid)
            .filter(pid -> !lineage.contains(pid) && runtimeId.equals(variable(pid, RUNTIME_VAR))).toList();
    }

    /**
     * The program's processes among {@link #pidsOf}: those with a user p_uid (see {@link Ids#isUserId}), which Local
     * Services gives every process it starts and which their own children inherit, wherever they were reparented.
     * The runtime's own processes have infrastructure p_uids: the services, and the launcher's srun, which runs on
     * a node of the runtime when the launcher does (in a batch script or an srun step).
     */
    public static List<Long> programPidsOf(String runtimeId) {
        return pidsOf(runtimeId).stream().filter(pid -> isUserPuid(variable(pid, PUID_VAR))).toList();
    }

    private static boolean isUserPuid(String puid) {
        try {
            return puid != null && Ids.isUserId(Long.parseLong(puid));
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** This user's processes on this node. */
    private static Stream<ProcessHandle> ownProcesses() {
        return ProcessHandle.allProcesses().filter(p -> ownerOf(PROC.resolve(Long.toString(p.pid()))) == OwnUser.uid()
            && onThisNode(p.pid()));
    }

    /** The uid that owns a file (of a process: its /proc directory), or -1 if it is gone. */
    private static long ownerOf(Path file) {
        try {
            return OwnUser.ownerOf(file);
        } catch (IOException e) {
            return -1;
        }
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

    /**
     * The value of a variable in a process's environment ({@code prefix} is its name and "="), or null (also when
     * the process is not ours to read).
     */
    private static String variable(long pid, String prefix) {
        try {
            byte[] environ = Files.readAllBytes(PROC.resolve(Long.toString(pid)).resolve("environ"));
            String text = new String(environ, StandardCharsets.UTF_8);
            for (String entry : text.split("\0")) {
                if (entry.startsWith(prefix)) {
                    return entry.substring(prefix.length());
                }
            }
        } catch (IOException | SecurityException e) {
            // gone, or another user's: not ours to clean
        }
        return null;
    }
}
