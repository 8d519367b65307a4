package io.dragon.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.dragon.backend.cleanup.NodeCleanup;
import io.dragon.backend.cleanup.NodeCleanup.Leftovers;
import io.dragon.core.infrastructure.HostId;
import io.dragon.core.infrastructure.OwnUser;
import io.dragon.core.memory.PoolDescriptor;
import io.dragon.core.shm.SharedMemory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** End to end: the real {@code bin/dragon-cleanup} removes what dead runtimes left, and never a live runtime. */
class DragonCleanupIT {
    private final DragonRuns runs = new DragonRuns();

    @AfterEach
    void nothingLeft() throws InterruptedException {
        runs.assertNothingLeft();
    }

    @Test
    void shouldSayNothingToCleanOnACleanNode() {
        List<Leftovers> dead = NodeCleanup.scan().stream().filter(leftovers -> !leftovers.alive()).toList();
        assumeTrue(dead.isEmpty(), () -> "another run on this machine left a dead runtime: the node is not clean: "
            + dead);

        DragonRun.Result run = runs.cleanup().run();

        assertThat(run.exitCode()).as(run::toString).isZero();
        List<String> lines = run.stdout().lines().toList();
        assertThat(lines).as(run::toString).last().isEqualTo("nothing to clean");
        assertThat(lines.subList(0, lines.size() - 1)).as("live runtimes of other runs, other users' segments")
            .allMatch(line -> line.matches("runtime \\S+ is running \\(.*\\): left alone")
                || line.matches("left alone [0-9]+ segment\\(s\\) of other users' runtimes"));
        assertThat(run.stderr()).as(run::toString).isEmpty();
    }

    @Test
    void shouldLeaveAnotherUsersSegmentAloneAndRemoveTheRestPastOneThatFails() throws Exception {
        assumeTrue(OwnUser.uid() == 0, "skipped: making another user's segment needs root");
        String deadId = "rfake" + Long.toString(new SecureRandom().nextLong() >>> 24, 36);
        runs.track(deadId);
        // Sorted as cleanup goes: one it cannot remove (unlink(2) refuses a directory), then one it can, then
        // another user's, named like the runtime's.
        List<Path> segments = new ArrayList<>();
        for (long key = 1; key <= 3; key++) {
            segments.add(Path.of("/dev/shm", new PoolDescriptor(deadId, 1, key, HostId.local(), 4096).segmentName()
                .substring(1)));
        }
        Path failing = Files.createDirectory(segments.get(0));
        Path own = segments.get(1);
        SharedMemory.create("/" + own.getFileName(), 4096).close();
        Path others = Files.createFile(segments.get(2));
        Files.setAttribute(others, "unix:uid", 65534);
        try {
            DragonRun.Result run = runs.cleanup().run();

            assertThat(run.exitCode()).as(run::toString).isEqualTo(1);
            assertThat(run.stdout().lines()).as(run::toString)
                .contains("removed " + own, "left " + others + " alone: it belongs to uid 65534, another user")
                .anyMatch(line -> line.matches("cleaned [0-9]+ runtime\\(s\\), 1 thing\\(s\\) could not be removed"));
            assertThat(run.stderr()).as(run::toString).isEqualTo("dragon-cleanup: cannot unlink shared-memory segment /"
                + failing.getFileName() + ": Is a directory (errno 21)\n");
            assertThat(own).doesNotExist();
            assertThat(others).exists();
            assertThat(OwnUser.ownerOf(others)).isEqualTo(65534);
        } finally {
            for (Path segment : segments) {
                Files.deleteIfExists(segment);
            }
        }
    }

    @Test
    void shouldRemoveWhatADeadRuntimeLeftAndLeaveALiveRuntimeAlone(@TempDir Path dir) throws Exception {
        String deadId = "rfake" + Long.toString(new SecureRandom().nextLong() >>> 24, 36);
        runs.track(deadId);
        String segment = new PoolDescriptor(deadId, 1, 42, HostId.local(), 4096).segmentName().substring(1);
        SharedMemory.create("/" + segment, 4096).close(); // unmapped at once: a mapped segment counts as in use
        ProcessBuilder orphanBuilder = new ProcessBuilder("sleep", "60").redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        orphanBuilder.environment().put("DRAGON_RUNTIME_ID", deadId);
        Process orphan = orphanBuilder.start();
        Path go = dir.resolve("go");
        DragonRun.Running live = runs.dragon("sh", "-c",
            "echo waiting >&2; while [ ! -e \"$1\" ]; do sleep 0.1; done; echo done", "sh", go.toString()).start();
        try {
            String liveId = live.awaitStderr(Pattern.compile("dragon: runtime (r[0-9a-z]+) up on "));
            live.awaitStderr(Pattern.compile("(?m)^waiting$"));

            DragonRun.Result run = runs.cleanup().run();

            assertThat(run.exitCode()).as(run::toString).isZero();
            assertThat(run.stdout().lines()).as(run::toString)
                .contains("killed process " + orphan.pid() + " of runtime " + deadId)
                .contains("removed /dev/shm/" + segment)
                .anyMatch(line -> line.matches("runtime " + liveId + " is running \\([0-9]+ processes, [0-9]+"
                    + " segments\\): left alone"))
                .anyMatch(line -> line.matches("cleaned [0-9]+ runtime\\(s\\)"));
            assertThat(Path.of("/dev/shm", segment)).doesNotExist();
            assertThat(orphan.waitFor(10, TimeUnit.SECONDS)).as("the orphan was killed").isTrue();
            assertThat(NodeCleanup.scan()).as("the live runtime's segments and processes")
                .anyMatch(l -> l.runtimeId().equals(liveId) && l.alive() && !l.segments().isEmpty()
                    && !l.pids().isEmpty());

            Files.createFile(go);
            DragonRun.Result liveRun = live.await();
            assertThat(liveRun.exitCode()).as(liveRun::toString).isZero();
            assertThat(liveRun.stdout()).as(liveRun::toString).isEqualTo("done\n");
            assertThat(liveRun.programStderr()).as(liveRun::toString).isEqualTo("waiting\n");
        } finally {
            orphan.destroyForcibly();
            SharedMemory.unlink("/" + segment);
            if (!Files.exists(go)) {
                Files.createFile(go);
            }
        }
    }
}
