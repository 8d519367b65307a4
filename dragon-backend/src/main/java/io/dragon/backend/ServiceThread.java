package io.dragon.backend;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;

/**
 * A service of the runtime (Local Services, Global Services) run on a thread of this JVM, behind
 * {@link java.lang.Process} so that its parent drives it as it would a child process: bringup messages on its
 * stdin and stdout (in-memory pipes), {@link #isAlive()}, {@link #waitFor()}, an exit value. One JVM per node hosts
 * every service of the node, which saves a JVM's start-up (hundreds of ms of CPU) per service and node.
 *
 * <p>Its stdout reaches end of file when the service ends, as a process's would; closing its stdin is the parent's
 * way to say it has gone; {@link #destroy()} also interrupts the service's thread. A service fails by throwing: its
 * parent learns why from {@link #why()}, which a process's parent would have to dig out of its log.
 */
public final class ServiceThread extends Process {
    private static final int PIPE_BYTES = 1 << 16;

    /** What a service runs: its stdin and stdout given, its exit value returned. */
    @FunctionalInterface
    public interface Body {
        int run(InputStream stdin, OutputStream stdout) throws Exception;
    }

    private final PipedOutputStream toService = new PipedOutputStream();
    private final PipedInputStream fromService = new PipedInputStream(PIPE_BYTES);
    private final CompletableFuture<Process> exit = new CompletableFuture<>();
    private final Thread thread;
    private volatile int exitValue;
    /** What the body threw, if it did; set before the thread ends. */
    private volatile Throwable failure;

    private ServiceThread(String name, Body body) throws IOException {
        PipedInputStream stdin = new PipedInputStream(toService, PIPE_BYTES);
        PipedOutputStream stdout = new PipedOutputStream(fromService);
        thread = new Thread(() -> {
            int code = 1;
            try (stdin; stdout) {
                code = body.run(stdin, stdout);
            } catch (Exception | Error e) {
                failure = e;
                LogManager.getLogger(ServiceThread.class).error("{} failed: {}", name, e.toString(), e);
            } finally {
                exitValue = code;
                exit.complete(this);
            }
        }, name);
    }

    /** Starts {@code body} on a new thread named {@code name}. */
    public static ServiceThread start(String name, Body body) {
        try {
            ServiceThread service = new ServiceThread(name, body);
            service.thread.start();
            return service;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make the pipes of " + name, e); // never: both ends are fresh
        }
    }

    /**
     * Why the service failed, in words for the user: the message of what its body threw (its class name if it has
     * none). Empty while it runs, and if its body returned.
     */
    public Optional<String> failure() {
        Throwable thrown = isAlive() ? null : failure;
        return Optional.ofNullable(thrown).map(ServiceThread::reason);
    }

    /** Why the service ended, for a message after its name: {@link #failure()}, else its exit value. */
    public String why() {
        return failure().orElseGet(() -> isAlive() ? "still running" : "exit value " + exitValue);
    }

    /** A failure in words: the exception's message, which says what failed, or its class name if it has none. */
    public static String reason(Throwable failure) {
        String message = failure.getMessage();
        return message == null || message.isBlank() ? failure.toString() : message;
    }

    @Override
    public OutputStream getOutputStream() {
        return toService;
    }

    @Override
    public InputStream getInputStream() {
        return fromService;
    }

    /** Nothing: a service's stderr is this JVM's. */
    @Override
    public InputStream getErrorStream() {
        return InputStream.nullInputStream();
    }

    @Override
    public int waitFor() throws InterruptedException {
        thread.join();
        return exitValue;
    }

    @Override
    public boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
        thread.join(Math.max(1, unit.toMillis(timeout)));
        return !thread.isAlive();
    }

    @Override
    public int exitValue() {
        if (!exit.isDone()) {
            throw new IllegalThreadStateException(thread.getName() + " has not ended");
        }
        return exitValue;
    }

    @Override
    public boolean isAlive() {
        return !exit.isDone();
    }

    /** Closes the service's stdin and interrupts its thread. */
    @Override
    public void destroy() {
        try {
            toService.close();
        } catch (IOException ignored) {
            // closing is only a signal
        }
        thread.interrupt();
    }

    /** This JVM's pid: the service's process. */
    @Override
    public long pid() {
        return ProcessHandle.current().pid();
    }

    @Override
    public CompletableFuture<Process> onExit() {
        return exit;
    }

    @Override
    public String toString() {
        return "ServiceThread[" + thread.getName() + (isAlive() ? ", running]" : ", exit value " + exitValue + "]");
    }
}
