package io.dragon.it;

import static io.dragon.it.SlurmCluster.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.dragon.backend.trace.JsonParser;
import io.dragon.it.SlurmCluster.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * dragon on a real Slurm cluster of three network-namespace nodes on this host (slurm/cluster-up.sh): a runtime on
 * every node of the allocation under salloc and from an sbatch script, also from the unpacked distribution; the user
 * API across nodes (MultiNodeChecks); exit codes; -N checked against the allocation; dragon refused under srun. After
 * each test no process of a runtime is left and no segment in any node's /dev/shm. Needs root with the right to make
 * network namespaces and Debian's slurm-wlm (.ci/run installs it); skipped, with the reason, where those are missing.
 */
@ExtendWith(SlurmCluster.Up.class)
class SlurmClusterIT {
    @AfterEach
    void nothingLeft() throws Exception {
        SlurmCluster.assertNothingLeft();
    }

    /**
     * Also: without --log-dir, every node's logs are gathered at the end into dragon-logs/RUNTIME in the job's
     * submit directory, made 0700, from the directory each node logged to (the nodes share this host's /tmp here,
     * so the gathered copies prove that they travelled: the nodes never wrote to the submit directory).
     */
    @Test
    void shouldRunAProcessOnEveryNodeOfTheAllocation() throws Exception {
        Result hello = run(120, "salloc", "-N3", "bin/dragon", "examples/target/examples-hello.jar", "3");
        assertThat(hello.code()).as(hello.toString()).isZero();
        assertThat(hello.output()).contains("up on 3 nodes (node1,node2,node3)", "on node1)", "on node2)",
            "on node3)", "all 3 workers done");

        String runtime = DragonRun.runtimeIdsIn(hello.output()).iterator().next();
        Path gathered = SlurmCluster.gatheredLogs(runtime);
        assertThat(hello.output()).contains("(logs in " + gathered + ")");
        assertThat(Files.getPosixFilePermissions(gathered)).isEqualTo(PosixFilePermissions.fromString("rwx------"));
        try (Stream<Path> files = Files.list(gathered)) {
            assertThat(files.map(f -> f.getFileName().toString())).containsExactlyInAnyOrder("launcher.log",
                "global-services.log", "backend-node1.log", "backend-node2.log", "backend-node3.log",
                "local-services-node1.log", "local-services-node2.log", "local-services-node3.log");
        }
        Path nodeLogs = Path.of("/tmp", "dragon-" + System.getProperty("user.name"), runtime);
        for (String file : List.of("global-services.log", "backend-node3.log", "local-services-node2.log")) {
            assertThat(Files.readString(nodeLogs.resolve(file))).as(file).startsWith(Files.readString(gathered
                .resolve(file))).contains(" INFO ");
        }
        assertThat(Files.readString(gathered.resolve("launcher.log"))).contains("gathered the logs of every node");
        assertThat(Files.readString(gathered.resolve("backend-node3.log"))).contains("linked to its parent");
    }

    /** The distribution's tarball, unpacked into a path with a space, runs on every node as the build tree does. */
    @AnyTransport
    @Test
    void shouldRunTheUnpackedDistributionOnEveryNode(@TempDir Path dir) throws Exception {
        Path home = Distribution.unpack(dir);
        Result hello = run(120, "salloc", "-N3", home.resolve("bin/dragon").toString(),
            "examples/target/examples-hello.jar", "3");
        assertThat(hello.code()).as(hello.toString()).isZero();
        assertThat(hello.output()).contains("up on 3 nodes (node1,node2,node3)", "on node1)", "on node2)",
            "on node3)", "all 3 workers done");
    }

    /** Every node's runtime JVM pauses as it starts (PausedServices) until the launcher has said so. */
    @AnyTransport
    @Test
    void shouldSayWhichNodesASlowBringupWaitsFor(@TempDir Path dir) throws Exception {
        PausedServices services = new PausedServices(dir);
        SlurmCluster.Running dragon = SlurmCluster.start("env", "DRAGON_JAVA_OPTS=" + services.javaOptions(),
            "salloc", "-N3", "bin/dragon", "/bin/true");
        String waiting = dragon.await("(dragon: waiting for nodes to join: .*)", 120);
        services.resumeAll(dragon.process()::isAlive, Duration.ofSeconds(120));
        Result result = dragon.finish(10);

        assertThat(waiting).matches("dragon: waiting for nodes to join: 0 of 3 joined, still waiting for node1, node2,"
            + " node3 \\([0-9]+ s\\)");
        assertThat(result.code()).as(result.toString()).isZero();
        assertThat(result.output()).as(result.toString()).contains("up on 3 nodes", "dragon: exit code 0");
    }

    /** With -q, what a slow bringup waits for goes to the launcher's log only. */
    @AnyTransport
    @Test
    void shouldSayWhatASlowBringupWaitsForOnlyInTheLogWhenQuiet(@TempDir Path dir) throws Exception {
        PausedServices services = new PausedServices(dir);
        Path logs = dir.resolve("logs");
        SlurmCluster.Running dragon = SlurmCluster.start("env", "DRAGON_JAVA_OPTS=" + services.javaOptions(),
            "salloc", "-N2", "bin/dragon", "-q", "--log-dir", logs.toString(), "/bin/true");
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (!Files.isRegularFile(logs.resolve("launcher.log"))
            || !Files.readString(logs.resolve("launcher.log")).contains("waiting for nodes to join")) {
            assertThat(dragon.process().isAlive() && System.nanoTime() - deadline < 0).as("waiting in the log")
                .isTrue();
            Thread.sleep(100);
        }
        services.resumeAll(dragon.process()::isAlive, Duration.ofSeconds(120));
        Result result = dragon.finish(10);

        assertThat(result.code()).as(result.toString()).isZero();
        // only progress is checked: a backend may still fail at teardown in a race not understood yet, whose logs
        // are kept for the next look (closing note)
        if (result.output().contains("failed")) {
            Path kept = Path.of("target", "teardown-race-logs-" + System.currentTimeMillis());
            Files.createDirectories(kept);
            try (Stream<Path> files = Files.list(logs)) {
                for (Path log : files.toList()) {
                    Files.copy(log, kept.resolve(log.getFileName()));
                }
            }
            System.out.println("a backend failed at teardown; logs kept in " + kept.toAbsolutePath());
        }
        assertThat(result.output()).as(result.toString()).doesNotContain("dragon: waiting", "dragon: runtime",
            "dragon: exit code");
    }

    @AnyTransport
    @Test
    void shouldChooseTcpWithoutLoadingLibfabricWhereNoNodeHasAFabricDevice(@TempDir Path logs) throws Exception {
        Result result = run(120, "salloc", "-N2", "bin/dragon", "--transport", "auto", "--log-dir", logs.toString(),
            "/bin/true");
        assertThat(result.code()).as(result.toString()).isZero();
        assertThat(Files.readString(logs.resolve("launcher.log")))
            .contains("libfabric cannot be used on node", "no fabric device (looked for /sys/class/infiniband/*");
        try (Stream<Path> files = Files.list(logs)) {
            for (Path backend : files.filter(f -> f.getFileName().toString().startsWith("backend-")).toList()) {
                assertThat(Files.readString(backend)).as("libfabric was not asked on " + backend.getFileName())
                    .doesNotContain("no fabric transport agent");
            }
        }
    }

    @Test
    void shouldRunEveryLinkBetweenTheNodesOverTlsWhenAsked(@TempDir Path logs) throws Exception {
        Result hello = run(120, "salloc", "-N3", "bin/dragon", "--tls", "--log-dir", logs.toString(),
            "examples/target/examples-hello.jar", "3");
        assertThat(hello.code()).as(hello.toString()).isZero();
        assertThat(hello.output()).contains("on node1)", "on node2)", "on node3)", "all 3 workers done");
        assertThat(Files.readString(logs.resolve("backend-node2.log"))).contains("(TLS)");
    }

    @AnyTransport
    @Test
    void shouldLabelOutputWithTheHostOfEachProcessAndFeedStdinToTheHead() throws Exception {
        Result labelled = run(120, "salloc", "-N3", "bin/dragon", "--label-output",
            "examples/target/examples-hello.jar", "3");
        assertThat(labelled.code()).as(labelled.toString()).isZero();
        assertThat(labelled.output()).containsPattern("\\[node1 [0-9]+\\] head process")
            .containsPattern("\\[node2 [0-9]+\\] hello from worker 1").containsPattern("\\[node3 [0-9]+\\] hello");

        Result echoed = run(120, "salloc", "-N2", "sh", "-c", "printf 'one\\ntwo\\n' | bin/dragon"
            + " examples/target/examples-echo.jar");
        assertThat(echoed.code()).as(echoed.toString()).isZero();
        // stdout and stderr are merged here: the head's count on stderr may come between its lines
        assertThat(echoed.output()).containsSubsequence("1: one\n", "2: two\n").contains("read 2 lines");
    }

    /** The job's secret (64 hex digits) reaches the backends in their environment only: not argv, not logs. */
    @Test
    void shouldKeepTheJobsSecretOutOfCommandLinesAndLogs(@TempDir Path logs) throws Exception {
        Pattern secret = Pattern.compile("\\b[0-9a-f]{64}\\b");
        SlurmCluster.Running dragon = SlurmCluster.start("salloc", "-N3", "bin/dragon", "--log-dir", logs.toString(),
            "/bin/sleep", "3");
        dragon.await("up on 3 nodes", 120);
        // The command lines of what the runtime starts (java, srun), not of every process on the host: others may
        // have 64-hex-digit ids of their own (container engines do).
        Result ps = run(10, "ps", "-eo", "args");
        String runtime = ps.output().lines().filter(line -> line.contains("java") || line.contains("srun")
            || line.contains("dragon")).collect(Collectors.joining("\n"));
        assertThat(runtime).contains("BackendMain").doesNotContainPattern(secret);
        assertThat(dragon.finish(60).code()).isZero();
        try (Stream<Path> files = Files.list(logs)) {
            for (Path log : files.toList()) {
                assertThat(Files.readString(log)).as(log.toString()).doesNotContainPattern(secret);
            }
        }
    }

    /**
     * With --tls the backends have the job's secret, certificate and key in their environment; no process of the
     * user, on any node, has one of those variables or the value of any of them (EnvironmentChecks reads them from
     * its backend's /proc/PID/environ).
     */
    @Test
    void shouldKeepTheSecretAndTheKeyOutOfEveryUserProcess() throws Exception {
        assertKeptOutOfEveryUserProcess(List.of("--tls"), "DRAGON_TLS_CERTIFICATE DRAGON_TLS_KEY DRAGON_TREE_SECRET");
    }

    /**
     * Runs EnvironmentChecks with {@code options}: the backend of every node has {@code variables}, no user process.
     */
    static void assertKeptOutOfEveryUserProcess(List<String> options, String variables) throws Exception {
        List<String> command = new ArrayList<>(List.of("salloc", "-N3", "bin/dragon"));
        command.addAll(options);
        command.addAll(List.of("-cp", "dragon-it/target/test-classes:dragon-it/target/dragon-it.jar",
            "io.dragon.it.api.EnvironmentChecks"));
        Result checks = run(300, command.toArray(String[]::new));
        assertThat(checks.code()).as(checks.toString()).isZero();
        assertThat(checks.output().lines().filter(line -> line.startsWith("PASS "))).as(checks.toString()).hasSize(2);
        for (String node : List.of("node1", "node2", "node3")) {
            assertThat(checks.output()).as(checks.toString()).containsPattern("kept out of pid [0-9]+ on " + node
                + ": " + variables + " of pid [0-9]+ \\(io.dragon.backend.launcher.BackendMain\\)");
        }
    }

    @AnyTransport
    @Test
    void shouldRunTheRuntimeOnEveryNodeFromAnSbatchScript() throws Exception {
        assertThat(sbatch("examples/slurm/hello.sbatch")).contains("up on 3 nodes", "on node1)", "on node2)",
            "on node3)", "all 6 workers done", "dragon: exit code 0");
    }

    /** The stencil's slabs and the sweep's grid points spread over the nodes, each from its sbatch script. */
    @Test
    void shouldRunTheHeatStencilAndTheParameterSweepExamplesOnEveryNode(@TempDir Path results) throws Exception {
        String heat = sbatch("examples/slurm/heat.sbatch");
        Matcher placed = Pattern.compile(ExampleOutputs.HEAT).matcher(heat);
        assertThat(placed.find()).as(heat).isTrue();
        assertThat(placed.group(1)).isEqualTo("node1, node2, node3, node1");
        assertThat(heat).contains("up on 3 nodes", "dragon: exit code 0");

        String sweep = sbatch("examples/slurm/sweep.sbatch", results.toString());
        assertThat(ExampleOutputs.withoutNodeColumn(sweep)).as(sweep).contains(ExampleOutputs.SWEEP_TABLE
            + "9 points, results in " + results + "\n");
        assertThat(sweep).contains("  node1\n", "  node2\n", "  node3\n", "dragon: exit code 0");
    }

    /** Submits a batch script, waits until its job has left the queue, and returns its output. */
    private static String sbatch(String script, String... args) throws Exception {
        Path out = Files.createTempFile("dragon-sbatch", ".out");
        List<String> command = new ArrayList<>(List.of("sbatch", "--parsable", "-o", out.toString(), script));
        command.addAll(List.of(args));
        Result submitted = run(60, command.toArray(String[]::new));
        assertThat(submitted.code()).as(submitted.toString()).isZero();
        String job = submitted.output().trim();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!run(30, "squeue", "-h", "-j", job).output().isBlank() && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        String output = Files.readString(out);
        Files.deleteIfExists(out);
        return output;
    }

    /** dragon starts its own srun step: under srun it would run once per task, each in a step of a few nodes. */
    @AnyTransport
    @Test
    void shouldRefuseToRunUnderSrunAndNameItsOwnStepAfterTheRuntime() throws Exception {
        Result refused = run(120, "salloc", "-N2", "srun", "-N1", "bin/dragon", "/bin/echo", "hi");
        assertThat(refused.code()).as(refused.toString()).isEqualTo(2);
        assertThat(refused.output()).as(refused.toString()).containsPattern("dragon: runs in srun step [0-9]+\\.0:"
            + " run dragon in the allocation's shell \\(salloc\\) or batch script \\(sbatch\\), not under srun")
            .doesNotContain("hi\n");

        Result steps = run(120, "salloc", "-N2", "bin/dragon", "sh", "-c",
            "squeue -h -s -j $SLURM_JOB_ID -o 'step %j'");
        assertThat(steps.code()).as(steps.toString()).isZero();
        String id = Pattern.compile("runtime (r[0-9a-z]+) up").matcher(steps.output()).results().findFirst()
            .orElseThrow(() -> new AssertionError("no runtime id in " + steps)).group(1);
        assertThat(steps.output()).as(steps.toString()).contains("step dragon-" + id + "\n");
    }

    @Test
    void shouldShareQueuesPoolsAndLocksAcrossNodes() throws Exception {
        assertChecksPass(300, 3, 20, "MultiNodeChecks");
    }

    /** A DDict with a manager on every node, whose keys processes of every node use, directly or remotely. */
    @Test
    void shouldShareADistributedDictionaryAcrossNodes() throws Exception {
        assertChecksPass(300, 3, 9, "DDictClusterChecks");
    }

    @Test
    void shouldStreamThroughQueuesBetweenNodesWholeInOrderAndWithBackPressure() throws Exception {
        assertChecksPass(300, 3, 5, "OffNodeStreamChecks");
    }

    /** 1 GiB in elements of random lengths from nodes 0 and 1 through one small queue of node 2 to receivers there. */
    @Test
    void shouldStreamUnderLoadFromTwoNodesToAThirdWithNothingLostDuplicatedReorderedOrCorrupt() throws Exception {
        assertChecksPass(300, 3, 1, "OffNodeLoadChecks");
    }

    /** Sends that return once buffered, between nodes: in order, flushed, and failures said at the next operation. */
    @Test
    void shouldCarryBufferedSendsInOrderAndReportTheirFailuresAtTheNextOperation() throws Exception {
        assertChecksPass(300, 3, 4, "BufferedSendChecks");
    }

    /**
     * A DDict persisted by a run on 3 nodes (a manager on each, each writing its file) into a directory of /tmp, which
     * every node sees, and restored by a later run on 2 nodes, entry for entry (DDictPersistChecks).
     */
    @AnyTransport
    @Test
    void shouldRestoreOnTwoNodesADictionaryPersistedOnThree(@TempDir Path dir) throws Exception {
        String files = dir.resolve("ddict").toString();
        assertChecksPass(300, 3, 2, "DDictPersistChecks", "persist", files, "1");
        try (Stream<Path> written = Files.list(Path.of(files))) {
            assertThat(written.map(f -> f.getFileName().toString())).containsExactlyInAnyOrder(
                "manager-00000-of-00003.ddict", "manager-00001-of-00003.ddict", "manager-00002-of-00003.ddict");
        }
        assertChecksPass(300, 2, 1, "DDictPersistChecks", "restore", files, "1");
    }

    /** Reply channels of exited processes are freed: the infrastructure pool does not fill up over a long run. */
    @AnyTransport
    @Test
    void shouldFreeWhatShortProcessesLeaveInTheInfrastructurePool() throws Exception {
        assertChecksPass(400, 2, 1, "LongRunChecks", "300");
    }

    /**
     * The workers of a pool share the memory Slurm granted each node (--mem=800: 800 MiB per node, 2 of the 4
     * workers on each, 75% of their 400 MiB as heap); others keep their own heap or the JVM's default (HeapChecks).
     */
    @AnyTransport
    @Test
    void shouldSizeTheHeapOfAPoolsWorkersFromTheMemoryGrantedTheirNode() throws Exception {
        Result checks = run(180, "salloc", "-N2", "--mem=800", "bin/dragon", "-cp",
            "dragon-it/target/test-classes:dragon-it/target/dragon-it.jar", "io.dragon.it.api.HeapChecks", "300");
        assertThat(checks.code()).as(checks.toString()).isZero();
        assertThat(checks.output().lines().filter(line -> line.startsWith("PASS ")).count()).as(checks.toString())
            .isEqualTo(3);
    }

    /** Runs a program of checks (io.dragon.it.api) on {@code nodes} nodes and expects {@code passes} PASS lines. */
    private static void assertChecksPass(int seconds, int nodes, int passes, String program, String... args)
        throws Exception {
        List<String> command = new ArrayList<>(List.of("salloc", "-N" + nodes, "bin/dragon", "-cp",
            "dragon-it/target/test-classes:dragon-it/target/dragon-it.jar", "io.dragon.it.api." + program));
        command.addAll(List.of(args));
        Result checks = run(seconds, command.toArray(String[]::new));
        assertThat(checks.code()).as(checks.toString()).isZero();
        assertThat(checks.output().lines().filter(line -> line.startsWith("PASS ")).count()).as(checks.toString())
            .isEqualTo(passes);
    }

    /**
     * Consumers killed while blocked in a remote take(), many rounds under load: every message reaches a live
     * consumer exactly once; interrupted remote waits of every kind end at once, taking nothing.
     */
    @Test
    void shouldEndRemoteWaitsOfDeadOrInterruptedRequestersWithoutTakingAnything() throws Exception {
        Result checks = run(600, "salloc", "-N3", "bin/dragon", "-cp",
            "dragon-it/target/test-classes:dragon-it/target/dragon-it.jar", "io.dragon.it.api.RemoteWaitChecks");
        assertThat(checks.code()).as(checks.toString()).isZero();
        assertThat(checks.output().lines().filter(line -> line.startsWith("PASS ")).count()).as(checks.toString())
            .isEqualTo(3);
        assertThat(checks.output()).as(checks.toString()).doesNotContain("FAIL");
    }

    /**
     * dragon --trace on 3 nodes: the file is well-formed Trace Event JSON with each node's bringup and teardown, the
     * head and its 3 children as slices on the nodes Global Services placed them on (the head on node 0, which the
     * launcher names; the children round-robin from node 0), the queues' channels created, the launcher's phases.
     */
    @AnyTransport
    @Test
    @SuppressWarnings("unchecked")
    void shouldWriteTheTimelineOfAThreeNodeRunWithTrace(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("run.json");
        Result result = run(120, "salloc", "-N3", "bin/dragon", "--trace", file.toString(), "-cp",
            "examples/target/examples.jar", "io.dragon.examples.ProducerConsumer", "2", "1", "1000");
        assertThat(result.code()).as(result.toString()).isZero();
        assertThat(result.output()).contains("dragon: 4 processes started, 0 failed; logs in ", ", trace in " + file);

        List<Map<String, Object>> events = (List<Map<String, Object>>) ((Map<String, Object>) JsonParser.parse(
            Files.readString(file))).get("traceEvents");
        Map<String, String> names = new HashMap<>();
        for (Map<String, Object> event : events) {
            Object name = ((Map<String, Object>) event.get("args")).get("name");
            if (event.get("name").equals("process_name")) {
                names.put(event.get("pid").toString(), (String) name);
            } else if (event.get("name").equals("thread_name")) {
                names.put(event.get("pid") + "/" + event.get("tid"), (String) name);
            }
        }
        assertThat(names).contains(Map.entry("0", "launcher"), Map.entry("1", "node 0 (node1)"),
            Map.entry("2", "node 1 (node2)"), Map.entry("3", "node 2 (node3)"));
        Set<String> seen = new HashSet<>();
        Map<Long, String> processNodes = new HashMap<>();
        for (Map<String, Object> event : events.stream().filter(e -> !e.get("ph").equals("M")).toList()) {
            String track = names.get(event.get("pid") + "/" + event.get("tid"));
            String node = names.get(event.get("pid").toString());
            seen.add(node + " " + track + " " + event.get("ph") + " " + event.get("name"));
            Object puid = ((Map<String, Object>) event.get("args")).get("p_uid");
            if (track.startsWith("p_uid ")) {
                assertThat(track).isEqualTo("p_uid " + puid);
                processNodes.put((Long) puid, node);
            }
        }
        for (String node : List.of("node 0 (node1)", "node 1 (node2)", "node 2 (node3)")) {
            assertThat(seen).as(String.join("\n", seen)).contains(node + " backend X start-jvm",
                node + " backend X join-tree", node + " backend X await-every-node",
                node + " backend X connect-transport", node + " local-services X create-pools-and-channels",
                node + " local-services X await-every-node", node + " local-services X stop-processes",
                node + " local-services X teardown");
        }
        long head = 1L << 32; // the first p_uid: the head's
        assertThat(processNodes).containsExactlyInAnyOrderEntriesOf(Map.of(head, "node 0 (node1)",
            head + 1, "node 0 (node1)", head + 2, "node 1 (node2)", head + 3, "node 2 (node3)"));
        assertThat(seen).contains("node 0 (node1) p_uid " + head + " X io.dragon.examples.ProducerConsumer",
            "node 0 (node1) global-services i up", "node 0 (node1) global-services i create-channel",
            "node 0 (node1) global-services X halt", "launcher launcher X await-nodes-join",
            "launcher launcher X await-nodes-up", "launcher launcher X bringup", "launcher launcher X teardown");
    }

    @AnyTransport
    @Test
    void shouldExitWithTheHeadsCode() throws Exception {
        Result exit = run(120, "salloc", "-N3", "bin/dragon", "dragon-it/target/dragon-it-exit.jar", "7");
        assertThat(exit.code()).as(exit.toString()).isEqualTo(7);
        assertThat(exit.output()).contains("exiting with 7", "dragon: exit code 7");

        Result thrown = run(120, "salloc", "-N2", "bin/dragon", "dragon-it/target/dragon-it-exit.jar", "throw", "boom");
        assertThat(thrown.code()).as(thrown.toString()).isEqualTo(1);
        assertThat(thrown.output()).contains("IllegalStateException: boom", "dragon: exit code 1");
    }

    @AnyTransport
    @Test
    void shouldRefuseMoreNodesThanTheAllocationHasAndAnUnknownNetworkPrefix() throws Exception {
        Result tooMany = run(120, "salloc", "-N2", "bin/dragon", "-N", "3", "/bin/echo", "hi");
        assertThat(tooMany.code()).as(tooMany.toString()).isEqualTo(2);
        // Slurm picks any two idle nodes: node1 may still be finishing the previous test's job.
        assertThat(tooMany.output()).containsPattern("-N 3 asks for more nodes than Slurm job [0-9]+ has: 2"
            + " \\(node[0-9]+,node[0-9]+\\)");

        Result fewer = run(120, "salloc", "-N3", "bin/dragon", "-N", "2", "/bin/echo", "hi");
        assertThat(fewer.code()).as(fewer.toString()).isZero();
        assertThat(fewer.output()).contains("hi\n", "up on 2 nodes (node1,node2)");

        Result prefix = run(120, "salloc", "-N2", "bin/dragon", "--network-prefix", "198.51.100.", "/bin/echo", "hi");
        assertThat(prefix.code()).as(prefix.toString()).isEqualTo(125);
        assertThat(prefix.output()).contains("no network interface of this host has an IPv4 address starting with"
            + " '198.51.100.'");
    }
}
