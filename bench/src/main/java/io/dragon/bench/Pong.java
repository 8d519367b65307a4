package io.dragon.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The second JVM of a pair, started by the ping process with the same JVM options and class path, its stdin a pipe
 * from the ping process. The pong process exits when its work is done, or at once when that pipe reaches end of file
 * (the ping process has gone, however it ended), so a pong never outlives its ping.
 */
final class Pong implements AutoCloseable {
    private final Process process;
    private final OutputStream stdin;

    private Pong(Process process) {
        this.process = process;
        this.stdin = process.getOutputStream();
    }

    /** Starts {@code BenchMain <benchmark> pong <options>} in a new JVM. */
    static Pong start(String benchmark, Options options) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java"));
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(BenchMain.class.getName());
        command.add(benchmark);
        command.add("pong");
        command.addAll(options.toArgs());
        Process process = new ProcessBuilder(command)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
        Cleanup.add(process::destroyForcibly);
        Spin.watch(process);
        return new Pong(process);
    }

    /** Waits for the pong process to finish its work; fails if it does not in time or exits with an error. */
    void awaitExit(long timeout, TimeUnit unit) throws InterruptedException {
        if (!process.waitFor(timeout, unit)) {
            process.destroyForcibly();
            throw new IllegalStateException("pong process " + process.pid() + " did not finish in " + timeout + " "
                + unit);
        }
        if (process.exitValue() != 0) {
            throw new IllegalStateException("pong process " + process.pid() + " exited with " + process.exitValue());
        }
    }

    boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            stdin.close();
        } catch (IOException e) {
            // the process is gone already
        }
    }

    /** In the pong process: halts this JVM when stdin reaches end of file, that is when the ping process ends. */
    static void exitWithParent() {
        Thread watcher = new Thread(() -> {
            InputStream in = System.in;
            try {
                while (in.read() >= 0) {
                    // nothing is ever sent; just wait for end of file
                }
            } catch (IOException e) {
                // treat a broken pipe like end of file
            }
            System.err.println("pong: ping process has gone, exiting");
            Runtime.getRuntime().halt(3);
        }, "pong-parent-watch");
        watcher.setDaemon(true);
        watcher.start();
    }
}
