package io.dragon.it;

import static io.dragon.it.SlurmCluster.run;
import static io.dragon.it.SlurmCluster.start;
import static org.assertj.core.api.Assertions.assertThat;

import io.dragon.it.SlurmCluster.Result;
import io.dragon.it.SlurmCluster.Running;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Faults of a multi-node runtime on the Slurm test cluster, each done for real while a runtime runs on three nodes
 * (its head sleeping on node1): the runtime JVM of a node (or its watchdog) killed with SIGKILL, the frontend
 * killed, a node that hangs (every process of the runtime on it stopped), Ctrl-C, scancel, the time limit. Each
 * must end in a clear message, an exit code that is not 0, and nothing of the runtime left on any node
 * (SlurmCluster.assertNothingLeft).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(SlurmCluster.Up.class)
class SlurmFaultsIT {
    /**
     * From the fault (or, for a hung node, its detection) to the end of dragon, teardown of every node included:
     * typically 1-6 s on the 2-vCPU test machine, where the nodes share its CPUs.
     */
    private static final int FAULT_SECONDS = 10;

    private boolean nodeGone;

    @AfterEach
    void nothingLeft() throws Exception {
        if (nodeGone) {
            // its /dev/shm went with the mount namespace of its slurmd; srun can no longer reach it
            SlurmCluster.assertNoRuntimeProcess();
        } else {
            SlurmCluster.assertNothingLeft();
        }
    }

    /** Last, as it takes a node of the cluster away for good: its slurmd and everything on it killed. */
    @Test
    @Order(Integer.MAX_VALUE)
    void shouldEndTheRuntimeWhenANodeDisappears() throws Exception {
        Running dragon = sleepingRuntime();
        awaitUp(dragon);
        nodeGone = true;
        Result killed = run(30, "sh", "-c", "slurmd=$(awk '$1 == \"slurmd\" { print $2 }' /run/dragon-slurm/pids"
            + " | sed -n 3p); uts=$(readlink /proc/$slurmd/ns/uts); for p in /proc/[0-9]*; do"
            + " [ \"$(readlink $p/ns/uts 2>/dev/null)\" = \"$uts\" ] && echo ${p#/proc/}; done | xargs kill -9");
        assertThat(killed.code()).as(killed.toString()).isZero();
        Result result = dragon.finish(FAULT_SECONDS);
        assertThat(result.code()).as(result.toString()).isEqualTo(125);
        assertThat(result.output()).contains("lost the backend of node 2 (node3)");
    }

    /** The runtime JVM of a node (its backend, transport agent and services) killed: its watchdog cleans up. */
    /** Also: the other nodes' logs are gathered; the lost node's stay on it, which dragon says. */
    @Test
    void shouldEndTheRuntimeWhenTheRuntimeJvmOfANodeIsKilled() throws Exception {
        String output = killService(2, runtime -> runtimeJvm(runtime, 2));
        assertThat(output).contains("lost the backend of node 2 (node3)");
        Path gathered = SlurmCluster.gatheredLogs(DragonRun.runtimeIdsIn(output).iterator().next());
        assertThat(output).containsPattern("dragon: the logs of (node1, )?node3 could not be gathered into "
            + Pattern.quote(gathered.toString()) + " \\(node lost or gone\\): they stay in /tmp/dragon-");
        assertThat(gathered.resolve("local-services-node2.log")).isNotEmptyFile();
        if (!output.contains("the backend on node1 failed")) {
            // a known teardown race after a node loss: Local Services of node1 may destroy its launcher channel
            // before its backend has read the SHHaltBE on it, and that backend then fails, sending no logs
            assertThat(gathered.resolve("global-services.log")).exists();
        }
        assertThat(gathered.resolve("backend-node3.log")).doesNotExist();
    }

    /** The same on the primary node, whose runtime JVM also runs Global Services. */
    @AnyTransport
    @Test
    void shouldEndTheRuntimeWhenTheRuntimeJvmOfThePrimaryNodeIsKilled() throws Exception {
        assertThat(killService(0, runtime -> runtimeJvm(runtime, 0))).contains("lost the backend of node 0 (node1)");
    }

    @AnyTransport
    @Test
    void shouldEndTheRuntimeWhenTheWatchdogOfANodeIsKilled() throws Exception {
        assertThat(killService(1, runtime -> runtimeJvm(runtime, 1).children().filter(p -> p.info().commandLine()
            .orElse("").contains("clean")).findFirst().orElseThrow()))
            .contains("the watchdog of the runtime JVM of node 1 (node2) (pid");
    }

    @Test
    void shouldEndTheRuntimeWhenANodeHangs() throws Exception {
        Running dragon = start("salloc", "-N3", "env", "DRAGON_JAVA_OPTS=-Ddragon.heartbeat.timeout.ms=3000",
            "bin/dragon", "/bin/sleep", "120");
        String runtime = awaitUp(dragon);
        for (ProcessHandle process : SlurmCluster.processesOf(runtime, 2)) {
            run(10, "kill", "-STOP", Long.toString(process.pid()));
        }
        Result result = dragon.finish(FAULT_SECONDS + 3); // detection: no heartbeat for 3 s
        assertThat(result.code()).as(result.toString()).isEqualTo(125);
        assertThat(result.output()).contains("lost the backend of node 2 (node3)");
    }

    /**
     * A process of node 1 blocked in take() on a queue of node 2 when node 2 hangs: the take fails within the
     * heartbeat timeout (3 s here), naming the node, instead of waiting forever (see LostNodeWait).
     */
    @Test
    void shouldFailARequestWaitingOnALostNodeNamingIt() throws Exception {
        Result result = hangNode2("LostNodeWait", 3, "blocked in take\\(\\) of a queue of node 2");
        assertThat(result.output()).as(result.toString()).contains("take() of a queue of node 2 failed: lost node 2"
            + " (node3) while a request waited there: its transport agent has not answered for 3000 ms");
    }

    /**
     * A DDict with a manager on each node, used by processes of nodes 1 and 2 when node 2 hangs (DDictLostNode): the
     * call of node 1 to node 2's manager fails naming it and its node when the node is found lost (heartbeat timeout
     * 5 s here), while the managers of nodes 0 and 1 go on answering node 1's other calls.
     */
    @AnyTransport
    @Test
    void shouldFailDictionaryCallsToTheManagerOfALostNodeNamingItWhileTheOthersServe() throws Exception {
        Result result = hangNode2("DDictLostNode", 5, "working on the keys of every manager");
        System.out.println(result.output().lines().filter(line -> line.contains(" ms")).toList());
        assertThat(result.code()).as(result.toString()).isEqualTo(125);
        assertThat(result.output()).as(result.toString())
            .containsPattern("a call to the manager of node 2 failed after [0-9]+ ms: manager 2 of dictionary"
                + " 'spread' on node 2 failed: ")
            .containsPattern("in the last 2000 ms of its wait, the managers of nodes 0 and 1 answered [1-9][0-9]*"
                + " calls")
            .doesNotContain("IllegalStateException");
    }

    /**
     * Senders on nodes 0 and 1 streaming into a queue of node 2 when node 2 hangs, halfway through (LostOwnerStream):
     * each sender's put fails naming the node, nothing blocks past the heartbeat timeout (3 s here) and the teardown,
     * and what arrived before the loss is whole, once each, in order, none lost.
     */
    @Test
    void shouldFailTheSendersOfAStreamToALostNodeNamingIt() throws Exception {
        Running dragon = start("salloc", "-N3", "env", "DRAGON_JAVA_OPTS=-Ddragon.heartbeat.timeout.ms=3000",
            "bin/dragon", "-cp", "dragon-it/target/test-classes:dragon-it/target/dragon-it.jar",
            "io.dragon.it.api.LostOwnerStream");
        String runtime = awaitUp(dragon);
        dragon.await("halfway: ", 180);
        for (ProcessHandle process : SlurmCluster.processesOf(runtime, 2)) {
            run(10, "kill", "-STOP", Long.toString(process.pid()));
        }
        Result result = dragon.finish(FAULT_SECONDS + 3);
        assertThat(result.code()).as(result.toString()).isEqualTo(125);
        assertThat(result.output()).as(result.toString())
            .contains("received before the loss, whole, once each, in order, none lost: ")
            .containsPattern("sender 0 on node 0: put of element [0-9]+ failed: lost node 2 \\(node3\\) while a"
                + " request waited there")
            .containsPattern("sender 1 on node 1: put of element [0-9]+ failed: lost node 2 \\(node3\\) while a"
                + " request waited there")
            .doesNotContain("AssertionError");
    }

    @AnyTransport
    @Test
    void shouldTearEveryNodeDownWhenTheFrontendIsKilled() throws Exception {
        Running dragon = sleepingRuntime();
        awaitUp(dragon);
        run(10, "kill", "-KILL", Long.toString(frontend().pid()));
        dragon.finish(FAULT_SECONDS);
        // every backend sees its parent go and tears its node down: assertNothingLeft checks that it did
    }

    @Test
    void shouldTearDownInOrderOnCtrlC() throws Exception {
        Running dragon = sleepingRuntime();
        awaitUp(dragon);
        run(10, "kill", "-INT", Long.toString(frontend().pid()));
        Result result = dragon.finish(FAULT_SECONDS);
        assertThat(result.output()).as(result.toString()).contains("interrupted: tearing the runtime down",
            "exit code 130");
    }

    @AnyTransport
    @Test
    void shouldTearDownWhenTheJobIsCancelled() throws Exception {
        Path out = Files.createTempFile("dragon-scancel", ".out");
        Running batch = start("sbatch", "--wait", "-N3", "-o", out.toString(), "--wrap", "bin/dragon /bin/sleep 120");
        String job = batch.await("Submitted batch job (\\d+)", 30);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.readString(out).contains("up on 3 nodes") && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(Files.readString(out)).contains("up on 3 nodes");
        long start = System.nanoTime();
        run(10, "scancel", job);
        Result result = batch.finish(2 * FAULT_SECONDS);
        Files.deleteIfExists(out);
        assertThat(result.code()).as(result.toString()).isNotZero();
        // twice the bound: sbatch --wait polls the job's state
        assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start)).isLessThan(2 * FAULT_SECONDS);
    }

    /**
     * The job's time limit (Slurm's shortest: a minute, enforced when slurmctld next looks): SIGTERM to every process
     * of the job, SIGKILL after KillWait (5 s on the test cluster); nothing of the runtime may be left.
     */
    @AnyTransport
    @Test
    void shouldTearDownAtTheJobsTimeLimit() throws Exception {
        Path out = Files.createTempFile("dragon-timelimit", ".out");
        Running batch = start("sbatch", "--wait", "-N3", "--time=1", "-o", out.toString(), "--wrap",
            "bin/dragon /bin/sleep 600");
        Result result = batch.finish(180);
        String output = Files.readString(out);
        Files.deleteIfExists(out);
        assertThat(result.code()).as(result + output).isNotZero();
        assertThat(output).contains("up on 3 nodes").containsPattern("DUE TO TIME LIMIT|interrupted");
    }

    /**
     * Runs {@code program} (of io.dragon.it.api) on three nodes with a heartbeat timeout of {@code heartbeatSeconds};
     * once its output matches {@code cue}, and a second later (its requests under way), stops every process of node 2
     * (a node that hangs). Returns its result.
     */
    private static Result hangNode2(String program, int heartbeatSeconds, String cue) throws Exception {
        Running dragon = start("salloc", "-N3", "env", "DRAGON_JAVA_OPTS=-Ddragon.heartbeat.timeout.ms="
            + heartbeatSeconds * 1000, "bin/dragon", "-cp",
            "dragon-it/target/test-classes:dragon-it/target/dragon-it.jar", "io.dragon.it.api." + program);
        String runtime = awaitUp(dragon);
        dragon.await(cue, 120);
        Thread.sleep(1_000);
        for (ProcessHandle process : SlurmCluster.processesOf(runtime, 2)) {
            run(10, "kill", "-STOP", Long.toString(process.pid()));
        }
        return dragon.finish(FAULT_SECONDS + heartbeatSeconds);
    }

    /** dragon on three nodes, its head a sleep of two minutes on node1. */
    private static Running sleepingRuntime() throws Exception {
        return start("salloc", "-N3", "bin/dragon", "/bin/sleep", "120");
    }

    /** The runtime's id, once it is up on all three nodes. */
    private static String awaitUp(Running dragon) throws Exception {
        return dragon.await("runtime (\\w+) up on 3 nodes", 120);
    }

    /** The frontend (launcher JVM) of the sleeping runtime. */
    private static ProcessHandle frontend() {
        return ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("")
            .matches(".*io\\.dragon\\.cli\\.DragonCommand.*/bin/sleep 120.*")).findFirst().orElseThrow();
    }

    /** The runtime JVM of node {@code node} of runtime {@code runtime}. */
    private static ProcessHandle runtimeJvm(String runtime, int node) {
        return SlurmCluster.service(runtime, node, "BackendMain").orElseThrow(() ->
            new AssertionError("no runtime JVM of runtime " + runtime + " on node " + node));
    }

    /**
     * Kills the process {@code victim} finds on node {@code node} of a sleeping runtime; dragon's output, once it
     * ended with 125.
     */
    private static String killService(int node, Function<String, ProcessHandle> victim) throws Exception {
        Running dragon = sleepingRuntime();
        String runtime = awaitUp(dragon);
        Result killed = run(10, "kill", "-KILL", Long.toString(victim.apply(runtime).pid()));
        assertThat(killed.code()).as(killed.toString()).isZero();
        Result result = dragon.finish(FAULT_SECONDS);
        assertThat(result.code()).as(result.toString()).isEqualTo(125);
        return result.output();
    }
}
