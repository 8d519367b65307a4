package io.dragon.backend.launcher;

import io.dragon.backend.cleanup.NodeCleanup;
import io.dragon.backend.localservices.LocalServicesMain;
import io.dragon.core.infrastructure.Facts;
import io.dragon.core.infrastructure.HostId;
import io.dragon.core.infrastructure.LaunchParameters;
import io.dragon.core.messages.MalformedMessageException;
import io.dragon.core.messages.Message;
import io.dragon.core.messages.MessageChannel;
import io.dragon.core.messages.Messages.AbnormalTermination;
import io.dragon.core.messages.Messages.GSHalted;
import io.dragon.core.messages.Messages.GSHeadExit;
import io.dragon.core.messages.Messages.GSIsUp;
import io.dragon.core.messages.Messages.GSProcessCreate;
import io.dragon.core.messages.Messages.GSProcessCreateResponse;
import io.dragon.core.messages.Messages.GSTeardown;
import io.dragon.core.messages.Messages.SHChannelsUp;
import io.dragon.core.messages.Messages.SHFwdInput;
import io.dragon.core.messages.Messages.SHFwdOutput;
import io.dragon.core.messages.Messages.SHHaltBE;
import io.dragon.core.messages.Messages.SHIsUp;
import io.dragon.core.messages.Messages.SHTeardown;
import io.dragon.core.shm.FileDescriptors;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The launcher of a single-node runtime: frontend and backend in one process. It starts Local Services, follows
 * bringup to GSIsUp, has Global Services start the head process, prints the output of every managed process,
 * feeds its stdin to the head, and when the head exits tears the runtime down (GSTeardown, GSHalted, SHTeardown,
 * SHHaltBE) and returns the head's exit code.
 */
public final class Launcher {
    /** Exit codes of the launcher itself, as docker run has them; any other code is the head process's. */
    public static final int EXIT_RUNTIME_FAILED = 125;
    public static final int EXIT_CANNOT_START = 126;
    public static final int EXIT_INTERRUPTED = 130;

    private static final Logger LOG = LogManager.getLogger(Launcher.class);
    private static final long BRINGUP_TIMEOUT_MS = Long.getLong("dragon.bringup.timeout.ms", 60_000);
    private static final long TEARDOWN_TIMEOUT_MS = 15_000;

    private final LaunchOptions options;
    private final String runtimeId;
    private final Path logDir;
    private final InputStream stdin;
    private final OutputWriter output;
    private final CountDownLatch halted = new CountDownLatch(1);
    private final Process localServices;
    private MessageChannel inbox;
    private MessageChannel globalServices;
    private MessageChannel shepherd;
    private long tags;
    private long headPuid = -1;
    private Integer exitCode;
    private volatile boolean tearingDown;

    /**
     * A launcher for a runtime whose Local Services was just started with
     * {@link LocalServicesMain#start(LaunchParameters)} (before logging was set up, so that its JVM boots while
     * this one sets up).
     */
    public Launcher(LaunchOptions options, LaunchParameters params, Process localServices) {
        this(options, params, localServices, System.in, new FileOutputStream(FileDescriptor.out),
            new FileOutputStream(FileDescriptor.err));
    }

    /** A launcher whose head reads {@code stdin} and whose processes write to {@code stdout} and {@code stderr}. */
    Launcher(LaunchOptions options, LaunchParameters params, Process localServices, InputStream stdin,
             OutputStream stdout, OutputStream stderr) {
        this.stdin = stdin;
        this.options = options;
        this.runtimeId = params.runtimeId();
        this.logDir = Path.of(params.logDir());
        this.localServices = localServices;
        this.output = new OutputWriter(stdout, stderr, options.labelOutput());
    }

    /** Runs the program in a fresh runtime; returns the head's exit code, or one of the launcher's own. */
    public int run() {
        long start = System.nanoTime();
        Thread interruptHook = new Thread(this::interrupted, "dragon-interrupt");
        Runtime.getRuntime().addShutdownHook(interruptHook);
        try {
            bringup();
            Console.summary("runtime " + runtimeId + " up on " + HostId.hostname() + " in " + millisSince(start)
                + " ms (logs in " + logDir + ")");
            globalServices.send(new GSProcessCreate(nextTag(), Facts.LAUNCHER_PUID, Facts.LAUNCHER_CUID,
                options.head()));
            serve();
        } catch (Exception e) {
            LOG.error("the runtime failed: {}", e.getMessage(), e);
            Console.problem("the runtime failed: " + e.getMessage() + " (logs in " + logDir + ")");
            exitCode = EXIT_RUNTIME_FAILED;
            forceTeardown();
        } finally {
            halted.countDown();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(interruptHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running: it returns once halted is counted down
        }
        Console.summary("exit code " + exitCode + "; runtime " + runtimeId + " down after " + millisSince(start)
            + " ms");
        return exitCode;
    }

    private void bringup() throws InterruptedException {
        LOG.info("Local Services is pid {}", localServices.pid());
        BringupPipe pipe = new BringupPipe(localServices.getInputStream(), "Local Services");
        pipe.expect(SHIsUp.class, BRINGUP_TIMEOUT_MS);
        SHChannelsUp channels = pipe.expect(SHChannelsUp.class, BRINGUP_TIMEOUT_MS);
        inbox = MessageChannel.attach(channels.launcherChannel());
        globalServices = MessageChannel.attach(channels.gsChannel());
        shepherd = MessageChannel.attach(channels.shChannel());
        LOG.info("channels up on {}", channels.hostname());
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(BRINGUP_TIMEOUT_MS);
        for (;;) {
            Message message = next();
            if (message instanceof GSIsUp) {
                return;
            }
            if (message instanceof AbnormalTermination abnormal) {
                throw new IllegalStateException(abnormal.errInfo());
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("Global Services did not come up within " + BRINGUP_TIMEOUT_MS
                    + " ms");
            }
        }
    }

    /** Handles messages until Local Services reports it has halted. */
    private void serve() throws InterruptedException {
        long teardownDeadline = 0;
        for (;;) {
            Message message = next();
            if (tearingDown && teardownDeadline == 0) {
                teardownDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TEARDOWN_TIMEOUT_MS);
            }
            if (message instanceof SHFwdOutput out) {
                output.write(out);
            } else if (message instanceof GSProcessCreateResponse created) {
                headCreated(created);
            } else if (message instanceof GSHeadExit exit) {
                exitCode = exitCode == null ? exit.exitCode() : exitCode;
                beginTeardown();
            } else if (message instanceof GSHalted) {
                shepherd.send(new SHTeardown(nextTag()));
            } else if (message instanceof SHHaltBE) {
                awaitLocalServicesExit();
                return;
            } else if (message instanceof AbnormalTermination abnormal) {
                Console.problem(abnormal.errInfo() + " (logs in " + logDir + ")");
                exitCode = exitCode == null ? EXIT_RUNTIME_FAILED : exitCode;
                tearingDown = true;
                shepherd.send(new SHTeardown(nextTag()));
            } else if (message != null) {
                LOG.warn("ignored unexpected {}", message.type());
            }
            if (teardownDeadline != 0 && System.nanoTime() - teardownDeadline > 0) {
                throw new IllegalStateException("teardown did not finish within " + TEARDOWN_TIMEOUT_MS + " ms");
            }
        }
    }

    private void headCreated(GSProcessCreateResponse created) throws InterruptedException {
        if (!created.ok()) {
            Console.problem("cannot start " + options.head().exe() + ": " + created.errInfo());
            exitCode = EXIT_CANNOT_START;
            beginTeardown();
            return;
        }
        headPuid = created.info().pUid();
        LOG.info("head process p_uid {} started, pid {}", headPuid, created.info().pid());
        forwardStdin(stdin);
    }

    private void beginTeardown() throws InterruptedException {
        if (!tearingDown) {
            tearingDown = true;
            globalServices.send(new GSTeardown(nextTag()));
        }
    }

    /**
     * The next message on the launcher's channel (null after a quiet 100 ms).
     *
     * @throws IllegalStateException if Local Services has died
     */
    private Message next() throws InterruptedException {
        try {
            Message message = inbox.recv(100, TimeUnit.MILLISECONDS);
            if (message == null && !localServices.isAlive()) {
                throw new IllegalStateException("Local Services (pid " + localServices.pid() + ") died with exit code "
                    + localServices.exitValue());
            }
            return message;
        } catch (MalformedMessageException e) {
            LOG.error("dropped a malformed message on the launcher's channel: {}", e.getMessage());
            return null;
        }
    }

    private void forwardStdin(InputStream in) {
        long target = headPuid;
        Thread forwarder = new Thread(() -> {
            byte[] buffer = new byte[8192];
            try {
                for (int n = 0; n >= 0; n = in == System.in && !readable() ? 0 : in.read(buffer)) {
                    if (n > 0) {
                        shepherd.send(new SHFwdInput(nextTag(), target, Arrays.copyOf(buffer, n), false));
                    }
                }
                shepherd.send(new SHFwdInput(nextTag(), target, new byte[0], true));
            } catch (IOException | InterruptedException | RuntimeException e) {
                LOG.debug("stdin forwarding ended: {}", e.toString());
            }
        }, "stdin-forwarder");
        forwarder.setDaemon(true);
        forwarder.start();
    }

    /** Whether our stdin has data or its end now; waits briefly, never in a blocking read (see FileDescriptors). */
    private static boolean readable() {
        return FileDescriptors.awaitReadable(0, 50);
    }

    private synchronized long nextTag() {
        return ++tags;
    }

    private void awaitLocalServicesExit() throws InterruptedException {
        closeQuietly();
        if (!localServices.waitFor(TEARDOWN_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("Local Services did not exit after halting");
        }
    }

    /** Ctrl-C (or SIGTERM) at the launcher: tear the runtime down in order, then let the JVM exit. */
    private void interrupted() {
        if (halted.getCount() == 0) {
            return;
        }
        Console.problem("interrupted: tearing the runtime down");
        exitCode = EXIT_INTERRUPTED;
        try {
            if (globalServices != null) {
                beginTeardown();
            } else {
                forceTeardown();
            }
            halted.await(TEARDOWN_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException | RuntimeException e) {
            LOG.warn("orderly teardown failed: {}", e.toString());
        }
        LogManager.shutdown();
    }

    /** Last resort: kill Local Services and everything of this runtime, and remove its segments. */
    private void forceTeardown() {
        if (localServices.isAlive()) {
            closeQuietly();
            try {
                localServices.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        NodeCleanup.remove(runtimeId, LOG::warn);
    }

    private void closeQuietly() {
        try {
            localServices.getOutputStream().close();
        } catch (IOException ignored) {
            // closing is only a signal
        }
    }

    private static long millisSince(long start) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }
}
