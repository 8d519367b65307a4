package io.dragon.it;

import io.dragon.backend.cleanup.NodeCleanup;
import io.dragon.backend.cleanup.NodeCleanup.Leftovers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The runs of one test, made with {@link #dragon(String...)} and {@link #cleanup(String...)}, and the check that
 * they left nothing behind: {@link #assertNothingLeft()} (for an {@code @AfterEach}) fails if a run is still going,
 * or if a runtime named on the stderr of one of them still has a segment in /dev/shm or a process on this node;
 * then it removes what it found, so that one leak fails one test. Other runtimes on the machine (other people's
 * runs) are never looked at.
 */
final class DragonRuns {
    /** How long processes of a finished runtime get to disappear (a service killed during teardown, say). */
    private static final long GRACE_MILLIS = 5_000;

    private final Path outputDir;
    private final List<DragonRun.Running> started = new ArrayList<>();
    private final Set<String> trackedRuntimes = new LinkedHashSet<>();

    DragonRuns() {
        try {
            outputDir = Files.createTempDirectory("dragon-it-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a directory for the runs' output", e);
        }
    }

    /** {@code bin/dragon ARGS...}, to {@link DragonRun#run()} or {@link DragonRun#start()}. */
    DragonRun dragon(String... args) {
        return script("bin/dragon", args);
    }

    /** {@code bin/dragon-cleanup ARGS...}. */
    DragonRun cleanup(String... args) {
        return script("bin/dragon-cleanup", args);
    }

    /** Runs {@code bin/dragon ARGS...} to its end, with stdin from /dev/null. */
    DragonRun.Result run(String... args) {
        return dragon(args).run();
    }

    /** Checks a runtime this test made by other means (a fake leftover) as well. */
    void track(String runtimeId) {
        trackedRuntimes.add(runtimeId);
    }

    /** Every runtime named on the stderr of this test's runs, and the tracked ones. */
    Set<String> runtimeIds() {
        Set<String> ids = new LinkedHashSet<>(trackedRuntimes);
        for (DragonRun.Running run : started) {
            ids.addAll(run.runtimeIds());
        }
        return ids;
    }

    void assertNothingLeft() throws InterruptedException {
        List<String> problems = new ArrayList<>();
        for (DragonRun.Running run : started) {
            if (run.isAlive()) {
                problems.add("still running (now stopped): " + run);
                run.stop();
            }
        }
        Set<String> ids = runtimeIds();
        List<Leftovers> leftovers = leftoversOf(ids);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(GRACE_MILLIS);
        while (!leftovers.isEmpty() && System.nanoTime() - deadline < 0) {
            Thread.sleep(100);
            leftovers = leftoversOf(ids);
        }
        for (Leftovers runtime : leftovers) {
            StringBuilder what = new StringBuilder("runtime " + runtime.runtimeId() + " left");
            runtime.segments().forEach(segment -> what.append("\n    segment /dev/shm/").append(segment));
            runtime.pids().forEach(pid -> what.append("\n    process ").append(pid).append(' ').append(
                ProcessHandle.of(pid).flatMap(p -> p.info().commandLine()).orElse("(gone)")));
            problems.add(what.toString());
            NodeCleanup.remove(runtime);
        }
        deleteOutput();
        if (!problems.isEmpty()) {
            throw new AssertionError("the test left things behind (now cleaned up):\n  "
                + String.join("\n  ", problems));
        }
    }

    /** {@code SCRIPT ARGS...}: a script of bin/ (bin/dragon-cds, say), or of another tree by its absolute path. */
    DragonRun script(String script, String... args) {
        List<String> command = new ArrayList<>();
        command.add(script);
        command.addAll(List.of(args));
        return new DragonRun(command, outputDir, started);
    }

    private static List<Leftovers> leftoversOf(Set<String> runtimeIds) {
        return NodeCleanup.scan().stream().filter(l -> runtimeIds.contains(l.runtimeId()) && !l.isEmpty()).toList();
    }

    private void deleteOutput() {
        try (Stream<Path> files = Files.walk(outputDir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + outputDir, e);
        }
    }
}
