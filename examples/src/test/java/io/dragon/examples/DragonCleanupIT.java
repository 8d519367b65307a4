package io.dragon.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.dragon.backend.cleanup.NodeCleanup;
import io.dragon.backend.cleanup.NodeCleanup.Leftovers;
import io.dragon.core.infrastructure.HostId;
import io.dragon.core.memory.PoolDescriptor;
import io.dragon.core.shm.SharedMemory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
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
        assertThat(lines.subList(0, lines.size() - 1)).as("live runtimes of others")
            .allMatch(line -> line.matches("runtime \\S+ is running \\(.*\\): left alone"));
        assertThat(run.stderr()).as(run::toString).isEmpty();
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
