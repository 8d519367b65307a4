package io.dragon.core.testing;

import io.dragon.core.infrastructure.CrashPoints;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A child JVM running a main class of the test classpath, for tests that need several processes. Its output goes
 * to a temporary file (read with {@link #output()}) unless it inherits this JVM's; {@link #close()} always kills it
 * and its descendants, so use it in try-with-resources.
 *
 * <p>Child mains call {@link #exitWithParent()} first: the child then halts when its standard input reaches
 * end-of-file, which happens when this JVM closes the handle or dies, so no child outlives a killed test run.
 */
public final class ChildJvm implements AutoCloseable {
    /** JVM options every child gets: small heap, one GC thread, fast start on a 2-core machine. */
    private static final List<String> DEFAULT_JVM_ARGS =
        List.of("-Xmx128m", "-XX:+UseSerialGC", "-XX:-UsePerfData", "-Xshare:auto");
    /** A child halts after this long whatever happens, in case its parent forgot it. */
    private static final String MAX_SECONDS_PROPERTY = "dragon.test.child.maxSeconds";
    private static final int DEFAULT_MAX_SECONDS = 120;
    private static final AtomicInteger RUNTIME_IDS = new AtomicInteger();

    private final String label;
    private final Process process;
    private final Path outputFile;

    private ChildJvm(String label, Process process, Path outputFile) {
        this.label = label;
        this.process = process;
        this.outputFile = outputFile;
    }

    /**
     * A runtime id that no other test (in this JVM or in a concurrent test run) uses: {@code t<pid>_<counter>}.
     * Pools made with it have segments named {@code /dragon-t<pid>_<counter>-<muid>}, which {@link LeakCheck}
     * looks for.
     */
    public static String uniqueRuntimeId() {
        return "t" + ProcessHandle.current().pid() + "_" + RUNTIME_IDS.incrementAndGet();
    }

    /** Starts {@code mainClass} with {@code args}, its output captured to a file. */
    public static ChildJvm start(Class<?> mainClass, String... args) {
        return start(mainClass, List.of(), false, args);
    }

    /**
     * Starts {@code mainClass} with {@code args} and crash point {@code entry} armed: it stops there for good (see
     * {@link CrashPoints}); {@link #awaitCrashPoint} waits for that.
     */
    public static ChildJvm startArmed(Class<?> mainClass, String entry, String... args) {
        return start(mainClass, List.of("-D" + CrashPoints.PROPERTY + "=" + entry), false, args);
    }

    /**
     * Starts {@code mainClass} with extra JVM options and {@code args}.
     *
     * @param inheritOutput true to write the child's output to this JVM's, false to capture it to a file
     */
    public static ChildJvm start(Class<?> mainClass, List<String> jvmArgs, boolean inheritOutput, String... args) {
        List<String> command = new ArrayList<>();
        command.add(javaExecutable());
        command.addAll(DEFAULT_JVM_ARGS);
        command.addAll(jvmArgs);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass.getName());
        command.addAll(Arrays.asList(args));

        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        Path outputFile = null;
        try {
            if (inheritOutput) {
                builder.redirectOutput(ProcessBuilder.Redirect.INHERIT);
            } else {
                outputFile = Files.createTempFile("dragon-child-" + mainClass.getSimpleName() + "-", ".log");
                builder.redirectOutput(outputFile.toFile());
            }
            // Standard input stays a pipe: its end-of-file tells the child that this JVM is gone.
            return new ChildJvm(mainClass.getSimpleName() + " " + String.join(" ", args), builder.start(),
                outputFile);
        } catch (IOException e) {
            deleteQuietly(outputFile);
            throw new UncheckedIOException("cannot start child JVM " + command, e);
        }
    }

    /**
     * Makes this (child) JVM halt when its parent closes standard input or dies, and in any case after
     * {@value #DEFAULT_MAX_SECONDS} seconds (system property {@value #MAX_SECONDS_PROPERTY}). Call it first in
     * every child main.
     */
    public static void exitWithParent() {
        Thread stdinWatch = new Thread(() -> {
            try (InputStream in = System.in) {
                byte[] sink = new byte[256];
                while (in.read(sink) >= 0) {
                    // ignore anything the parent writes
                }
            } catch (IOException e) {
                // treat as end-of-file
            }
            Runtime.getRuntime().halt(97);
        }, "parent-watch");
        stdinWatch.setDaemon(true);
        stdinWatch.start();

        long maxMillis = TimeUnit.SECONDS.toMillis(Integer.getInteger(MAX_SECONDS_PROPERTY, DEFAULT_MAX_SECONDS));
        Thread timeLimit = new Thread(() -> {
            try {
                Thread.sleep(maxMillis);
            } catch (InterruptedException e) {
                return;
            }
            System.err.println("child JVM ran longer than " + maxMillis + " ms: halting");
            Runtime.getRuntime().halt(98);
        }, "time-limit");
        timeLimit.setDaemon(true);
        timeLimit.start();
    }

    public long pid() {
        return process.pid();
    }

    public Process process() {
        return process;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Waits for the child to exit and returns its exit code.
     *
     * @throws IllegalStateException if it is still running after {@code timeout} (it is left running; close kills it)
     */
    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("child JVM [" + label + "] still running after " + timeout
                + "; its output so far:\n" + output());
        }
        return process.exitValue();
    }

    /** Waits for the child to exit with status 0; throws with its output otherwise. */
    public void awaitSuccess(Duration timeout) throws InterruptedException {
        int code = awaitExit(timeout);
        if (code != 0) {
            throw new IllegalStateException("child JVM [" + label + "] exited with status " + code + "; its output:\n"
                + output());
        }
    }

    /** Waits until the captured output contains {@code text}; false if the child exited or time ran out first. */
    public boolean awaitOutput(String text, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() - deadline < 0) {
            if (output().contains(text)) {
                return true;
            }
            if (!process.isAlive()) {
                return output().contains(text);
            }
            Thread.sleep(10);
        }
        return false;
    }

    /** Waits until the child has stopped at crash point {@code entry}; an AssertionError with its output if not. */
    public void awaitCrashPoint(String entry, Duration timeout) throws InterruptedException {
        if (!awaitOutput(CrashPoints.announcement(entry, pid()), timeout)) {
            throw new AssertionError("child did not stop at crash point " + entry + "; its output: " + output());
        }
    }

    /** Everything the child has written so far (empty if its output is inherited). */
    public String output() {
        if (outputFile == null) {
            return "";
        }
        try {
            return Files.readString(outputFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(cannot read " + outputFile + ": " + e + ")";
        }
    }

    /** Kills the child and its descendants at once (as {@code kill -9}) and waits for it to be gone. */
    public void kill() throws InterruptedException {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("child JVM [" + label + "] (pid " + pid() + ") survived SIGKILL");
        }
    }

    /** Kills the child if it still runs, and deletes its output file. */
    @Override
    public void close() {
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            // the child may be gone already
        }
        try {
            kill();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            deleteQuietly(outputFile);
        }
    }

    @Override
    public String toString() {
        return "child JVM " + pid() + " [" + label + "]";
    }

    private static String javaExecutable() {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        if (Files.isExecutable(java)) {
            return java.toString();
        }
        return ProcessHandle.current().info().command()
            .orElseThrow(() -> new IllegalStateException("cannot find the java executable of this JVM"));
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // a temporary file; nothing more to do
            }
        }
    }
}
