package io.dragon.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The Slurm test cluster of slurm/ (three network-namespace nodes on this host) for the multi-node tests: bringing
 * it up and down, running commands against it, and checking that a runtime left nothing on any node. Up needs
 * root with the right to make network namespaces and Debian's slurm-wlm; without them the tests are skipped with
 * the reason.
 */
final class SlurmCluster {
    private static final Path HOME = DragonRun.DRAGON_HOME;
    private static final String SLURM_CONF = "/run/dragon-slurm/slurm.conf";
    private static final Path GATHERED_LOGS = HOME.resolve("dragon-logs");
    /** More environment for every command: a test class's choice of transport, say. */
    static final Map<String, String> ENVIRONMENT = new ConcurrentHashMap<>();

    private SlurmCluster() {
    }

    /**
     * Brings the cluster up for a test class (skipping the class where it cannot) and down after it; removes the
     * gathered logs of the runs without --log-dir ({@link #gatheredLogs}) unless they were there before.
     */
    static final class Up implements BeforeAllCallback, AfterAllCallback {
        private boolean hadGatheredLogs;

        @Override
        public void beforeAll(ExtensionContext context) throws Exception {
            hadGatheredLogs = Files.exists(GATHERED_LOGS);
            up();
        }

        @Override
        public void afterAll(ExtensionContext context) throws Exception {
            try {
                down();
            } finally {
                if (!hadGatheredLogs && Files.exists(GATHERED_LOGS)) {
                    try (Stream<Path> files = Files.walk(GATHERED_LOGS)) {
                        for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                            Files.delete(file);
                        }
                    }
                }
            }
        }
    }

    /** Where a multi-node runtime without --log-dir gathers its logs: the job's submit directory is HOME. */
    static Path gatheredLogs(String runtime) {
        return GATHERED_LOGS.resolve(runtime);
    }

    private static void up() throws Exception {
        Assumptions.assumeTrue(run(10, "id", "-u").output().trim().equals("0"),
            "skipped: the Slurm test cluster needs root (slurm/cluster-up.sh)");
        Assumptions.assumeTrue(run(30, "sh", "-c", "command -v slurmctld && command -v srun").code() == 0,
            "skipped: Slurm is not installed (apt-get install slurm-wlm munge, as .ci/run does)");
        String probe = "dragon-probe-" + ProcessHandle.current().pid();
        Assumptions.assumeTrue(run(30, "ip", "netns", "add", probe).code() == 0,
            "skipped: this root may not make network namespaces (needs CAP_SYS_ADMIN and CAP_NET_ADMIN)");
        run(30, "ip", "netns", "del", probe);
        Result up = run(120, "slurm/cluster-up.sh", "3");
        assertThat(up.code()).as(up.toString()).isZero();
    }

    /** Skips the test class where this build or machine cannot use libfabric. */
    static void assumeLibfabric() {
        Assumptions.assumeTrue(Files.exists(HOME.resolve("dragon-backend/target/classes/linux-x86-64/libdragonofi.so")),
            "skipped: this build has no libfabric support (libdragonofi is built where libfabric-dev is installed)");
        Assumptions.assumeTrue(Files.exists(Path.of("/usr/lib/x86_64-linux-gnu/libfabric.so.1")),
            "skipped: libfabric is not installed (apt-get install libfabric1, as .ci/run does)");
    }

    private static void down() throws Exception {
        if (Files.exists(Path.of(SLURM_CONF))) {
            Result down = run(60, "slurm/cluster-down.sh");
            assertThat(down.code()).as(down.toString()).isZero();
        }
    }

    /** No process of any runtime on this host (the nodes share its PID space) and no segment on any node. */
    static void assertNothingLeft() throws Exception {
        assertNoRuntimeProcess();
        Result shm = run(60, "srun", "--quiet", "-N3", "sh", "-c", "echo $(hostname): $(ls /dev/shm | wc -l)");
        assertThat(shm.output().lines().filter(line -> line.startsWith("node")).sorted().toList()).as(shm.toString())
            .containsExactly("node1: 0", "node2: 0", "node3: 0");
    }

    /** No process of any runtime on this host (the nodes share its PID space), after a grace of 10 s. */
    static void assertNoRuntimeProcess() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<String> left = runtimeProcesses();
        while (!left.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(100);
            left = runtimeProcesses();
        }
        assertThat(left).as("processes of a runtime still running").isEmpty();
    }

    /** Processes whose environment names a runtime, with their command lines. */
    static List<String> runtimeProcesses() {
        List<String> found = new ArrayList<>();
        ProcessHandle.allProcesses().forEach(p -> {
            if (environment(p.pid()).contains("DRAGON_RUNTIME_ID=")) {
                found.add(p.pid() + " " + p.info().commandLine().orElse("?"));
            }
        });
        return found;
    }

    /** The process of runtime {@code runtimeId} on node {@code nodeIndex} whose command line has {@code mainClass}. */
    static Optional<ProcessHandle> service(String runtimeId, int nodeIndex, String mainClass) {
        return ProcessHandle.allProcesses().filter(p -> {
            String env = environment(p.pid());
            return env.contains("\0DRAGON_RUNTIME_ID=" + runtimeId + "\0") && env.contains("\0SLURM_NODEID=" + nodeIndex
                + "\0") && p.info().commandLine().orElse("").contains(mainClass);
        }).findFirst();
    }

    /** Every process of runtime {@code runtimeId} on node {@code nodeIndex}. */
    static List<ProcessHandle> processesOf(String runtimeId, int nodeIndex) {
        return ProcessHandle.allProcesses().filter(p -> {
            String env = environment(p.pid());
            return env.contains("\0DRAGON_RUNTIME_ID=" + runtimeId + "\0") && env.contains("\0SLURM_NODEID=" + nodeIndex
                + "\0");
        }).toList();
    }

    private static String environment(long pid) {
        try {
            return "\0" + Files.readString(Path.of("/proc", Long.toString(pid), "environ"),
                StandardCharsets.ISO_8859_1);
        } catch (IOException | RuntimeException e) {
            return ""; // gone already
        }
    }

    record Result(List<String> command, int code, String output) {
        @Override
        public String toString() {
            return String.join(" ", command) + " exited with " + code + ":\n" + output;
        }
    }

    /** Runs a command in the repository root with SLURM_CONF set; stdout and stderr together. */
    static Result run(int timeoutSeconds, String... command) throws IOException, InterruptedException {
        return start(command).finish(timeoutSeconds);
    }

    static Running start(String... command) throws IOException {
        Path output = Files.createTempFile("dragon-slurm-it", ".out");
        ProcessBuilder builder = new ProcessBuilder(command).directory(HOME.toFile()).redirectErrorStream(true)
            .redirectOutput(output.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.environment().put("SLURM_CONF", SLURM_CONF);
        builder.environment().putAll(ENVIRONMENT);
        return new Running(List.of(command), builder.start(), output);
    }

    /** A command started in the background; its output goes to a file. */
    record Running(List<String> command, java.lang.Process process, Path output) {
        /** Waits until the output matches {@code regex}; returns the first group of the match. */
        String await(String regex, int timeoutSeconds) throws IOException, InterruptedException {
            Pattern pattern = Pattern.compile(regex);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
            boolean ended = false;
            while (!ended && System.nanoTime() < deadline) {
                ended = !process.isAlive(); // before reading: what it wrote last is in the file then
                Matcher matcher = pattern.matcher(Files.readString(output));
                if (matcher.find()) {
                    return matcher.groupCount() > 0 ? matcher.group(1) : matcher.group();
                }
                Thread.sleep(50);
            }
            throw new AssertionError("no '" + regex + "' " + (ended ? "before it ended" : "within " + timeoutSeconds
                + " s") + " in the output of " + String.join(" ", command) + ":\n" + Files.readString(output));
        }

        /**
         * Waits for the command to end; after the timeout stops it (SIGTERM, then SIGKILL) and cancels the job it
         * was granted, so that no allocation outlives the test.
         */
        Result finish(int timeoutSeconds) throws IOException, InterruptedException {
            boolean ended = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
            if (!ended) {
                process.destroy();
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor();
                }
                Matcher granted = Pattern.compile("Granted job allocation (\\d+)").matcher(Files.readString(output));
                if (granted.find()) {
                    run(10, "scancel", granted.group(1));
                }
            }
            String text = Files.readString(output) + (ended ? "" : "\n[still running after " + timeoutSeconds
                + " s: killed]\n");
            Files.deleteIfExists(output);
            return new Result(command, process.exitValue(), text);
        }
    }
}
