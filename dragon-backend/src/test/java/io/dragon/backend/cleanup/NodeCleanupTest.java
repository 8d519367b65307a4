package io.dragon.backend.cleanup;

import static org.assertj.core.api.Assertions.assertThat;

import io.dragon.backend.cleanup.NodeCleanup.Leftovers;
import io.dragon.backend.cleanup.NodeCleanup.Removal;
import io.dragon.core.infrastructure.HostId;
import io.dragon.core.infrastructure.Ids;
import io.dragon.core.infrastructure.OwnUser;
import io.dragon.core.memory.PoolDescriptor;
import io.dragon.core.shm.SharedMemory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Cleanup of a dead runtime touches only this user's segments and processes, and one segment it cannot remove
 * does not stop it: the failure is reported, with the rest of what it did, at the end.
 */
class NodeCleanupTest {
    /** nobody: another user of the node. */
    private static final int OTHER_UID = 65534;
    private static final AtomicInteger RUNTIMES = new AtomicInteger();

    private final String runtimeId = "t" + ProcessHandle.current().pid() + "_cleanup" + RUNTIMES.incrementAndGet();
    private final List<Path> made = new ArrayList<>();
    private Process othersProcess;
    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void removeWhatTheTestMade() throws IOException, InterruptedException {
        for (Path file : made) {
            Files.deleteIfExists(file);
        }
        if (othersProcess != null) {
            othersProcess.destroyForcibly().waitFor();
        }
        for (Process process : started) {
            process.destroyForcibly().waitFor();
        }
    }

    @Test
    void shouldCountOnlyProcessesWithAUserPuidAsTheProgramsOwn() throws Exception {
        Process program = sleeper(Ids.FIRST_USER_ID + 1); // a managed process, or a child it left behind
        Process srun = sleeper(Ids.LAUNCHER_PUID); // the launcher's srun, on a node of its runtime

        assertThat(NodeCleanup.pidsOf(runtimeId)).containsExactlyInAnyOrder(program.pid(), srun.pid());
        assertThat(NodeCleanup.programPidsOf(runtimeId)).containsExactly(program.pid());
    }

    /** A process of this test's runtime with p_uid {@code puid} in its environment. */
    private Process sleeper(long puid) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder("sleep", "60");
        builder.environment().put("DRAGON_RUNTIME_ID", runtimeId);
        builder.environment().put("DRAGON_MY_PUID", Long.toString(puid));
        Process process = builder.start();
        started.add(process);
        // The JVM's spawn helper runs first, with the JVM's environment: wait for sleep itself.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!process.info().command().orElse("").endsWith("sleep")) {
            assertThat(System.nanoTime() - deadline).as("sleep did not start").isNegative();
            Thread.sleep(10);
        }
        return process;
    }

    @Test
    void shouldGoOnPastASegmentItCannotRemoveAndReportItAtTheEnd() throws IOException {
        // unlink(2) fails on a directory: the "segment" sorts first, so the real one comes after the failure.
        Path directory = Files.createDirectory(segment(1));
        made.add(directory);
        Path segment = segment(2);
        SharedMemory.create("/" + segment.getFileName(), 4096).close();
        made.add(segment);

        Leftovers leftovers = leftovers();
        Removal removal = NodeCleanup.remove(leftovers);

        assertThat(leftovers.segments()).containsExactly(directory.getFileName().toString(),
            segment.getFileName().toString());
        assertThat(removal.done()).containsExactly("removed " + segment);
        assertThat(removal.failures()).containsExactly("cannot unlink shared-memory segment /"
            + directory.getFileName() + ": Is a directory (errno 21)");
        assertThat(segment).doesNotExist();
        assertThat(directory).exists();
    }

    @Test
    void shouldLeaveAnotherUsersSegmentAloneAndSaySo() throws IOException {
        assumeRoot(); // root may remove any file of /dev/shm: only the owner check stops it
        Path others = giveAway(Files.createFile(segment(1)));
        made.add(others);
        Path own = segment(2);
        SharedMemory.create("/" + own.getFileName(), 4096).close();
        made.add(own);

        Leftovers leftovers = leftovers();
        Removal removal = NodeCleanup.remove(leftovers);

        assertThat(leftovers.segments()).containsExactly(own.getFileName().toString());
        assertThat(leftovers.othersSegments()).isEqualTo(Map.of(others.getFileName().toString(), (long) OTHER_UID));
        assertThat(removal.done()).containsExactly("removed " + own);
        assertThat(removal.leftAlone()).containsExactly("left " + others + " alone: it belongs to uid " + OTHER_UID
            + ", another user");
        assertThat(removal.failures()).isEmpty();
        assertThat(others).exists();
        assertThat(own).doesNotExist();
    }

    @Test
    void shouldNotCountAnotherUsersProcessAsTheRuntimes() throws Exception {
        assumeRoot(); // root may read any process's environment and kill it
        ProcessBuilder builder = new ProcessBuilder("setpriv", "--reuid=" + OTHER_UID, "--regid=" + OTHER_UID,
            "--clear-groups", "sleep", "60");
        builder.environment().put("DRAGON_RUNTIME_ID", runtimeId);
        othersProcess = builder.start();
        Path proc = Path.of("/proc", Long.toString(othersProcess.pid()));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (Files.getAttribute(proc, "unix:uid") instanceof Integer uid && uid != OTHER_UID) {
            assertThat(System.nanoTime() - deadline).as("setpriv did not switch users").isNegative();
            Thread.sleep(10);
        }

        assertThat(NodeCleanup.scan()).noneMatch(l -> l.runtimeId().equals(runtimeId));
        assertThat(NodeCleanup.pidsOf(runtimeId)).isEmpty();
        assertThat(NodeCleanup.remove(runtimeId).done()).isEmpty();
        assertThat(othersProcess.isAlive()).isTrue();
    }

    /** A path in /dev/shm named like segment {@code muid} of this test's runtime. */
    private Path segment(long muid) {
        return Path.of("/dev/shm", new PoolDescriptor(runtimeId, muid, muid, HostId.local(), 4096).segmentName()
            .substring(1));
    }

    private Leftovers leftovers() {
        List<Leftovers> found = NodeCleanup.scan().stream().filter(l -> l.runtimeId().equals(runtimeId)).toList();
        assertThat(found).hasSize(1);
        assertThat(found.get(0).alive()).isFalse();
        return found.get(0);
    }

    private static void assumeRoot() {
        Assumptions.assumeTrue(OwnUser.uid() == 0, "skipped: acting as another user needs root");
    }

    private static Path giveAway(Path path) throws IOException {
        Files.setAttribute(path, "unix:uid", OTHER_UID, LinkOption.NOFOLLOW_LINKS);
        return path;
    }
}
