package io.dragon.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dragon.DragonException;
import io.dragon.Queue;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The user API (package io.dragon) with real processes: each test runs a program of checks (dragon-it's test
 * classes, package io.dragon.it.api) as the head of a real runtime through {@code bin/dragon}; every check
 * prints PASS or FAIL with its reason, and the test expects all of them to pass and nothing to be left behind.
 */
class UserApiIT {
    private static final String CLASSPATH = "dragon-it/target/test-classes:dragon-it/target/dragon-it.jar";

    private final DragonRuns runs = new DragonRuns();

    @AfterEach
    void nothingLeft() throws InterruptedException {
        runs.assertNothingLeft();
    }

    @Test
    void queueKeepsTheBlockingQueueContractAcrossProcesses() {
        assertAllPass("QueueChecks", 23);
    }

    @Test
    void ddictKeepsTheConcurrentMapContractAcrossProcesses() {
        assertAllPass("DDictChecks", 21);
    }

    @Test
    void poolRunsTasksInWorkerProcesses() {
        assertAllPass("PoolChecks", 10);
    }

    @Test
    void poolsAndQueuesServeOnAfterProcessesAreKilledWhileTheySendAndReceive() {
        DragonRun.Result run = assertAllPass("KillChecks", 4);
        System.out.println(run.stdout().lines().filter(line -> line.contains("rounds")).toList());
    }

    @Test
    void locksSemaphoresBarriersAndEventsWorkAcrossProcesses() {
        assertAllPass("SyncChecks", 9);
    }

    @Test
    void sharedArraysAreOneMemoryForAllProcesses() {
        assertAllPass("SharedArrayChecks", 3);
    }

    @Test
    void processesStartJoinAndDieAsAsked() {
        DragonRun.Result run = assertAllPass("ProcessChecks", 13);
        assertThat(run.stdout()).contains("runnable ran in another JVM: true", "env value in /tmp",
            "main class with args 5");
        assertThat(run.programStderr()).contains("IllegalStateException: thrown on purpose by a check");
    }

    @Test
    void standardStreamsGoToFilesNothingOrTheParent() {
        DragonRun.Result run = assertAllPass("ProcessIoChecks", 7);
        assertThat(run.stdout() + run.programStderr()).doesNotContain("discarded-");
    }

    @Test
    void completableFuturesOnExitTryWithResourcesAndDurationsFollowJavaUtilConcurrent() {
        assertAllPass("IdiomChecks", 9);
    }

    @Test
    void jvmOptionsOfTheCommandLineReachTheHeadAndTheJavaProcessesItStarts() {
        assertAllPass(runs.dragon("--jvm-opt=-Dexample.flag=head", "--jvm-opt=-Xmx200m", "-cp", CLASSPATH,
            "io.dragon.it.api.JvmOptionChecks").timeout(Duration.ofMinutes(3)), 3);
    }

    @Test
    void settingsOfTheCommandLineAndEnvironmentReachTheHeadAndTheJavaProcessesItStarts() {
        assertAllPass(runs.dragon("--bringup-timeout", "90s", "-cp", CLASSPATH, "io.dragon.it.api.SettingsChecks")
            .env("DRAGON_HEARTBEAT_TIMEOUT", "8s"), 2);
    }

    /** The node's GPUs are two fake NVIDIA ones (DRAGON_GPUS): the variable is checked where no GPU is. */
    @Test
    void policiesConfineProcessesGroupMembersAndPoolWorkersToCoresAndGpus() {
        assertAllPass(checks("PolicyChecks").env("DRAGON_GPUS", "nvidia:2"), 6);
    }

    @Test
    void badUseGivesClearErrors() {
        assertAllPass("BadUseChecks", 9);
    }

    @Test
    void deserializationRefusesAClassOffItsListsClearlyAndTheOptionAllowsIt() {
        DragonRun.Result refused = assertAllPass("DeserializationChecks", 3);
        assertThat(refused.programStderr()).contains("dragon: cannot deserialize the process target: class"
            + " java.net.URL is refused by the deserialization filter", "run dragon --serial-filter 'java.net.URL'");
        DragonRun.Result allowed = assertAllPass(runs.dragon("--serial-filter", "java.net.URL", "-cp", CLASSPATH,
            "io.dragon.it.api.DeserializationChecks", "allowed").timeout(Duration.ofMinutes(3)), 3);
        assertThat(allowed.stdout()).contains("the target ran with file:/tmp/dragon-checks");
    }

    /**
     * On one node no secret exists; here the launcher's environment has the variables of one, and neither they nor
     * their values may reach anything Local Services, a thread of the launcher's JVM, starts (on each node of a
     * multi-node run it is a thread of the backend's JVM, which has them: SlurmClusterIT checks that case).
     */
    @Test
    void keepsTheJobsSecretAndKeyOutOfEveryUserProcess() {
        DragonRun.Result run = assertAllPass(checks("EnvironmentChecks")
            .env("DRAGON_TREE_SECRET", UUID.randomUUID().toString())
            .env("DRAGON_TLS_CERTIFICATE", UUID.randomUUID().toString())
            .env("DRAGON_TLS_KEY", UUID.randomUUID().toString()), 2);
        assertThat(run.stdout().lines().filter(line -> line.matches("kept out of pid [0-9]+ on .*: DRAGON_TLS_"
            + "CERTIFICATE DRAGON_TLS_KEY DRAGON_TREE_SECRET of pid [0-9]+ \\(io.dragon.cli.DragonCommand\\)")))
            .as(run::toString).hasSize(2);
    }

    /**
     * A DDict of 2 managers persisted by one run, restored with 1 manager by the next, entry for entry in its
     * checkpoint; then restores from an empty directory, a truncated file, a foreign file and a directory that lacks
     * a file each fail naming it and leave no process or segment behind (DDictPersistChecks).
     */
    @Test
    void dictionaryPersistedByOneRunIsRestoredByTheNextAndBrokenFilesFailClearly(@TempDir Path dir) {
        String files = dir.resolve("ddict").toString();
        assertAllPass(checks("DDictPersistChecks", "persist", files, "2"), 2);
        assertAllPass(checks("DDictPersistChecks", "restore", files, "1"), 1);
        DragonRun.Result bad = assertAllPass(checks("DDictPersistChecks", "bad", files), 5);
        System.out.println(bad.stdout().lines().filter(line -> line.startsWith("restore from")).toList());
    }

    /**
     * A DDict's manager killed with SIGKILL: the processes of its node go on using its shard, and what needs the
     * manager fails within seconds naming it; clients killed in the middle of their puts leave it usable and its size
     * consistent (DDictKillChecks).
     */
    @Test
    void dictionaryServesOnAfterItsManagerOrAClientIsKilled() {
        DragonRun.Result run = assertAllPass("DDictKillChecks", 4);
        System.out.println(run.stdout().lines().filter(line -> line.contains(" ms")).toList());
    }

    @Test
    void saysSoWhenNotRunUnderTheRuntime() {
        assertThatThrownBy(Queue::create).isInstanceOf(DragonException.class)
            .hasMessageContaining("does not run under the Dragon runtime").hasMessageContaining("dragon my.jar");
    }

    private DragonRun checks(String program, String... args) {
        List<String> command = new ArrayList<>(List.of("-cp", CLASSPATH, "io.dragon.it.api." + program));
        command.addAll(List.of(args));
        return runs.dragon(command.toArray(String[]::new)).timeout(Duration.ofMinutes(3));
    }

    private DragonRun.Result assertAllPass(String program, int checks) {
        return assertAllPass(checks(program), checks);
    }

    private static DragonRun.Result assertAllPass(DragonRun checks, int count) {
        DragonRun.Result run = checks.run();
        List<String> passed = run.stdout().lines().filter(line -> line.startsWith("PASS ")).toList();
        assertThat(run.stdout()).as(run::toString).doesNotContain("FAIL ");
        assertThat(passed).as(run::toString).hasSize(count);
        assertThat(run.exitCode()).as(run::toString).isZero();
        return run;
    }
}
