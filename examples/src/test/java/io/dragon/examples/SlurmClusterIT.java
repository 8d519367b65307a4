package io.dragon.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * dragon on a real Slurm cluster of three network-namespace nodes on this host (slurm/cluster-up.sh): a runtime on
 * every node of the allocation under salloc, from an sbatch script and through srun; the user API across nodes
 * (MultiNodeChecks); exit codes; -N checked against the allocation. After each test no process of a runtime is
 * left and no segment in any node's /dev/shm. Needs root with the right to make network namespaces and Debian's
 * slurm-wlm (.ci/run installs it); skipped, with the reason, where those are missing.
 */
class SlurmClusterIT {
    private static final Path HOME = DragonRun.DRAGON_HOME;
    private static final String SLURM_CONF = "/run/dragon-slurm/slurm.conf";

    @BeforeAll
    static void clusterUp() throws Exception {
        Assumptions.assumeTrue(isRoot(), "skipped: the Slurm test cluster needs root (slurm/cluster-up.sh)");
        Assumptions.assumeTrue(run(30, "sh", "-c", "command -v slurmctld && command -v srun").code() == 0,
            "skipped: Slurm is not installed (apt-get install slurm-wlm munge, as .ci/run does)");
        String probe = "dragon-probe-" + ProcessHandle.current().pid();
        Assumptions.assumeTrue(run(30, "ip", "netns", "add", probe).code() == 0,
            "skipped: this root may not make network namespaces (needs CAP_SYS_ADMIN and CAP_NET_ADMIN)");
        run(30, "ip", "netns", "del", probe);
        Result up = run(120, "slurm/cluster-up.sh", "3");
        assertThat(up.code()).as(up.toString()).isZero();
    }

    @AfterAll
    static void clusterDown() throws Exception {
        if (Files.exists(Path.of(SLURM_CONF))) {
            Result down = run(60, "slurm/cluster-down.sh");
            assertThat(down.code()).as(down.toString()).isZero();
        }
    }

    @AfterEach
    void nothingLeft() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<String> left = runtimeProcesses();
        while (!left.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(100);
            left = runtimeProcesses();
        }
        assertThat(left).as("processes of a runtime still running").isEmpty();
        Result shm = run(60, "srun", "--quiet", "-N3", "sh", "-c", "echo $(hostname): $(ls /dev/shm | wc -l)");
        assertThat(shm.output().lines().filter(line -> line.startsWith("node")).sorted().toList()).as(shm.toString())
            .containsExactly("node1: 0", "node2: 0", "node3: 0");
    }

    @Test
    void shouldRunAProcessOnEveryNodeOfTheAllocation() throws Exception {
        Result hello = run(120, "salloc", "-N3", "bin/dragon", "examples/target/examples-hello.jar", "3");
        assertThat(hello.code()).as(hello.toString()).isZero();
        assertThat(hello.output()).contains("up on 3 nodes (node1,node2,node3)", "on node1)", "on node2)",
            "on node3)", "all 3 workers done");
    }

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
        assertThat(echoed.output()).contains("1: one\n2: two\n", "read 2 lines");
    }

    @Test
    void shouldRunTheRuntimeOnEveryNodeFromAnSbatchScript() throws Exception {
        Path out = Files.createTempFile("dragon-sbatch", ".out");
        Result submitted = run(60, "sbatch", "--parsable", "-o", out.toString(), "examples/slurm/hello.sbatch");
        assertThat(submitted.code()).as(submitted.toString()).isZero();
        String job = submitted.output().trim();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!run(30, "squeue", "-h", "-j", job).output().isBlank() && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        String output = Files.readString(out);
        Files.deleteIfExists(out);
        assertThat(output).contains("up on 3 nodes", "on node1)", "on node2)", "on node3)", "all 6 workers done",
            "dragon: exit code 0");
    }

    @Test
    void shouldRunTheRuntimeOnTheNodeOfAnSrunStep() throws Exception {
        Result hello = run(120, "srun", "-N1", "-w", "node2", "bin/dragon", "examples/target/examples-hello.jar",
            "2");
        assertThat(hello.code()).as(hello.toString()).isZero();
        assertThat(hello.output()).contains("up on 1 node (node2)", "hello from worker 0 (pid", "on node2)",
            "all 2 workers done");
    }

    @Test
    void shouldShareQueuesPoolsAndLocksAcrossNodes() throws Exception {
        Result checks = run(300, "salloc", "-N3", "bin/dragon", "-cp",
            "examples/target/test-classes:examples/target/examples.jar", "io.dragon.examples.api.MultiNodeChecks");
        assertThat(checks.code()).as(checks.toString()).isZero();
        assertThat(checks.output().lines().filter(line -> line.startsWith("PASS ")).count()).as(checks.toString())
            .isEqualTo(6);
    }

    @Test
    void shouldExitWithTheHeadsCode() throws Exception {
        Result exit = run(120, "salloc", "-N3", "bin/dragon", "examples/target/examples-exit.jar", "7");
        assertThat(exit.code()).as(exit.toString()).isEqualTo(7);
        assertThat(exit.output()).contains("exiting with 7", "dragon: exit code 7");

        Result thrown = run(120, "salloc", "-N2", "bin/dragon", "examples/target/examples-exit.jar", "throw", "boom");
        assertThat(thrown.code()).as(thrown.toString()).isEqualTo(1);
        assertThat(thrown.output()).contains("IllegalStateException: boom", "dragon: exit code 1");
    }

    @Test
    void shouldRefuseMoreNodesThanTheAllocationHasAndAnUnknownNetworkPrefix() throws Exception {
        Result tooMany = run(120, "salloc", "-N2", "bin/dragon", "-N", "3", "/bin/echo", "hi");
        assertThat(tooMany.code()).as(tooMany.toString()).isEqualTo(2);
        assertThat(tooMany.output()).containsPattern("-N 3 asks for more nodes than Slurm job [0-9]+ has: 2"
            + " \\(node1,node2\\)");

        Result fewer = run(120, "salloc", "-N3", "bin/dragon", "-N", "2", "/bin/echo", "hi");
        assertThat(fewer.code()).as(fewer.toString()).isZero();
        assertThat(fewer.output()).contains("hi\n", "up on 2 nodes (node1,node2)");

        Result prefix = run(120, "salloc", "-N2", "bin/dragon", "--network-prefix", "198.51.100.", "/bin/echo", "hi");
        assertThat(prefix.code()).as(prefix.toString()).isEqualTo(125);
        assertThat(prefix.output()).contains("no network interface of this host has an IPv4 address starting with"
            + " '198.51.100.'");
    }

    /** Processes of any runtime on this host (the nodes share its PID space): their environment names one. */
    private static List<String> runtimeProcesses() {
        List<String> found = new ArrayList<>();
        ProcessHandle.allProcesses().forEach(p -> {
            try {
                String environ = Files.readString(Path.of("/proc", Long.toString(p.pid()), "environ"),
                    StandardCharsets.ISO_8859_1);
                if (environ.contains("DRAGON_RUNTIME_ID=")) {
                    found.add(p.pid() + " " + p.info().commandLine().orElse("?"));
                }
            } catch (IOException | RuntimeException e) {
                // gone already
            }
        });
        return found;
    }

    private static boolean isRoot() throws Exception {
        return run(10, "id", "-u").output().trim().equals("0");
    }

    private record Result(List<String> command, int code, String output) {
        @Override
        public String toString() {
            return String.join(" ", command) + " exited with " + code + ":\n" + output;
        }
    }

    /** Runs a command in the repository root with SLURM_CONF set; stdout and stderr together. */
    private static Result run(int timeoutSeconds, String... command) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(HOME.toFile()).redirectErrorStream(true)
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Map<String, String> env = builder.environment();
        env.put("SLURM_CONF", SLURM_CONF);
        java.lang.Process process = builder.start();
        byte[] bytes = process.getInputStream().readAllBytes();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
        return new Result(new ArrayList<>(List.of(command)), process.exitValue(),
            new String(bytes, StandardCharsets.UTF_8));
    }
}
