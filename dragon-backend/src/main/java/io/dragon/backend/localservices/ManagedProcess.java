package io.dragon.backend.localservices;

import io.dragon.backend.trace.TraceRecorder;
import io.dragon.core.channels.Channel;
import io.dragon.core.channels.ChannelEmptyException;
import io.dragon.core.channels.ChannelException;
import io.dragon.core.channels.ChannelFullException;
import io.dragon.core.messages.Message;
import io.dragon.core.messages.MessageChannel;
import io.dragon.core.messages.Messages.ProcessSpec;
import io.dragon.core.messages.Messages.SHFwdOutput;
import io.dragon.core.messages.Messages.SHProcessExit;
import io.dragon.core.messages.Messages.StdStream;
import io.dragon.core.messages.Messages.StreamKind;
import io.dragon.core.shm.CpuAffinity;
import io.dragon.core.shm.ObjectGoneException;
import io.dragon.core.shm.Signals;
import io.dragon.core.sync.WaitMode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A process Local Services started for Global Services. Signals go to it and to every process it started (its
 * descendants at that moment); what escapes that, Local Services sweeps up at teardown by the runtime id in the
 * environment. Two pump threads forward its stdout and stderr to the launcher in {@link SHFwdOutput} pieces, or
 * to its parent through a pipe's channel ({@link StdStream}); with a piped stdin, a feed thread writes what the
 * parent sends. Its exit is reported once its output has ended, so output arrives before the news of the exit, or
 * after {@link #OUTPUT_GRACE_MS} if something it started still holds its output open; and never before its
 * SHProcessCreateResponse, which another thread sends. Once both its exit and its output have ended it is
 * {@linkplain Owner#ended ended}: its stdin is closed and its owner forgets it.
 */
final class ManagedProcess {
    /** How long an exit report waits for the output of a process whose children still hold its pipes. */
    static final long OUTPUT_GRACE_MS = 200;
    /** How long a wait on a piped stream's channel lasts at a time, so that teardown and a gone peer are seen. */
    private static final long PIPE_SLICE_MS = 100;
    private static final Logger LOG = LogManager.getLogger(ManagedProcess.class);

    private final long puid;
    /** What a person calls it: its name, else its program (see {@link #name(ProcessSpec)}). */
    private final String name;
    private final Process process;
    private final String hostname;
    private final MessageChannel output;
    private final AtomicLong tags;
    private final Owner owner;
    private final AtomicInteger openStreams = new AtomicInteger(2);
    /** Its exit report and its output: the process has ended once both are done. */
    private final AtomicInteger unfinished = new AtomicInteger(2);
    private final CountDownLatch outputDone = new CountDownLatch(1);
    /** Counted down once Global Services has been told the process started: no exit report may overtake that. */
    private final CountDownLatch announced = new CountDownLatch(1);
    private volatile boolean reportExit = true;
    /** When it started and when its exit was seen, in {@link TraceRecorder#now} microseconds (0: not yet). */
    private final long startedAt = TraceRecorder.now();
    private volatile long exitedAt;

    /** What a managed process needs of Local Services. */
    interface Owner {
        /**
         * Sends {@code message} on {@code channel} unless the node's shared memory is going away.
         *
         * @return false if it was not sent because of that
         */
        boolean send(MessageChannel channel, Message message) throws InterruptedException;

        /**
         * Enters the node's shared memory for one operation on a channel, which must not wait long: false once
         * teardown frees it. {@link #exitMemory()} after each true.
         */
        boolean enterMemory();

        /** Leaves what {@link #enterMemory()} entered. */
        void exitMemory();

        /** The process has exited and its output has ended (or it will never be forwarded). */
        void ended(ManagedProcess process);
    }

    private ManagedProcess(long puid, String name, Process process, String hostname, MessageChannel output,
                           AtomicLong tags, Owner owner) {
        this.puid = puid;
        this.name = name;
        this.process = process;
        this.hostname = hostname;
        this.output = output;
        this.tags = tags;
        this.owner = owner;
    }

    /**
     * Starts the process {@code spec} describes with {@code starter} (after attaching the channels of its piped
     * streams), forwards its output to {@code output} and reports its exit to {@code exits}, waiting on
     * {@code waiter}; sends through {@code owner}, and tells it when the process ended. The threads that forward
     * its streams start after {@code starter} returns (so not confined to the process's cores).
     */
    static ManagedProcess start(long puid, ProcessSpec spec, CpuAffinity.Start<Process, IOException> starter,
                                String hostname, MessageChannel output, MessageChannel exits, AtomicLong tags,
                                Executor waiter, Owner owner) throws IOException {
        Channel stdout = pipe(spec.stdout());
        Channel stderr = pipe(spec.stderr());
        Channel stdin = pipe(spec.stdin());
        ManagedProcess managed = new ManagedProcess(puid, name(spec), starter.start(), hostname, output, tags,
            owner);
        managed.pump(managed.process.getInputStream(), 1, stdout);
        managed.pump(managed.process.getErrorStream(), 2, stderr);
        if (stdin != null) {
            managed.feed(stdin);
        }
        managed.process.onExit().thenRunAsync(() -> managed.reportExit(exits), waiter);
        return managed;
    }

    /** The channel of a stream piped to or from the parent (see {@link StdStream}), or null. */
    private static Channel pipe(StdStream stream) {
        return stream == null || stream.kind() != StreamKind.PIPE ? null
            : Channel.attach(stream.channel()).waitMode(WaitMode.SLEEP);
    }

    /** Global Services has been sent this process's SHProcessCreateResponse. */
    void announced() {
        announced.countDown();
    }

    long puid() {
        return puid;
    }

    long pid() {
        return process.pid();
    }

    /** What a person calls it (the trace's name of its slice). */
    String name() {
        return name;
    }

    /**
     * The name of the process {@code spec} describes, else its program's: a Java process's main class or jar, any
     * other's executable.
     */
    static String name(ProcessSpec spec) {
        if (spec.name() != null && !spec.name().isEmpty()) {
            return spec.name();
        }
        String exe = fileName(spec.exe());
        List<String> args = spec.args();
        for (int i = 0; exe.equals("java") && i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals("-jar") && i + 1 < args.size()) {
                return fileName(args.get(i + 1));
            } else if (arg.equals("-cp") || arg.equals("-classpath") || arg.equals("--class-path")) {
                i++; // its value
            } else if (!arg.startsWith("-")) {
                return arg;
            }
        }
        return exe;
    }

    private static String fileName(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /** When it started, in {@link TraceRecorder#now} microseconds. */
    long startedAt() {
        return startedAt;
    }

    /** When its exit was seen, in {@link TraceRecorder#now} microseconds; 0 while it runs. */
    long exitedAt() {
        return exitedAt;
    }

    /** Its exit code; -1 while it runs. */
    int exitCode() {
        return process.isAlive() ? -1 : process.exitValue();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Sends {@code signal} to the process and to what it started; false if the process is gone. */
    boolean signal(int signal) {
        // Its descendants are listed first and the process signalled first: a shell whose child dies of the
        // signal may exit, and be reaped, before its own turn would come.
        List<ProcessHandle> descendants = process.descendants().toList();
        boolean sent = Signals.kill(process.pid(), signal);
        for (ProcessHandle child : descendants) {
            sent |= Signals.kill(child.pid(), signal);
        }
        return sent;
    }

    /** Feeds bytes to the process's stdin; {@code eof} closes it. */
    void input(byte[] data, boolean eof) {
        try {
            OutputStream stdin = process.getOutputStream();
            if (data.length > 0) {
                stdin.write(data);
                stdin.flush();
            }
            if (eof) {
                stdin.close();
            }
        } catch (IOException e) {
            LOG.debug("stdin of p_uid {} is closed: {}", puid, e.getMessage());
        }
    }

    /** Asks the process and what it started to stop (SIGTERM); its exit will not be reported. */
    void terminate() {
        reportExit = false;
        signal(Signals.SIGTERM);
    }

    boolean awaitExit(long nanos) throws InterruptedException {
        return process.waitFor(nanos, TimeUnit.NANOSECONDS);
    }

    /** Kills (SIGKILL) the process, if still there, and what it started. */
    void kill() {
        reportExit = false;
        signal(Signals.SIGKILL);
    }

    /** Waits for the output pumps to forward everything the process wrote. */
    boolean awaitOutput(long millis) throws InterruptedException {
        return outputDone.await(millis, TimeUnit.MILLISECONDS);
    }

    /**
     * Starts the thread that forwards output {@code fd} to the launcher, or to the parent through {@code pipe};
     * once the stream cannot go on (the reader is gone, the node goes down) the thread closes it, so that the
     * process's further writes fail, as on a pipe without reader.
     */
    private void pump(InputStream stream, int fd, Channel pipe) {
        Thread thread = new Thread(() -> {
            try (stream) {
                if (pipe == null) {
                    forward(stream, fd);
                } else {
                    toPipe(stream, fd, pipe);
                }
            } catch (IOException e) {
                LOG.debug("output {} of p_uid {} ended: {}", fd, puid, e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                LOG.warn("cannot forward output {} of p_uid {}: {}", fd, puid, e.toString());
            }
            if (openStreams.decrementAndGet() == 0) {
                outputDone.countDown();
                finished();
            }
        }, "pump-" + puid + "-" + fd);
        thread.setDaemon(true);
        thread.start();
    }

    private void forward(InputStream stream, int fd) throws IOException, InterruptedException {
        byte[] buffer = new byte[SHFwdOutput.MAX_OUTPUT_CHUNK];
        for (int n; (n = stream.read(buffer)) > 0; ) {
            if (!owner.send(output, new SHFwdOutput(tags.incrementAndGet(), puid, fd, Arrays.copyOf(buffer, n),
                process.pid(), hostname))) {
                LOG.debug("output {} of p_uid {} dropped: the node is going down", fd, puid);
                return;
            }
        }
    }

    /** Sends output {@code fd} to the parent in pieces, then the empty piece that ends it. */
    private void toPipe(InputStream stream, int fd, Channel pipe) throws IOException, InterruptedException {
        byte[] buffer = new byte[StdStream.PIPE_BLOCK];
        ByteBuffer piece = ByteBuffer.wrap(buffer);
        for (int n; (n = stream.read(buffer)) > 0; ) {
            if (!sendPiece(pipe, piece.clear().limit(n))) {
                LOG.debug("output {} of p_uid {} stopped: its reader is gone", fd, puid);
                return;
            }
        }
        sendPiece(pipe, piece.clear().limit(0));
    }

    /** Sends {@code piece}, waiting while the pipe is full; false if its reader is gone or the node goes down. */
    private boolean sendPiece(Channel pipe, ByteBuffer piece) throws InterruptedException {
        for (;;) {
            if (!owner.enterMemory()) {
                return false;
            }
            try {
                pipe.send(piece, PIPE_SLICE_MS, TimeUnit.MILLISECONDS);
                return true;
            } catch (ChannelFullException e) {
                // unread: wait on, and see within a slice if the reader destroys the pipe
            } catch (ChannelException | ObjectGoneException e) {
                return false;
            } finally {
                owner.exitMemory();
            }
        }
    }

    /**
     * Starts the thread that writes what the parent sends through {@code pipe} to the process's stdin, closing it
     * at the end of the stream. It destroys the pipe when it stops, so that once the process has exited (or
     * closed its stdin) the parent's writes fail.
     */
    private void feed(Channel pipe) {
        Thread thread = new Thread(() -> {
            ByteBuffer piece = ByteBuffer.allocate(StdStream.PIPE_BLOCK);
            try (OutputStream stdin = process.getOutputStream()) {
                for (int n; (n = receivePiece(pipe, piece)) > 0; ) {
                    stdin.write(piece.array(), 0, n);
                    stdin.flush();
                }
            } catch (IOException e) {
                LOG.debug("stdin of p_uid {} is closed: {}", puid, e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (owner.enterMemory()) {
                try {
                    pipe.destroy();
                } catch (ChannelException | ObjectGoneException e) {
                    // the parent has let go of it first
                } finally {
                    owner.exitMemory();
                }
            }
        }, "feed-" + puid);
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * The length of the next piece of input, received into {@code piece}; 0 at the end of the stream, -1 if the
     * writer is gone, the process has exited or the node goes down.
     */
    private int receivePiece(Channel pipe, ByteBuffer piece) throws InterruptedException {
        while (process.isAlive()) {
            if (!owner.enterMemory()) {
                return -1;
            }
            try {
                return pipe.recv(piece.clear(), PIPE_SLICE_MS, TimeUnit.MILLISECONDS);
            } catch (ChannelEmptyException e) {
                // nothing yet: wait on, and see within a slice if the process exits
            } catch (ChannelException | ObjectGoneException e) {
                return -1;
            } finally {
                owner.exitMemory();
            }
        }
        return -1;
    }

    private void reportExit(MessageChannel exits) {
        exitedAt = TraceRecorder.now();
        try {
            if (!outputDone.await(OUTPUT_GRACE_MS, TimeUnit.MILLISECONDS)) {
                LOG.info("p_uid {} exited but what it started still holds its output open", puid);
            }
            announced.await();
            int exitCode = process.exitValue();
            LOG.info("p_uid {} (pid {}) exited with {}", puid, process.pid(), exitCode);
            if (reportExit) {
                owner.send(exits, new SHProcessExit(tags.incrementAndGet(), puid, exitCode));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.warn("cannot report the exit of p_uid {}: {}", puid, e.toString());
        } finally {
            finished();
        }
    }

    /** One of exit and output is done; after both, the stdin pipe is closed and the owner told. */
    private void finished() {
        if (unfinished.decrementAndGet() == 0) {
            try {
                process.getOutputStream().close();
            } catch (IOException e) {
                LOG.debug("closing the stdin of p_uid {}: {}", puid, e.getMessage());
            }
            owner.ended(this);
        }
    }
}
