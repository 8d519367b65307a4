package io.dragon.backend.launcher;

import io.dragon.backend.trace.TraceRecorder;
import io.dragon.core.infrastructure.Ids;
import io.dragon.core.infrastructure.LaunchParameters;
import io.dragon.core.infrastructure.Settings;
import io.dragon.core.messages.Message;
import io.dragon.core.messages.Messages.AbnormalTermination;
import io.dragon.core.messages.Messages.GSHalted;
import io.dragon.core.messages.Messages.GSHeadExit;
import io.dragon.core.messages.Messages.GSIsUp;
import io.dragon.core.messages.Messages.GSProcessCreate;
import io.dragon.core.messages.Messages.GSProcessCreateResponse;
import io.dragon.core.messages.Messages.GSTeardown;
import io.dragon.core.messages.Messages.SHFwdInput;
import io.dragon.core.messages.Messages.SHFwdOutput;
import io.dragon.core.messages.Messages.SHHaltBE;
import io.dragon.core.messages.Messages.SHTeardown;
import io.dragon.core.messages.Messages.SHTraceEvents;
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
 * The launcher (frontend): it brings the runtime up through its {@link RuntimeLink}, follows bringup to GSIsUp, has
 * Global Services start the head process, prints the output of every managed process, feeds its stdin to the head,
 * and when the head exits tears the runtime down (GSTeardown, GSHalted, SHTeardown, SHHaltBE from every node) and
 * returns the head's exit code.
 */
public final class Launcher {
    /** Exit codes of the launcher itself, as docker run has them; any other code is the head process's. */
    public static final int EXIT_RUNTIME_FAILED = 125;
    public static final int EXIT_CANNOT_START = 126;
    public static final int EXIT_INTERRUPTED = 130;

    private static final Logger LOG = LogManager.getLogger(Launcher.class);
    static final long BRINGUP_TIMEOUT_MS = Settings.bringupTimeoutMs();
    static final long TEARDOWN_TIMEOUT_MS = 15_000;

    private final LaunchOptions options;
    private final String runtimeId;
    private final Path logDir;
    private final int nodeCount;
    private final InputStream stdin;
    private final OutputWriter output;
    private final CountDownLatch halted = new CountDownLatch(1);
    private final RuntimeLink runtime;
    /** With {@code --trace}: the run's timeline; else null. */
    private final RunTrace trace;
    private long tags;
    private long headPuid = -1;
    private Integer exitCode;
    /** What Global Services said of the processes when it halted; null until then. */
    private GSHalted processes;
    private volatile boolean up;
    private volatile boolean tearingDown;
    /** When teardown began, in {@link TraceRecorder#now} microseconds. */
    private volatile long teardownStart;

    /** A launcher for a runtime on this node only, its services on threads of this JVM. */
    public static Launcher local(LaunchOptions options, LaunchParameters params) {
        startRecording(options);
        return new Launcher(options, params, new LocalRuntime(params));
    }

    /** A launcher for a runtime on the nodes of a Slurm allocation. */
    public static Launcher slurm(LaunchOptions options, LaunchParameters params, SlurmRuntime.Nodes nodes) {
        startRecording(options);
        return new Launcher(options, params, new SlurmRuntime(params, nodes));
    }

    /** With {@code --trace}, this JVM records from now on, before the runtime starts (and the nodes' JVMs too). */
    private static void startRecording(LaunchOptions options) {
        if (options.trace() != null) {
            TraceRecorder.enable();
        }
    }

    private Launcher(LaunchOptions options, LaunchParameters params, RuntimeLink runtime) {
        this(options, params, runtime, System.in, new FileOutputStream(FileDescriptor.out),
            new FileOutputStream(FileDescriptor.err));
    }

    /** A launcher whose head reads {@code stdin} and whose processes write to {@code stdout} and {@code stderr}. */
    Launcher(LaunchOptions options, LaunchParameters params, RuntimeLink runtime, InputStream stdin,
             OutputStream stdout, OutputStream stderr) {
        this.trace = options.trace() == null ? null : new RunTrace(options.trace());
        this.stdin = stdin;
        this.options = options;
        this.runtimeId = params.runtimeId();
        this.logDir = Path.of(params.logDir());
        this.nodeCount = params.nodeCount();
        this.runtime = runtime;
        this.output = new OutputWriter(stdout, stderr, options.labelOutput());
    }

    /** Runs the program in a fresh runtime; returns the head's exit code, or one of the launcher's own. */
    public int run() {
        long start = System.nanoTime();
        Thread interruptHook = new Thread(this::interrupted, "dragon-interrupt");
        Runtime.getRuntime().addShutdownHook(interruptHook);
        try {
            String where = bringup(new BringupProgress(options.quiet()));
            Console.summary("runtime " + runtimeId + " up " + where + " in " + millisSince(start) + " ms (logs in "
                + logDir + ")", options.quiet());
            runtime.toGlobalServices(new GSProcessCreate(nextTag(), Ids.LAUNCHER_PUID, Ids.LAUNCHER_CUID,
                options.head()));
            serve();
        } catch (Exception e) {
            LOG.error("the runtime failed: {}", e.getMessage(), e);
            Console.problem("the runtime failed: " + e.getMessage() + " (logs in " + logDir + ")");
            exitCode = EXIT_RUNTIME_FAILED;
            runtime.forceTeardown();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(interruptHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running: it returns once halted is counted down, below
        }
        long millis = millisSince(start);
        Path traceFile = writeTrace();
        for (String line : RunSummary.lines(exitCode, runtimeId, millis, nodeCount, processes, logDir, traceFile)) {
            Console.summary(line, options.quiet());
        }
        halted.countDown();
        return exitCode;
    }

    /** Writes the trace, if asked for; returns where, or null (a failure to write costs a problem line only). */
    private Path writeTrace() {
        if (trace == null) {
            return null;
        }
        try {
            trace.write();
            return trace.file();
        } catch (IOException | RuntimeException e) {
            Console.problem("cannot write the trace to " + trace.file() + ": " + e.getMessage());
            return null;
        }
    }

    private String bringup(BringupProgress progress) throws Exception {
        long start = TraceRecorder.now();
        String where = runtime.bringup(progress);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(BRINGUP_TIMEOUT_MS);
        for (;;) {
            Message message = runtime.next();
            if (message instanceof GSIsUp) {
                TraceRecorder.slice(TraceRecorder.LAUNCHER_NODE, TraceRecorder.LAUNCHER, "bringup", start);
                up = true;
                return where;
            }
            if (message instanceof AbnormalTermination abnormal) {
                throw new IllegalStateException(abnormal.errInfo());
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("Global Services did not come up within " + BRINGUP_TIMEOUT_MS
                    + " ms");
            }
            progress.waiting(() -> "waiting for Global Services");
        }
    }

    /** Handles messages until every node reports it has halted. */
    private void serve() throws InterruptedException {
        long teardownDeadline = 0;
        for (;;) {
            Message message = runtime.next();
            if (tearingDown && teardownDeadline == 0) {
                teardownDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TEARDOWN_TIMEOUT_MS);
            }
            if (message instanceof SHFwdOutput out) {
                output.write(out);
            } else if (message instanceof GSProcessCreateResponse created) {
                headCreated(created);
            } else if (message instanceof GSHeadExit exit) {
                exitCode = exitCode == null ? exit.exitCode() : exitCode;
                if (RunSummary.isSignal(exit.exitCode())) {
                    Console.problem("the head process was " + RunSummary.exitStatus(exit.exitCode()));
                }
                beginTeardown();
            } else if (message instanceof SHTraceEvents events && trace != null) {
                trace.add(events);
            } else if (message instanceof GSHalted gsHalted) {
                TraceRecorder.instant(TraceRecorder.LAUNCHER_NODE, TraceRecorder.LAUNCHER, "global-services-halted");
                processes = gsHalted;
                runtime.toLocalServices(-1, new SHTeardown(nextTag()));
            } else if (message instanceof SHHaltBE) {
                TraceRecorder.slice(TraceRecorder.LAUNCHER_NODE, TraceRecorder.LAUNCHER, "teardown", teardownStart);
                runtime.awaitExit();
                return;
            } else if (message instanceof AbnormalTermination abnormal) {
                Console.problem(abnormal.errInfo() + " (logs in " + logDir + ")");
                exitCode = exitCode == null ? EXIT_RUNTIME_FAILED : exitCode;
                tearingDown = true;
                runtime.toLocalServices(-1, new SHTeardown(nextTag()));
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
        headPuid = created.info().puid();
        LOG.info("head process p_uid {} started on node {}, pid {}", headPuid, created.info().node(),
            created.info().pid());
        forwardStdin(stdin, created.info().node());
    }

    private void beginTeardown() throws InterruptedException {
        if (!tearingDown) {
            teardownStart = TraceRecorder.now();
            tearingDown = true;
            runtime.toGlobalServices(new GSTeardown(nextTag()));
        }
    }

    private void forwardStdin(InputStream in, int node) {
        long target = headPuid;
        Thread forwarder = new Thread(() -> {
            byte[] buffer = new byte[8192];
            try {
                for (int n = 0; n >= 0; n = in == System.in && !readable() ? 0 : in.read(buffer)) {
                    if (n > 0) {
                        runtime.toLocalServices(node, new SHFwdInput(nextTag(), target, Arrays.copyOf(buffer, n),
                            false));
                    }
                }
                runtime.toLocalServices(node, new SHFwdInput(nextTag(), target, new byte[0], true));
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

    /** Ctrl-C (or SIGTERM) at the launcher: tear the runtime down in order, then let the JVM exit. */
    private void interrupted() {
        if (halted.getCount() == 0) {
            return;
        }
        Console.problem("interrupted: tearing the runtime down");
        exitCode = EXIT_INTERRUPTED;
        try {
            if (up) {
                beginTeardown();
            } else {
                runtime.forceTeardown();
            }
            halted.await(TEARDOWN_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException | RuntimeException e) {
            LOG.warn("orderly teardown failed: {}", e.toString());
        }
        LogManager.shutdown();
    }

    private static long millisSince(long start) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }
}
