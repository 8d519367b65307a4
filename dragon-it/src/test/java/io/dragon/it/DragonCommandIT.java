package io.dragon.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.dragon.backend.launcher.Launcher;
import io.dragon.core.infrastructure.HostId;
import io.dragon.core.infrastructure.OwnUser;
import io.dragon.core.shm.Signals;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * End to end: the real {@code bin/dragon} runs programs under a real single-node runtime, as a user would run it.
 * Every test checks afterwards that the runtimes it brought up left no segment and no process on this node.
 */
class DragonCommandIT {
    private static final String HOST = HostId.hostname();
    private static final String HELLO = "examples/target/examples-hello.jar";
    private static final String ECHO = "examples/target/examples-echo.jar";
    private static final String EXIT = "dragon-it/target/dragon-it-exit.jar";
    private static final String FLOOD = "dragon-it/target/dragon-it-flood.jar";
    /** Where Debian's and Temurin's packages install JDKs. */
    private static final Path INSTALLED_JDKS = Path.of("/usr/lib/jvm");
    private static final Pattern LABELLED = Pattern.compile("\\[" + Pattern.quote(HOST) + " ([0-9]+)\\] (.*)");

    private final DragonRuns runs = new DragonRuns();

    @AfterEach
    void nothingLeft() throws InterruptedException {
        runs.assertNothingLeft();
    }

    @Test
    void shouldPrintTheOutputOfTheHeadAndOfEveryWorker() {
        assertHelloRan(runs.run(HELLO, "3"));
    }

    /**
     * From JDK 24 the JDK warns about JNA's native library and sun.misc.Unsafe unless told otherwise, and an archive
     * of class-data sharing made by another JDK made it complain: none of that reaches the program's stderr.
     */
    @Test
    void shouldRunOnJdk25WithoutAWordOfTheJdks() {
        Path jdk = installedJdk("25");
        assumeTrue(jdk != null, "no JDK 25 installed (no " + INSTALLED_JDKS + "/*/release naming JAVA_VERSION 25)");

        DragonRun.Result run = runs.dragon(HELLO, "3").env("JAVA_HOME", jdk.toString()).run();

        assertThat(run.stderrLines()).as(run::toString)
            .noneMatch(line -> line.contains("WARNING") || line.contains("[cds") || line.contains("[aot"));
        assertHelloRan(run);
    }

    /** Without java, or with one older than 17, dragon says what it found and what it needs, before anything runs. */
    @Test
    void shouldSayWhatJavaItFoundAndNeeds(@TempDir Path dir) throws IOException {
        DragonRun.Result none = runs.dragon(HELLO).env("JAVA_HOME", dir.toString()).run();
        assertThat(none.exitCode()).as(none::toString).isEqualTo(125);
        assertThat(none.stderr()).as(none::toString).isEqualTo("dragon: no java found (JAVA_HOME is " + dir
            + ", without bin/java; looked for " + dir + "/bin/java): the runtime needs Java 17 or newer; set"
            + " JAVA_HOME to one, or put its bin on PATH\n");

        Path old = Files.createDirectories(dir.resolve("jdk-11/bin"));
        Files.writeString(old.resolveSibling("release"), "JAVA_VERSION=\"11.0.2\"\n");
        Path java = Files.writeString(old.resolve("java"), "#!/bin/sh\necho should not run; exit 1\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwx------"));
        DragonRun.Result eleven = runs.dragon(HELLO).env("JAVA_HOME", old.getParent().toString()).run();
        assertThat(eleven.exitCode()).as(eleven::toString).isEqualTo(125);
        assertThat(eleven.stderr()).as(eleven::toString).isEqualTo("dragon: " + java + " is Java 11.0.2: the runtime"
            + " needs Java 17 or newer; set JAVA_HOME to one\n");
    }

    /** The hello example's run with 3 workers: its exact output, and the launcher's summary lines on stderr only. */
    static void assertHelloRan(DragonRun.Result run) {
        assertThat(run.exitCode()).as(run::toString).isZero();
        List<String> lines = run.stdout().lines().toList();
        assertThat(lines).as(run::toString).hasSize(5);
        assertThat(lines.get(0)).matches("head process [0-9]+ starts 3 workers");
        Set<String> workers = new HashSet<>();
        for (String line : lines.subList(1, 4)) {
            Matcher m = Pattern.compile("hello from worker ([0-9]+) \\(pid [0-9]+ on " + Pattern.quote(HOST) + "\\)")
                .matcher(line);
            assertThat(m.matches()).as("worker line '%s' in%n%s", line, run).isTrue();
            workers.add(m.group(1));
        }
        assertThat(workers).containsExactlyInAnyOrder("0", "1", "2");
        assertThat(lines.get(4)).isEqualTo("all 3 workers done");
        assertThat(run.programStderr()).as(run::toString).isEmpty();
        String id = run.runtimeId().orElseThrow();
        assertThat(run.summaryLines()).as(run::toString).satisfiesExactly(
            up -> assertThat(up).matches("dragon: runtime " + id + " up on " + Pattern.quote(HOST)
                + " in [0-9]+ ms \\(logs in .*/" + id + "\\)"),
            down -> assertThat(down).matches("dragon: exit code 0; runtime " + id + " down after [0-9]+ ms on 1 node"),
            processes -> assertThat(processes).matches("dragon: 4 processes started, 0 failed; logs in .*/" + id));
    }

    /** The home of an installed JDK of {@code feature} version, by its release file; null if there is none. */
    private static Path installedJdk(String feature) {
        Pattern version = Pattern.compile("(?m)^JAVA_VERSION=\"" + feature + "([.+-][^\"]*)?\"$");
        try (Stream<Path> homes = Files.list(INSTALLED_JDKS)) {
            return homes.sorted().filter(home -> Files.isExecutable(home.resolve("bin/java")))
                .filter(home -> version.matcher(releaseOf(home)).find()).findFirst().orElse(null);
        } catch (IOException e) {
            return null; // no such directory
        }
    }

    private static String releaseOf(Path jdk) {
        try {
            return Files.readString(jdk.resolve("release"));
        } catch (IOException e) {
            return "";
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 3})
    void shouldExitWithTheExitCodeOfTheHead(int code) {
        DragonRun.Result run = runs.run(EXIT, Integer.toString(code));

        assertThat(run.exitCode()).as(run::toString).isEqualTo(code);
        assertThat(run.stdout()).as(run::toString).isEqualTo("exiting with " + code + "\n");
        assertThat(run.programStderr()).as(run::toString).isEmpty();
        assertThat(run.summaryLines()).as(run::toString)
            .anySatisfy(line -> assertThat(line).startsWith("dragon: exit code " + code + "; runtime "));
    }

    /** The summary's process lines: a child that exited with 3 is named with its p_uid, host and code. */
    @Test
    void shouldNameAFailedChildInTheSummary() {
        DragonRun.Result run = runs.run(EXIT, "child", "3");

        assertThat(run.exitCode()).as(run::toString).isZero();
        Matcher child = Pattern.compile("child p_uid ([0-9]+) exited with 3\n").matcher(run.stdout());
        assertThat(child.matches()).as(run::toString).isTrue();
        List<String> summary = run.summaryLines();
        assertThat(summary.get(summary.size() - 2)).as(run::toString)
            .matches("dragon: 2 processes started, 1 failed; logs in /.*/" + run.runtimeId().orElseThrow());
        assertThat(summary.get(summary.size() - 1)).as(run::toString)
            .isEqualTo("dragon:   p_uid " + child.group(1) + " on " + HOST + ": exit code 3");
    }

    @Test
    void shouldExitWithOneAndShowTheExceptionWhenTheHeadThrows() {
        DragonRun.Result run = runs.run(EXIT, "throw", "boom-42");

        assertThat(run.exitCode()).as(run::toString).isEqualTo(1);
        assertThat(run.stdout()).as(run::toString).isEqualTo("throwing boom-42\n");
        assertThat(run.programStderr()).as(run::toString)
            .startsWith("Exception in thread \"main\" java.lang.IllegalStateException: boom-42\n")
            .contains("at io.dragon.it.ExitWith.main(ExitWith.java:");
    }

    @Test
    void shouldForwardStdinToTheHead() {
        DragonRun.Result run = runs.dragon(ECHO).stdin("first\n\n  third, with spaces  \nnon-ASCII: äöü €\nlast")
            .run();

        assertThat(run.exitCode()).as(run::toString).isZero();
        assertThat(run.stdout()).as(run::toString)
            .isEqualTo("1: first\n2: \n3:   third, with spaces  \n4: non-ASCII: äöü €\n5: last\n");
        assertThat(run.programStderr()).as(run::toString).isEqualTo("read 5 lines\n");
    }

    @Test
    void shouldGiveTheHeadEndOfFileOnEmptyStdin() {
        DragonRun.Result run = runs.dragon(ECHO).stdin("").run();

        assertThat(run.exitCode()).as(run::toString).isZero();
        assertThat(run.stdout()).as(run::toString).isEmpty();
        assertThat(run.programStderr()).as(run::toString).isEqualTo("read 0 lines\n");
    }

    @Test
    void shouldForwardLargeStdinCompleteAndInOrder() {
        StringBuilder input = new StringBuilder();
        StringBuilder expected = new StringBuilder();
        for (int i = 1; i <= 20_000; i++) {
            input.append("input line ").append(i).append('\n');
            expected.append(i).append(": input line ").append(i).append('\n');
        }
        DragonRun.Result run = runs.dragon(ECHO).stdin(input.toString()).run();

        assertThat(run.exitCode()).as(run::toString).isZero();
        assertThat(run.stdout()).as(run::toString).isEqualTo(expected.toString());
        assertThat(run.programStderr()).as(run::toString).isEqualTo("read 20000 lines\n");
    }

    @Test
    void shouldLabelEveryLineWithHostnameAndPuid() {
        DragonRun.Result run = runs.run("--label-output", HELLO, "2");

        assertThat(run.exitCode()).as(run::toString).isZero();
        List<String> lines = run.stdout().lines().toList();
        assertThat(lines).as(run::toString).hasSize(4).allMatch(line -> LABELLED.matcher(line).matches());
        Matcher head = LABELLED.matcher(lines.get(0));
        assertThat(head.matches()).isTrue();
        String headPuid = head.group(1);
        assertThat(head.group(2)).isEqualTo("head process " + headPuid + " starts 2 workers");
        assertThat(lines.get(3)).isEqualTo("[" + HOST + " " + headPuid + "] all 2 workers done");
        Set<String> workerPuids = new HashSet<>();
        for (String line : lines.subList(1, 3)) {
            Matcher worker = LABELLED.matcher(line);
            assertThat(worker.matches()).isTrue();
            assertThat(worker.group(2)).startsWith("hello from worker ");
            workerPuids.add(worker.group(1));
        }
        assertThat(workerPuids).hasSize(2).doesNotContain(headPuid);
    }

    @Test
    void shouldLabelStderrAndAnUnfinishedLastLine() {
        DragonRun.Result run = runs.run("--label-output", "sh", "-c",
            "echo \"p_uid $DRAGON_MY_PUID\"; echo oops >&2; printf 'two\\nno newline'");

        assertThat(run.exitCode()).as(run::toString).isZero();
        Matcher first = LABELLED.matcher(run.stdout().lines().findFirst().orElse(""));
        assertThat(first.matches()).as(run::toString).isTrue();
        String label = "[" + HOST + " " + first.group(1) + "] ";
        assertThat(run.stdout()).as(run::toString)
            .isEqualTo(label + "p_uid " + first.group(1) + "\n" + label + "two\n" + label + "no newline");
        assertThat(run.programStderr()).as(run::toString).isEqualTo(label + "oops\n");
    }

    @Test
    void shouldWriteTheRuntimesLogsToTheLogDirectory(@TempDir Path dir) throws Exception {
        Path logs = dir.resolve("logs");
        DragonRun.Result run = runs.run("--log-dir", logs.toString(), "sh", "-c", "exit 0");

        assertThat(run.exitCode()).as(run::toString).isZero();
        assertThat(run.summaryLines()).as(run::toString).first().asString().endsWith("(logs in " + logs + ")");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(logs))).isEqualTo("rwx------");
        try (Stream<Path> files = Files.list(logs)) {
            assertThat(files.map(f -> f.getFileName().toString()))
                .contains("launcher.log", "global-services.log", "local-services-" + HOST + ".log");
        }
    }

    /** Every line says when (date and time), which JVM and thread, the level and the class; a failed exit is logged. */
    @Test
    void shouldStampEveryLogLineAndLogAProcessThatFailed(@TempDir Path dir) throws Exception {
        Path logs = dir.resolve("logs");
        DragonRun.Result run = runs.run("-l", "INFO", "--log-dir", logs.toString(), "sh", "-c", "exit 3");

        assertThat(run.exitCode()).as(run::toString).isEqualTo(3);
        Pattern stamped = Pattern.compile("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} \\d+ \\[[^]]+] "
            + "(TRACE|DEBUG|INFO|WARN|ERROR|FATAL) \\w+ .*");
        try (Stream<Path> files = Files.list(logs)) {
            for (Path file : files.toList()) {
                assertThat(Files.readAllLines(file)).as(file.toString()).isNotEmpty()
                    .allMatch(line -> stamped.matcher(line).matches());
            }
        }
        assertThat(Files.readString(logs.resolve("global-services.log"))).as(run::toString)
            .containsPattern(" WARN ProcessTable process p_uid \\d+ \\(.*\\) on node 0 exited with code 3\n");
    }

    @Test
    void shouldRefuseALogDirectoryAnotherUserMadeFirst(@TempDir Path dir) throws Exception {
        assumeTrue(OwnUser.uid() == 0, "skipped: making another user's directory needs root");
        // What another user of the node can do to /tmp/dragon-$USER before this user's first run there.
        Path users = Files.createDirectory(dir.resolve("dragon-" + System.getProperty("user.name")));
        Files.setAttribute(users, "unix:uid", 65534);
        Path logs = users.resolve("logs");

        DragonRun.Result run = runs.run("--log-dir", logs.toString(), "sh", "-c", "echo ran");

        assertThat(run.exitCode()).as(run::toString).isEqualTo(Launcher.EXIT_RUNTIME_FAILED);
        assertThat(run.stdout()).as(run::toString).isEmpty();
        assertThat(run.stderr()).as(run::toString).isEqualTo("dragon: directory " + users + " (of log directory "
            + logs + ") belongs to another user (nobody, uid 65534), who could read the logs or put files in it: it"
            + " must be removed (by that user or root), or choose another directory with --log-dir\n");
        assertThat(logs).doesNotExist();
    }

    @Test
    void shouldRefuseALogDirectoryOthersMayWrite(@TempDir Path dir) throws Exception {
        Path logs = Files.createDirectory(dir.resolve("logs"));
        Files.setPosixFilePermissions(logs, PosixFilePermissions.fromString("rwxrwxrwx"));

        DragonRun.Result run = runs.run("--log-dir", logs.toString(), "sh", "-c", "echo ran");

        assertThat(run.exitCode()).as(run::toString).isEqualTo(Launcher.EXIT_RUNTIME_FAILED);
        assertThat(run.stdout()).as(run::toString).isEmpty();
        assertThat(run.stderr()).as(run::toString).startsWith("dragon: log directory " + logs + " may be written by"
            + " other users (rwxrwxrwx): make it yours alone (chmod go-w " + logs + ")");
        assertThat(logs).isEmptyDirectory();
    }

    @Test
    void shouldRunAnExecutableByPath() {
        DragonRun.Result run = runs.run("/bin/echo", "hi");

        assertThat(run.exitCode()).as(run::toString).isZero();
        assertThat(run.stdout()).as(run::toString).isEqualTo("hi\n");
        assertThat(run.programStderr()).as(run::toString).isEmpty();
    }

    @Test
    void shouldRunACommandFromPathAndExitWithItsCode() {
        DragonRun.Result run = runs.run("sh", "-c", "echo out; echo err >&2; exit 7");

        assertThat(run.exitCode()).as(run::toString).isEqualTo(7);
        assertThat(run.stdout()).as(run::toString).isEqualTo("out\n");
        assertThat(run.programStderr()).as(run::toString).isEqualTo("err\n");
    }

    @Test
    void shouldPassOptionsAfterTheProgramToTheProgram() {
        DragonRun.Result run = runs.run("/bin/echo", "--label-output", "-N", "2", "--help");

        assertThat(run.exitCode()).as(run::toString).isZero();
        assertThat(run.stdout()).as(run::toString).isEqualTo("--label-output -N 2 --help\n");
    }

    /** Command lines dragon refuses before bringing a runtime up: exit code 2 and a message naming the problem. */
    static Stream<Arguments> badCommandLines() {
        return Stream.of(
            Arguments.of(List.of("no-such.jar"), "dragon: no such jar file: no-such.jar"),
            Arguments.of(List.of("dragon-it/target/dragon-it.jar"),
                "dragon: dragon-it/target/dragon-it.jar names no Main-Class in its manifest"),
            Arguments.of(List.of("./pom.xml"), "dragon: ./pom.xml is not an executable file"),
            Arguments.of(List.of("no-such-command-4711", "arg"), "dragon: command not found: no-such-command-4711"),
            Arguments.of(List.of("./no-such-program"), "dragon: no such file: ./no-such-program"),
            Arguments.of(List.of("--no-such-option", "sh"), "Unknown option: '--no-such-option'"),
            Arguments.of(List.of(), "Missing required parameter: 'PROGRAM'"),
            Arguments.of(List.of("--wlm", "nonsense", "sh"),
                "dragon: Invalid value for option '--wlm': expected one of [SINGLE, SLURM] (case-insensitive) but was"
                    + " 'nonsense'"),
            Arguments.of(List.of("-N", "2", "sh"), "dragon: -N 2: single-node mode runs on exactly 1 node"),
            Arguments.of(List.of("-N", "two", "sh"), "Invalid value for option '--nodes': 'two' is not an int"),
            Arguments.of(List.of("--pool-size", "lots", "sh"),
                "Invalid value for option '--pool-size': 'lots' is not a size"),
            Arguments.of(List.of("--pool-size", "0", "sh"),
                "Invalid value for option '--pool-size': '0' is not a size"),
            Arguments.of(List.of("--pool-size", "4K", "sh"),
                "dragon: --pool-size 4096 bytes: a pool needs at least 4737 bytes to hold any block; give 5K or more"),
            Arguments.of(List.of("-l", "LOUD", "sh"), "dragon: Invalid value for option '--log-level': expected one of"
                + " [ERROR, WARN, INFO, DEBUG, TRACE] (case-insensitive) but was 'LOUD'"),
            Arguments.of(List.of("--transport", "rdma", "sh"), "dragon: Invalid value for option '--transport':"
                + " expected one of [TCP, OFI, AUTO] (case-insensitive) but was 'rdma'"),
            Arguments.of(List.of("--tls", "--transport", "ofi", "sh"),
                "dragon: --tls with --transport ofi: fabric links are not encrypted"),
            Arguments.of(List.of("--serial-filter", "maxfoo=1", "sh"),
                "dragon: --serial-filter: unknown limit 'maxfoo=1' (the limits are maxdepth, maxrefs, maxarray and"
                    + " maxbytes)"),
            Arguments.of(List.of("--serial-filter", "com.example.*", "--serial-filter", "!", "sh"),
                "dragon: --serial-filter: 'com.example.*;!' is not a class pattern of jdk.serialFilter's syntax"));
    }

    @ParameterizedTest
    @MethodSource("badCommandLines")
    void shouldRefuseABadCommandLineWithExitCodeTwo(List<String> args, String message) {
        DragonRun.Result run = runs.run(args.toArray(String[]::new));

        assertThat(run.exitCode()).as(run::toString).isEqualTo(2);
        assertThat(run.stderr()).as(run::toString).contains(message);
        assertThat(run.stdout()).as(run::toString).isEmpty();
        assertThat(run.runtimeId()).as("brought a runtime up:%n%s", run).isEmpty();
    }

    @Test
    void shouldRefuseAJarThatIsNotAJar(@TempDir Path dir) throws Exception {
        Path notAJar = Files.writeString(dir.resolve("notes.jar"), "just text\n");

        DragonRun.Result run = runs.run(notAJar.toString());

        assertThat(run.exitCode()).as(run::toString).isEqualTo(2);
        assertThat(run.stderr()).as(run::toString).contains("dragon: " + notAJar + " is not a valid jar file");
        assertThat(run.runtimeId()).as("brought a runtime up:%n%s", run).isEmpty();
    }

    @Test
    void shouldFailAndNameAMainClassThatDoesNotExist() {
        DragonRun.Result run = runs.run("-cp", "dragon-it/target/dragon-it.jar", "no.Such");

        assertThat(run.exitCode()).as(run::toString).isNotZero();
        assertThat(run.stdout()).as(run::toString).isEmpty();
        assertThat(run.programStderr()).as(run::toString).contains("Could not find or load main class no.Such");
    }

    @Test
    void shouldRefuseAScriptWhoseInterpreterIsMissing(@TempDir Path dir) throws Exception {
        Path script = Files.writeString(dir.resolve("bad-interpreter"), "#!/no/such/interpreter\necho hi\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));

        DragonRun.Result run = runs.run(script.toString());

        assertThat(run.exitCode()).as(run::toString).isEqualTo(2);
        assertThat(run.stdout()).as(run::toString).isEmpty();
        assertThat(run.stderr()).as(run::toString).contains(script + " names an interpreter that does not exist")
            .contains("/no/such/interpreter");
    }

    @Test
    void shouldRefuseSlurmModeOutsideASlurmAllocation() {
        DragonRun.Result run = runs.run("--wlm", "slurm", "/bin/echo", "hi");

        assertThat(run.exitCode()).as(run::toString).isEqualTo(2);
        assertThat(run.stdout()).as(run::toString).isEmpty();
        assertThat(run.stderr()).as(run::toString).contains("not inside a Slurm allocation")
            .contains("salloc or in an sbatch script");
    }

    @Test
    void shouldPrintTheVersion() {
        DragonRun.Result run = runs.run("--version");

        assertThat(run.exitCode()).as(run::toString).isZero();
        assertThat(run.stdout()).as(run::toString).matches("dragon [0-9][^ ]* \\(Java [^)]+\\)\n");
        assertThat(run.stderr()).isEmpty();
    }

    @Test
    void shouldPrintHelp() {
        DragonRun.Result run = runs.run("--help");

        assertThat(run.exitCode()).as(run::toString).isZero();
        assertThat(run.stdout()).as(run::toString).startsWith("Usage: dragon ")
            .contains("--label-output", "--wlm", "-cp", "--serial-filter", "Examples:");
        assertThat(run.stderr()).isEmpty();
    }

    @Test
    void shouldDeliverLargeOutputCompleteInOrderAndApart() {
        DragonRun.Result run = runs.dragon(FLOOD).timeout(Duration.ofSeconds(120)).run();

        ByteArrayOutputStream expectedOut = new ByteArrayOutputStream();
        StringBuilder expectedErr = new StringBuilder();
        for (int i = 0; i < Flood.DEFAULT_LINES; i++) {
            expectedOut.writeBytes(Flood.stdoutLine(i).getBytes(StandardCharsets.US_ASCII));
            if (i % Flood.STDERR_EVERY == 0) {
                expectedErr.append(Flood.stderrLine(i));
            }
        }
        expectedErr.append("wrote ").append(expectedOut.size()).append(" bytes\n");
        byte[] expected = expectedOut.toByteArray();

        assertThat(run.exitCode()).as(run::toString).isZero();
        assertThat(sha256(run.stdoutBytes())).as("stdout, %d bytes of %d, first difference at line %s",
            run.stdoutBytes().length, expected.length, firstDifferentLine(run.stdoutBytes(), expected))
            .isEqualTo(sha256(expected));
        assertThat(run.programStderr()).as(run::toString).isEqualTo(expectedErr.toString());
    }

    @Test
    void shouldTearTheRuntimeDownOnInterrupt() throws Exception {
        DragonRun.Running running = runs.dragon("sh", "-c", "echo sleeping >&2; sleep 30").interruptible().start();
        running.awaitStderr(Pattern.compile("(?m)^sleeping$"));

        assertThat(Signals.kill(running.pid(), Signals.SIGINT)).isTrue();
        DragonRun.Result run = running.await(Duration.ofSeconds(20));

        assertThat(run.exitCode()).as(run::toString).isEqualTo(Launcher.EXIT_INTERRUPTED);
        assertThat(run.stderr()).as(run::toString).contains("dragon: interrupted: tearing the runtime down");
    }

    /** The launcher's JVM, which runs the node's services too, killed: its watchdog cleans the node up. */
    @Test
    void shouldCleanTheNodeUpWhenTheLauncherIsKilled() throws Exception {
        DragonRun.Running running = sleepingHead();
        ProcessHandle watchdog = ProcessHandle.of(child(running.pid(), "clean")).orElseThrow();

        kill(running.pid());
        running.await(Duration.ofSeconds(20));
        watchdog.onExit().get(20, TimeUnit.SECONDS);
        DragonRun.Result run = running.await(Duration.ofSeconds(1)); // what the watchdog wrote is in it now

        assertThat(run.stderr()).as(run::toString).contains("dragon: the launcher (pid " + running.pid() + ") died;"
            + " removing what its runtime left on " + HOST, HOST + ": killed process ");
        // runs.assertNothingLeft() checks that nothing is left
    }

    @Test
    void shouldFailAndCleanUpWhenTheWatchdogIsKilled() throws Exception {
        DragonRun.Running running = sleepingHead();

        kill(child(running.pid(), "clean"));
        DragonRun.Result run = running.await(Duration.ofSeconds(20));

        assertThat(run.exitCode()).as(run::toString).isEqualTo(Launcher.EXIT_RUNTIME_FAILED);
        assertThat(run.stderr()).as(run::toString).containsPattern("the watchdog of the launcher \\(pid [0-9]+\\)"
            + " died");
    }

    /** An infrastructure pool too small for the node's channels: Local Services fails at bringup, and says why. */
    @Test
    void shouldSayWhyLocalServicesFailedAtBringup() {
        DragonRun.Result run = runs.run("--infra-pool-size", "64K", "/bin/echo", "hi");

        assertThat(run.exitCode()).as(run::toString).isEqualTo(Launcher.EXIT_RUNTIME_FAILED);
        assertThat(run.stdout()).as(run::toString).isEmpty();
        assertThat(run.stderr()).as(run::toString).containsPattern("dragon: the runtime failed: Local Services failed"
            + " during bringup: [0-9]+ bytes is more than pool 1 \\(.*, 65536 bytes\\) can ever hold in one block");
    }

    @Test
    void shouldExitWithTheSignalOfAKilledHead() throws Exception {
        DragonRun.Running running = sleepingHead();

        kill(child(running.pid(), "sleep 30"));
        DragonRun.Result run = running.await(Duration.ofSeconds(20));

        assertThat(run.exitCode()).as(run::toString).isEqualTo(128 + Signals.SIGKILL);
        assertThat(run.stderr()).as(run::toString).contains("the head process was killed by signal 9");
    }

    @Test
    void shouldSayNothingButProblemsWhenQuiet(@TempDir Path dir) throws Exception {
        Path logs = dir.resolve("logs");
        DragonRun.Result run = runs.run("-q", "--log-dir", logs.toString(), EXIT, "3");
        DragonRun.runtimeIdsIn(Files.readString(logs.resolve("launcher.log"))).forEach(runs::track);

        assertThat(run.exitCode()).as(run::toString).isEqualTo(3);
        assertThat(run.stderr()).as(run::toString).isEmpty();
        assertThat(Files.readString(logs.resolve("launcher.log"))).contains("exit code 3; runtime ");
    }

    /** A runtime whose head sleeps for 30 s, once the head has started. */
    private DragonRun.Running sleepingHead() throws InterruptedException {
        DragonRun.Running running = runs.dragon("sh", "-c", "echo sleeping >&2; sleep 30").start();
        running.awaitStderr(Pattern.compile("(?m)^sleeping$"));
        return running;
    }

    /** The child of {@code parent} whose command line contains {@code name}. */
    private static long child(long parent, String name) {
        return ProcessHandle.of(parent).orElseThrow().children().filter(p -> p.info().commandLine().orElse("")
            .contains(name)).findFirst().orElseThrow(() -> new AssertionError("no " + name + " under " + parent))
            .pid();
    }

    private static void kill(long pid) {
        assertThat(Signals.kill(pid, Signals.SIGKILL)).as("kill -9 " + pid).isTrue();
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** The number (from 0) of the first line where {@code actual} and {@code expected} differ, or "none". */
    private static String firstDifferentLine(byte[] actual, byte[] expected) {
        int line = 0;
        for (int i = 0; i < Math.min(actual.length, expected.length); i++) {
            if (actual[i] != expected[i]) {
                return line + " (byte " + i + ")";
            }
            line += actual[i] == '\n' ? 1 : 0;
        }
        return actual.length == expected.length ? "none" : line + " (where the shorter one ends)";
    }
}
