package io.dragon;

import io.dragon.core.messages.Messages.ProcessInfo;
import io.dragon.core.messages.Messages.ProcessState;
import io.dragon.core.sync.Deadline;
import io.dragon.internal.ProcessStreams;
import io.dragon.internal.Services;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A managed process of the runtime: started through Global Services by Local Services of its node, its output
 * forwarded to the launcher unless its template redirects it ({@link Redirect}). The handle is Serializable; any
 * process may join or kill it.
 *
 * <pre>
 * Process p = Process.start(() -&gt; System.out.println("hello from another JVM"));
 * int exitCode = p.join();
 * </pre>
 */
public final class Process implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final int SIGKILL = 9;
    private static final int SIGTERM = 15;

    private final long puid;
    private final long pid;
    private final int node;
    private final String hostname;
    private final String name;
    /** The parent's ends of its piped streams: only in the handle that started it. */
    private final transient ProcessStreams streams;

    private Process(ProcessInfo info, ProcessStreams streams) {
        this.puid = info.puid();
        this.pid = info.pid();
        this.node = info.node();
        this.hostname = info.hostname();
        this.name = info.name();
        this.streams = streams;
    }

    private Process(ProcessInfo info) {
        this(info, null);
    }

    /** Runs {@code target} in a new JVM with this program's classpath. */
    public static Process start(SerializableRunnable target) {
        return ProcessTemplate.of(target).start();
    }

    /**
     * Runs {@code target} in a new JVM with this program's classpath; the future completes with its value (or what
     * it threw) once the process has exited, and {@link ProcessFuture#cancel cancel} kills it (see
     * {@link ProcessFuture}). The value travels back through a small queue, destroyed once the process has exited.
     */
    public static <V> ProcessFuture<V> call(SerializableCallable<V> target) {
        Queue<ProcessFuture.Outcome> outcome = Queue.create(2);
        try {
            return new ProcessFuture<>(start(new ProcessFuture.CallTarget(target, outcome)), outcome);
        } catch (RuntimeException e) {
            outcome.destroy();
            throw e;
        }
    }

    /** Starts a process from a template; returns once it runs. */
    public static Process start(ProcessTemplate template) {
        ProcessStreams pipes = new ProcessStreams(template.spec());
        try {
            return new Process(Services.ask(() -> Services.globalServices().createProcess(pipes.spec())), pipes);
        } catch (RuntimeException e) {
            pipes.destroy();
            throw e;
        }
    }

    /**
     * This process, as the runtime knows it (the head process, a worker, any process the runtime started).
     *
     * @throws DragonException if this process does not run under the runtime
     */
    public static Process current() {
        long puid = Services.globalServices().launchParameters().puid();
        return new Process(Services.ask(() -> Services.globalServices().query(puid)));
    }

    /** The process named {@code name}. */
    public static Process lookup(String name) {
        return new Process(Services.ask(() -> Services.globalServices().query(name)));
    }

    /** Waits until the process exits; returns its exit code (128 + n if signal n killed it). */
    public int join() throws InterruptedException {
        return joined(-1).exitCode();
    }

    /** Waits until the process exits or the timeout passes; true if it exited. */
    public boolean join(long timeout, TimeUnit unit) throws InterruptedException {
        // Global Services takes -1 for no timeout, and a huge one would overflow its deadline
        long millis = Deadline.after(timeout, unit) == Deadline.FOREVER ? -1 : Math.max(0, unit.toMillis(timeout));
        return !isRunning(joined(millis).state());
    }

    /** {@link #join(long, TimeUnit)} with a Duration. */
    public boolean join(Duration timeout) throws InterruptedException {
        return join(TimeUnit.NANOSECONDS.convert(timeout), TimeUnit.NANOSECONDS);
    }

    /**
     * A future that completes with this handle once the process has exited, on whichever node it ran, as
     * {@link java.lang.Process#onExit()} does; {@link #exitCode()} then has its exit code. It fails with
     * {@link ObjectNotFoundException} if the runtime does not know the process, or a {@link DragonException} if
     * Global Services cannot be reached.
     *
     * <p>No thread waits per process: Global Services answers when the process exits. Each call returns a new
     * future, and dependent stages run in {@link CompletableFuture}'s default executor, never in the thread that
     * receives the answer for the whole process; so completing or cancelling the future affects only that future,
     * not the process (use {@link #kill()} for that).
     */
    public CompletableFuture<Process> onExit() {
        return Services.globalServices().onExit(puid).handleAsync((info, failure) -> {
            if (failure != null) {
                throw Services.translated(failure);
            }
            return this;
        });
    }

    /** The exit code, once the process has exited. */
    public OptionalInt exitCode() {
        ProcessInfo info = Services.ask(() -> Services.globalServices().query(puid));
        return isRunning(info.state()) ? OptionalInt.empty() : OptionalInt.of(info.exitCode());
    }

    /** Whether the process is still running (asks Global Services). */
    public boolean isAlive() {
        return exitCode().isEmpty();
    }

    /** Kills the process (SIGKILL); does nothing if it has exited, as {@link java.lang.Process#destroyForcibly()}. */
    public void kill() {
        signal(SIGKILL);
    }

    /** Asks the process to end (SIGTERM); does nothing if it has exited, as {@link java.lang.Process#destroy()}. */
    public void terminate() {
        signal(SIGTERM);
    }

    /** Sends a signal to the process, if it still runs; nothing happens if it has exited. */
    public void signal(int signal) {
        try {
            Services.ask(() -> {
                Services.globalServices().kill(puid, signal);
                return null;
            });
        } catch (ObjectNotFoundException e) {
            // it has exited (the handle names a process that was started), maybe just now
        }
    }

    /**
     * What the process writes to its stdout, if its template said {@link Redirect#PIPE} (see there); this handle
     * must be the one that started it. Reads wait for output and return -1 once the process has ended its output
     * and all was read; closing the stream early makes the process's further writes fail. One thread reads at a
     * time.
     *
     * @throws IllegalStateException if stdout is not piped to this handle
     */
    public InputStream stdout() {
        return piped(streams == null ? null : streams.stdout(), "stdout", "withStdout");
    }

    /** What the process writes to its stderr, as {@link #stdout()} for stdout. */
    public InputStream stderr() {
        return piped(streams == null ? null : streams.stderr(), "stderr", "withStderr");
    }

    /**
     * The process's stdin, if its template said {@link Redirect#PIPE}; this handle must be the one that started it.
     * Buffered as {@link java.lang.Process#getOutputStream()}: {@code flush()} sends what was written,
     * {@code close()} ends the input. A write waits while the process has not read about 128 KiB; it fails with an
     * {@link java.io.IOException} once the process has exited. One thread writes at a time.
     *
     * @throws IllegalStateException if stdin is not piped from this handle
     */
    public OutputStream stdin() {
        return piped(streams == null ? null : streams.stdin(), "stdin", "withStdin");
    }

    private <T> T piped(T stream, String which, String setter) {
        if (stream == null) {
            throw new IllegalStateException(which + " of " + this + " is not piped to this handle: start the process"
                + " from a template with " + setter + "(Redirect.PIPE), and use the handle that start() returned");
        }
        return stream;
    }

    /** The runtime's id of the process. */
    public long puid() {
        return puid;
    }

    /** The operating system's id of the process, on its node. */
    public long pid() {
        return pid;
    }

    /** The index of the node it runs on. */
    public int node() {
        return node;
    }

    /** The hostname of its node. */
    public String hostname() {
        return hostname;
    }

    /** Its name, or null. */
    public String name() {
        return name;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Process other && other.puid == puid;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(puid);
    }

    @Override
    public String toString() {
        return "Process " + puid + (name != null ? " '" + name + "'" : "") + " (pid " + pid + " on " + hostname + ")";
    }

    private ProcessInfo joined(long timeoutMillis) throws InterruptedException {
        try {
            return Services.ask(() -> Services.globalServices().join(puid, timeoutMillis));
        } catch (DragonException e) {
            if (Thread.interrupted()) {
                throw new InterruptedException("interrupted while joining " + this);
            }
            throw e;
        }
    }

    private static boolean isRunning(ProcessState state) {
        return state == ProcessState.PENDING || state == ProcessState.ACTIVE;
    }
}
