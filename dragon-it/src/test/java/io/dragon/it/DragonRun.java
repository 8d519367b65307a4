package io.dragon.it;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One run of a script of the real {@code bin/} directory ({@code bin/dragon}, {@code bin/dragon-cleanup}), or of an
 * unpacked distribution's by its absolute path, as a subprocess, in the repository root: stdin from given bytes (or
 * /dev/null), stdout and stderr captured apart in files, and a timeout. Made by {@link DragonRuns}, which remembers
 * every run to check for leftovers.
 */
final class DragonRun {
    /** The repository root, where bin/dragon lives; the failsafe configuration passes it. */
    static final Path DRAGON_HOME = Path.of(System.getProperty("dragon.home", "..")).toAbsolutePath().normalize();
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    /** Runtime ids as the launcher names them on stderr: "runtime rX up", "... (logs in /tmp/dragon-u/rX)". */
    private static final Pattern RUNTIME_ID = Pattern.compile("runtime (r[0-9a-z]+)\\b|/(r[0-9a-z]+)\\)");
    /** The launcher's summary lines (RunSummary), which are not the program's stderr. */
    private static final Pattern SUMMARY_LINE = Pattern.compile("dragon: (runtime r[0-9a-z]+ up on .*"
        + "|exit code -?[0-9]+; runtime r[0-9a-z]+ down after .*|[0-9]+ process(es)? started, .*|logs in .*"
        + "|  p_uid [0-9]+ .*|  and [0-9]+ more)");
    /** The launcher's lines about a slow bringup, "dragon: waiting for ... (N s)", not the program's stderr either. */
    static final Pattern PROGRESS_LINE = Pattern.compile("dragon: waiting for .* \\(([0-9]+) s\\)");
    /** How long a timed-out launcher gets to tear its runtime down after SIGTERM before it is killed. */
    private static final long TERM_GRACE_SECONDS = 20;

    private final List<String> command;
    private final Path outputDir;
    private final List<Running> started;
    private byte[] stdin;
    private final Map<String, String> environment = new HashMap<>();
    private Duration timeout = DEFAULT_TIMEOUT;
    private boolean interruptible;

    DragonRun(List<String> command, Path outputDir, List<Running> started) {
        this.command = List.copyOf(command);
        this.outputDir = outputDir;
        this.started = started;
    }

    /** Feeds {@code text} (UTF-8) to stdin, then end of file; without it stdin is /dev/null. */
    DragonRun stdin(String text) {
        this.stdin = text.getBytes(StandardCharsets.UTF_8);
        return this;
    }

    /** Adds a variable to the environment the script runs in. */
    DragonRun env(String name, String value) {
        environment.put(name, value);
        return this;
    }

    DragonRun timeout(Duration timeout) {
        this.timeout = timeout;
        return this;
    }

    /**
     * Starts the script with SIGINT at its default disposition, as a terminal's foreground program has it: a
     * process started in the background by a non-interactive shell (as Maven may be) inherits SIGINT ignored, and
     * the JVM then never sees Ctrl-C. {@code env} execs the script, which execs java: the pid stays the launcher's.
     */
    DragonRun interruptible() {
        this.interruptible = true;
        return this;
    }

    /** Runs to the end (or the timeout, which fails the test). */
    Result run() {
        return start().await();
    }

    Running start() {
        int index = started.size();
        Path out = outputDir.resolve(index + ".stdout");
        Path err = outputDir.resolve(index + ".stderr");
        List<String> argv = new ArrayList<>();
        if (interruptible) {
            argv.addAll(List.of("env", "--default-signal=INT"));
        }
        argv.add(DRAGON_HOME.resolve(command.get(0)).toString());
        argv.addAll(command.subList(1, command.size()));
        ProcessBuilder builder = new ProcessBuilder(argv).directory(DRAGON_HOME.toFile())
            .redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().putAll(environment);
        try {
            if (stdin == null) {
                builder.redirectInput(new File("/dev/null"));
            } else {
                Path in = outputDir.resolve(index + ".stdin");
                Files.write(in, stdin);
                builder.redirectInput(in.toFile());
            }
            Running running = new Running(command, builder.start(), out, err, timeout);
            started.add(running);
            return running;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + argv, e);
        }
    }

    /** A started run. */
    static final class Running {
        private final List<String> command;
        private final Process process;
        private final Path stdout;
        private final Path stderr;
        private final Duration timeout;

        private Running(List<String> command, Process process, Path stdout, Path stderr, Duration timeout) {
            this.command = command;
            this.process = process;
            this.stdout = stdout;
            this.stderr = stderr;
            this.timeout = timeout;
        }

        /** The launcher's pid: bin/dragon execs java. */
        long pid() {
            return process.pid();
        }

        boolean isAlive() {
            return process.isAlive();
        }

        String stderrSoFar() {
            return new String(read(stderr), StandardCharsets.UTF_8);
        }

        /** Runtime ids named on stderr so far. */
        Set<String> runtimeIds() {
            return runtimeIdsIn(stderrSoFar());
        }

        /**
         * Waits until stderr matches {@code pattern}; returns its first group (or the whole match).
         *
         * @throws AssertionError if the run ends first, or the timeout passes
         */
        String awaitStderr(Pattern pattern) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            for (;;) {
                boolean ended = !process.isAlive();
                Matcher m = pattern.matcher(stderrSoFar());
                if (m.find()) {
                    return m.groupCount() > 0 ? m.group(1) : m.group();
                }
                if (ended || System.nanoTime() - deadline > 0) {
                    throw new AssertionError((ended ? "ended" : "still running after " + timeout) + " without"
                        + " printing /" + pattern + "/ on stderr: " + command + "\n--- stderr:\n" + stderrSoFar());
                }
                Thread.sleep(50);
            }
        }

        /** Waits for the end; past the run's timeout, stops the run (SIGTERM, then SIGKILL) and fails. */
        Result await() {
            return await(timeout);
        }

        /** Waits for the end; past {@code timeout}, stops the run (SIGTERM, then SIGKILL) and fails. */
        Result await(Duration timeout) {
            try {
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    stop();
                    throw new AssertionError("timed out after " + timeout + " (stopped it): " + command
                        + "\n--- stdout:\n" + abbreviate(new String(read(stdout), StandardCharsets.UTF_8))
                        + "\n--- stderr:\n" + abbreviate(stderrSoFar()));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stop();
                throw new AssertionError("interrupted while waiting for " + command, e);
            }
            return new Result(command, process.exitValue(), read(stdout), stderrSoFar());
        }

        /** SIGTERM (the launcher tears its runtime down), then SIGKILL to it and everything it started. */
        void stop() {
            List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
            process.destroy();
            try {
                if (process.waitFor(TERM_GRACE_SECONDS, TimeUnit.SECONDS)) {
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            tree.addAll(process.descendants().toList());
            process.destroyForcibly();
            tree.forEach(ProcessHandle::destroyForcibly);
        }

        @Override
        public String toString() {
            return "pid " + process.pid() + ": " + command;
        }
    }

    /** What a finished run did. */
    record Result(List<String> command, int exitCode, byte[] stdoutBytes, String stderr) {
        String stdout() {
            return new String(stdoutBytes, StandardCharsets.UTF_8);
        }

        List<String> stderrLines() {
            return stderr.lines().toList();
        }

        /** The launcher's summary lines on stderr ("dragon: runtime rX up on ...", "dragon: exit code ..."). */
        List<String> summaryLines() {
            return stderrLines().stream().filter(line -> SUMMARY_LINE.matcher(line).matches()).toList();
        }

        /** The launcher's lines about a slow bringup ("dragon: waiting for ... (N s)"). */
        List<String> progressLines() {
            return stderrLines().stream().filter(line -> PROGRESS_LINE.matcher(line).matches()).toList();
        }

        /**
         * Stderr without the launcher's summary and progress lines: what the program and the runtime's problems
         * wrote.
         */
        String programStderr() {
            StringBuilder text = new StringBuilder();
            for (String line : stderrLines()) {
                if (!SUMMARY_LINE.matcher(line).matches() && !PROGRESS_LINE.matcher(line).matches()) {
                    text.append(line).append('\n');
                }
            }
            return text.toString();
        }

        /** The runtime this run brought up, if it got as far as naming it. */
        Optional<String> runtimeId() {
            return runtimeIdsIn(stderr).stream().findFirst();
        }

        /** For assertion messages: the command, its exit code and (the start of) its output. */
        @Override
        public String toString() {
            return String.join(" ", command) + "\n--- exit code " + exitCode + "\n--- stdout (" + stdoutBytes.length
                + " bytes):\n" + abbreviate(stdout()) + "\n--- stderr:\n" + abbreviate(stderr);
        }
    }

    static Set<String> runtimeIdsIn(String text) {
        Set<String> ids = new LinkedHashSet<>();
        Matcher m = RUNTIME_ID.matcher(text);
        while (m.find()) {
            ids.add(m.group(1) != null ? m.group(1) : m.group(2));
        }
        return ids;
    }

    private static String abbreviate(String text) {
        return text.length() <= 4000 ? text : text.substring(0, 4000) + "... (" + text.length() + " chars)";
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return new byte[0];
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
