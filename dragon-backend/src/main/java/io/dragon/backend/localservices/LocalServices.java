package io.dragon.backend.localservices;

import io.dragon.Gpu;
import io.dragon.backend.Executables;
import io.dragon.backend.MemoryUsers;
import io.dragon.backend.ServiceLogging;
import io.dragon.backend.ServiceThread;
import io.dragon.backend.cleanup.NodeCleanup;
import io.dragon.backend.globalservices.GlobalServices;
import io.dragon.backend.net.LinkSecurity;
import io.dragon.backend.trace.TraceRecorder;
import io.dragon.core.channels.Channel;
import io.dragon.core.channels.ChannelFullException;
import io.dragon.core.channels.Gateway;
import io.dragon.core.channels.LocalChannel;
import io.dragon.core.infrastructure.Facts;
import io.dragon.core.infrastructure.Gpus;
import io.dragon.core.infrastructure.Ids;
import io.dragon.core.infrastructure.HostId;
import io.dragon.core.infrastructure.LaunchParameters;
import io.dragon.core.memory.AllocationTooLargeException;
import io.dragon.core.memory.MemoryPool;
import io.dragon.core.memory.PoolFullException;
import io.dragon.core.messages.MalformedMessageException;
import io.dragon.core.messages.Message;
import io.dragon.core.messages.MessageChannel;
import io.dragon.core.messages.Messages.AbnormalTermination;
import io.dragon.core.messages.Messages.LAChannelsInfo;
import io.dragon.core.messages.Messages.ProcessSpec;
import io.dragon.core.messages.Messages.SHChannelCreate;
import io.dragon.core.messages.Messages.SHChannelCreateResponse;
import io.dragon.core.messages.Messages.SHChannelDestroy;
import io.dragon.core.messages.Messages.SHChannelDestroyResponse;
import io.dragon.core.messages.Messages.SHChannelsUp;
import io.dragon.core.messages.Messages.SHFwdInput;
import io.dragon.core.messages.Messages.SHHaltBE;
import io.dragon.core.messages.Messages.SHIsUp;
import io.dragon.core.messages.Messages.SHPoolCreate;
import io.dragon.core.messages.Messages.SHPoolCreateResponse;
import io.dragon.core.messages.Messages.SHPoolDestroy;
import io.dragon.core.messages.Messages.SHPoolDestroyResponse;
import io.dragon.core.messages.Messages.SHProcessCreate;
import io.dragon.core.messages.Messages.SHProcessCreateResponse;
import io.dragon.core.messages.Messages.SHProcessKill;
import io.dragon.core.messages.Messages.SHProcessKillResponse;
import io.dragon.core.messages.Messages.SHReplyChannel;
import io.dragon.core.messages.Messages.SHTeardown;
import io.dragon.core.messages.Messages.SHTraceEvents;
import io.dragon.core.messages.Messages.StdStream;
import io.dragon.core.messages.Messages.StreamKind;
import io.dragon.core.messages.Messages.TraceEvent;
import io.dragon.core.messages.PipeCodec;
import io.dragon.core.messages.Response;
import io.dragon.core.shm.CpuAffinity;
import io.dragon.core.shm.SharedMemory;
import io.dragon.core.shm.Signals;
import java.io.DataInputStream;
import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Local Services (the shepherd): one per node, a {@link ServiceThread} of the node's runtime JVM (the launcher's on
 * a single node, the launcher backend's on each node of a multi-node run). It owns the node's pools and
 * infrastructure channels, starts every managed process of the node and forwards their output, and on the primary
 * node starts Global Services.
 *
 * <p>Bringup follows the single-node sequence of the original runtime: SHIsUp on its pipe, pools and channels made,
 * SHChannelsUp on its pipe, every node's channels (LAChannelsInfo) read, Global Services started, then the main loop
 * on its channel until SHTeardown. If its parent closes the pipe it reads (the launcher, or the backend, has
 * failed), the node tears itself down.
 */
public final class LocalServices implements ManagedProcess.Owner {
    private static final Logger LOG = LogManager.getLogger(LocalServices.class);
    private static final long STOP_GRACE_MS = 2_000;
    private static final int RETURN_CHANNEL_CAPACITY = 16;
    private static final int RETURN_CHANNEL_BLOCK = 512;
    /** How long a send of another thread than the main one waits at a time, so that teardown can come between. */
    private static final long SEND_SLICE_MS = 100;
    private static final File DEV_NULL = new File("/dev/null");
    /** The file type bits of a {@code unix:mode}, and the type of a FIFO (stat(2)). */
    private static final int S_IFMT = 0170000;
    private static final int S_IFIFO = 0010000;

    private final LaunchParameters params;
    private final DataInputStream launcherPipe;
    private final OutputStream pipe;
    private final String hostname = HostId.hostname();
    private final AtomicLong tags = new AtomicLong();
    private final Map<Long, ManagedProcess> processes = new ConcurrentHashMap<>();
    /**
     * Threads that report exits of managed processes (reused: a process launch costs no thread here), logging to
     * this service's log although the JDK's process reaper makes them.
     */
    private final ExecutorService exitWaiters = Executors.newCachedThreadPool(ServiceLogging.loggingHere(runnable -> {
        Thread thread = new Thread(runnable, "exit-waiter");
        thread.setDaemon(true);
        return thread;
    }));
    /** Pools of this node by m_uid: the two made at bringup and those users asked for. */
    private final Map<Long, MemoryPool> pools = new ConcurrentHashMap<>();
    /** User channels made here for Global Services, by c_uid. */
    private final Map<Long, LocalChannel> channels = new ConcurrentHashMap<>();
    private final ReplyChannels replyChannels = new ReplyChannels();
    /**
     * Threads other than the main one (output pumps, exit reports) that use the pools' memory: at teardown the
     * pools are destroyed, and so unmapped, only once none of them is inside.
     */
    private final MemoryUsers memoryUsers = new MemoryUsers(this::destroyPools);
    private MemoryPool infraPool;
    /** This node's GPUs, found at bringup. */
    private List<Gpu> gpus = List.of();
    private MessageChannel inbox;
    private MessageChannel gs;
    private MessageChannel launcher;
    /** Global Services, on the primary node, once every node's channels are known; null elsewhere. */
    private ServiceThread globalServices;
    /** Parameters of the node's managed processes: the launch parameters plus the infrastructure descriptors. */
    private LaunchParameters processParams;
    private volatile boolean tearingDown;
    /** Our parent, the launcher or the node's backend, has died: nobody reads the launcher channel any more. */
    private volatile boolean launcherGone;

    private LocalServices(LaunchParameters params, InputStream launcherPipe, OutputStream pipe) {
        this.params = params;
        this.launcherPipe = new DataInputStream(launcherPipe);
        this.pipe = pipe;
    }

    /**
     * Starts Local Services of node {@code params.nodeIndex()} on a thread of this JVM. Its parent reads SHIsUp and
     * SHChannelsUp from the process's input stream and writes LAChannelsInfo (every node's channels) to its output
     * stream, which it closes when it lets go of the node.
     */
    public static ServiceThread start(LaunchParameters params) {
        return ServiceThread.start("local-services", (in, out) -> {
            ServiceLogging.logThisThreadTo(params.logDir(), "local-services-" + HostId.hostname());
            return new LocalServices(params, in, out).run();
        });
    }

    /**
     * Runs until teardown. A failure is reported to the launcher if the launcher channel is up already, and thrown
     * on, so that the parent learns it from {@link ServiceThread#failure()} also during bringup.
     */
    int run() throws Exception {
        // SIGTERM (Slurm cancelling the step, say) must not leave the node's segments behind.
        Runtime.getRuntime().addShutdownHook(new Thread(this::unlinkPools, "unlink-pools"));
        try {
            bringup();
            watchLauncher();
            serve();
            return 0;
        } catch (Exception e) {
            reportAbnormal("Local Services on " + hostname + " failed: " + ServiceThread.reason(e));
            throw e;
        } finally {
            teardown();
        }
    }

    /**
     * Makes the node's pools and channels (Global Services' on the primary node only), reports them, learns every
     * node's channels from the launcher (LAChannelsInfo), and starts Global Services on the primary node.
     */
    private void bringup() throws IOException, InterruptedException {
        long start = TraceRecorder.now();
        sendOnPipe(new SHIsUp(tags.incrementAndGet(), hostname, params.nodeIndex()));
        LOG.info("Local Services of runtime {} up on {} (node {} of {})", params.runtimeId(), hostname,
            params.nodeIndex(), params.nodeCount());

        infraPool = createPool(Ids.infraPoolMuid(params.nodeIndex()), params.infraPoolSize());
        MemoryPool defaultPool = createPool(Ids.defaultPoolMuid(params.nodeIndex()), params.defaultPoolSize());
        inbox = infraChannel(params.localServicesCuid());
        MessageChannel globalServicesHere = params.nodeIndex() == 0 ? infraChannel(params.globalServicesCuid()) : null;
        launcher = infraChannel(Ids.LAUNCHER_CUID);
        MessageChannel gateway = infraChannel(Ids.GATEWAY_CUID);
        gpus = Gpus.detect();
        SHChannelsUp channelsUp = new SHChannelsUp(tags.incrementAndGet(), hostname, params.nodeIndex(), HostId.cpus(),
            gpus, inbox.channel().serialize(),
            globalServicesHere == null ? null : globalServicesHere.channel().serialize(),
            launcher.channel().serialize(), infraPool.descriptor().serialize(), defaultPool.descriptor().serialize(),
            gateway.channel().serialize());
        sendOnPipe(channelsUp);
        TraceRecorder.slice(params.nodeIndex(), TraceRecorder.LOCAL_SERVICES, "create-pools-and-channels", start);
        long channelsSent = TraceRecorder.now();
        Message info = PipeCodec.read(launcherPipe);
        TraceRecorder.slice(params.nodeIndex(), TraceRecorder.LOCAL_SERVICES, "await-every-node", channelsSent);
        if (!(info instanceof LAChannelsInfo nodes)) {
            throw new IllegalStateException("expected LAChannelsInfo from the launcher, got " + info.type());
        }
        boolean multiNode = nodes.nodes().size() > 1;
        if (multiNode) {
            Gateway.install(channelsUp.gwChannel());
        }
        byte[] globalServicesChannel = nodes.nodes().get(0).globalServicesChannel();
        gs = MessageChannel.attach(globalServicesChannel);
        processParams = params.withInfrastructure(globalServicesChannel, channelsUp.localServicesChannel(),
            channelsUp.launcherChannel(), channelsUp.infraPool(), channelsUp.defaultPool(),
            multiNode ? channelsUp.gwChannel() : null);
        if (params.nodeIndex() == 0) {
            startGlobalServices(nodes);
        }
        LOG.info("every node's channels known; entering the main loop");
    }

    private MemoryPool createPool(long muid, long size) {
        MemoryPool pool = MemoryPool.create(params.runtimeId(), muid, size);
        pools.put(muid, pool);
        LOG.info("created {}", pool);
        return pool;
    }

    private MessageChannel infraChannel(long cuid) {
        return new MessageChannel(Channel.create(infraPool, cuid, Facts.INFRA_CHANNEL_CAPACITY,
            Facts.INFRA_CHANNEL_BLOCK_SIZE));
    }

    /** Starts Global Services, on this JVM, with every node's channels. */
    private void startGlobalServices(LAChannelsInfo nodes) {
        ServiceThread service = GlobalServices.start(params.withPuid(Ids.GLOBAL_SERVICES_PUID), nodes);
        globalServices = service;
        service.onExit().thenAccept(p -> {
            // Exit code 0 comes only after GSHalted: a normal end, perhaps seen before our SHTeardown arrives.
            if (!tearingDown && p.exitValue() != 0) {
                reportAbnormal("Global Services on " + hostname + " failed: " + service.why() + " (its log is"
                    + " global-services.log in " + params.logDir() + ")");
            }
        });
    }

    /**
     * Tears the node down if our parent closes the pipe we read (or its thread dies): it has failed, and nobody
     * reads the launcher channel any more.
     */
    private void watchLauncher() {
        Thread watch = new Thread(() -> {
            try {
                while (launcherPipe.read() >= 0) {
                    // nothing else comes on the pipe after LAChannelsInfo
                }
            } catch (IOException e) {
                // a pipe whose writer died: the same
            }
            launcherGone = true;
            if (!tearingDown) {
                LOG.error("our parent (the launcher, or the node's backend) has let go; tearing down this node");
                tearingDown = true;
            }
        }, "launcher-watch");
        watch.setDaemon(true);
        watch.start();
    }

    private void serve() throws InterruptedException {
        while (!tearingDown) {
            Message message;
            try {
                message = inbox.recv(100, TimeUnit.MILLISECONDS);
            } catch (MalformedMessageException e) {
                LOG.error("dropped a malformed message on channel {}: {}", inbox.cuid(), e.getMessage());
                continue;
            }
            if (message == null) {
                continue;
            }
            LOG.debug("received {}", message);
            if (message instanceof SHProcessCreate create) {
                createProcess(create);
            } else if (message instanceof SHReplyChannel registration) {
                replyChannels.add(registration);
            } else if (message instanceof SHFwdInput input) {
                ManagedProcess process = processes.get(input.tPuid());
                if (process != null) {
                    process.input(input.data(), input.eof());
                }
            } else if (message instanceof SHProcessKill kill) {
                killProcess(kill);
            } else if (message instanceof SHChannelCreate create) {
                gs.send(createChannel(create));
            } else if (message instanceof SHChannelDestroy destroy) {
                gs.send(destroyChannel(destroy));
            } else if (message instanceof SHPoolCreate create) {
                gs.send(createPool(create));
            } else if (message instanceof SHPoolDestroy destroy) {
                gs.send(destroyPool(destroy));
            } else if (message instanceof SHTeardown) {
                LOG.info("teardown requested");
                return;
            } else {
                LOG.warn("ignored unexpected {} on channel {}", message.type(), inbox.cuid());
            }
        }
    }

    private void createProcess(SHProcessCreate request) throws InterruptedException {
        ProcessSpec spec = request.spec();
        Channel returnChannel = Channel.create(infraPool, request.returnCuid(), RETURN_CHANNEL_CAPACITY,
            RETURN_CHANNEL_BLOCK);
        List<String> command = new ArrayList<>();
        command.add(spec.exe());
        command.addAll(spec.args());
        ProcessBuilder builder = new ProcessBuilder(command);
        // Local Services is started without the job's secret and key; should that ever change, still none of
        // them reaches a user's process (a program may print its environment).
        LinkSecurity.removeFrom(builder.environment());
        if (spec.cwd() != null && !spec.cwd().isEmpty()) {
            builder.directory(new File(spec.cwd()));
        }
        builder.environment().putAll(spec.env());
        builder.environment().putAll(processParams.withPuid(request.tPuid())
            .withReturnChannel(returnChannel.serialize()).toEnvironment());
        SHProcessCreateResponse response;
        ManagedProcess managed = null;
        try {
            String node = "node " + params.nodeIndex() + " (" + hostname + ")";
            if (!spec.gpus().isEmpty()) {
                Map.Entry<String, String> visible = Gpus.visibleDevices(gpus, spec.gpus(), node, System.getenv());
                builder.environment().put(visible.getKey(), visible.getValue());
            }
            Executables.Lookup lookup = Executables.find(spec.exe(), builder.environment().get("PATH"));
            command.set(0, lookup.path().orElseThrow(() -> new IOException(lookup.problem())));
            redirect(builder, spec, request.tPuid());
            replyChannels.started(request.tPuid());
            // This thread starts every process: its CPU mask, which the child inherits, changes only here, and
            // only while the process starts (the threads that forward its output are not confined with it).
            managed = ManagedProcess.start(request.tPuid(), spec, () -> CpuAffinity.confined(spec.cpus(), node,
                builder::start), hostname, launcher, gs, tags, exitWaiters, this);
            processes.put(request.tPuid(), managed);
            LOG.info("started p_uid {} (pid {}): {}", request.tPuid(), managed.pid(), command);
            response = new SHProcessCreateResponse(tags.incrementAndGet(), request.tag(), Response.SUCCESS, "",
                managed.pid(), returnChannel.serialize());
        } catch (IOException | RuntimeException e) {
            replyChannels.exited(request.tPuid());
            returnChannel.destroy();
            String why = "cannot start " + spec.exe() + " on " + hostname + ": " + e.getMessage();
            LOG.warn(why);
            response = new SHProcessCreateResponse(tags.incrementAndGet(), request.tag(), Response.FAIL, why, -1,
                null);
        }
        gs.send(response);
        if (managed != null) {
            managed.announced(); // its exit may be reported now: Global Services knows it runs
        }
    }

    /**
     * Points the standard streams of process {@code puid} where {@code spec} says; the others are pipes of ours
     * (output forwarded to the launcher or the parent, input from the launcher for the head or from the parent).
     *
     * @throws IOException naming the file and stream if a file cannot be opened
     */
    private void redirect(ProcessBuilder builder, ProcessSpec spec, long puid) throws IOException {
        StdStream stdin = spec.stdin();
        if (stdin == null ? !spec.head() : stdin.kind() == StreamKind.DISCARD) {
            builder.redirectInput(ProcessBuilder.Redirect.from(DEV_NULL));
        } else if (stdin != null && stdin.kind() == StreamKind.FILE) {
            File file = file(builder, stdin, puid);
            if (!file.isFile() || !file.canRead()) {
                throw new IOException("cannot read " + file + " for stdin: " + (file.exists() ? "not a readable"
                    + " file" : "no such file"));
            }
            builder.redirectInput(file);
        }
        builder.redirectOutput(output(builder, spec.stdout(), puid, "stdout"));
        builder.redirectError(output(builder, spec.stderr(), puid, "stderr"));
        // one file for both, as 2>&1: opened twice, each stream would overwrite the other's output
        builder.redirectErrorStream(builder.redirectOutput().file() != null
            && builder.redirectOutput().file().equals(builder.redirectError().file()));
    }

    private ProcessBuilder.Redirect output(ProcessBuilder builder, StdStream stream, long puid, String which)
        throws IOException {
        if (stream == null || stream.kind() == StreamKind.PIPE) {
            return ProcessBuilder.Redirect.PIPE;
        } else if (stream.kind() == StreamKind.DISCARD) {
            return ProcessBuilder.Redirect.DISCARD;
        }
        File file = file(builder, stream, puid);
        checkWritable(file, which);
        return ProcessBuilder.Redirect.to(file);
    }

    /**
     * Opens {@code file} for output {@code which} as the start would (creating or emptying it), to say which stream
     * failed. A FIFO is refused first: opening one waits for a reader, on the thread that serves the node.
     *
     * @throws IOException naming the file and the stream
     */
    static void checkWritable(File file, String which) throws IOException {
        int mode;
        try {
            mode = (Integer) Files.getAttribute(file.toPath(), "unix:mode");
        } catch (IOException | UnsupportedOperationException e) {
            mode = 0; // not there yet (it is made), or a file system that does not say: as before
        }
        if ((mode & S_IFMT) == S_IFIFO) {
            throw new IOException("cannot write " + file + " for " + which + ": a FIFO, which would keep Local"
                + " Services waiting for a reader");
        }
        try {
            new FileOutputStream(file).close();
        } catch (IOException e) {
            throw new IOException("cannot write " + file + " for " + which + ": " + e.getMessage(), e);
        }
    }

    /** The file of {@code stream} for process {@code puid}: a relative name is in its working directory. */
    private File file(ProcessBuilder builder, StdStream stream, long puid) {
        File file = new File(stream.fileName(puid, hostname));
        return file.isAbsolute() || builder.directory() == null ? file.getAbsoluteFile()
            : new File(builder.directory(), file.getPath()).getAbsoluteFile();
    }

    /**
     * Sends for another thread than the main one, in slices while the channel is full, as long as the pools are
     * there: false once teardown has begun to free them.
     */
    @Override
    public boolean send(MessageChannel channel, Message message) throws InterruptedException {
        for (;;) {
            if (!memoryUsers.enter()) {
                return false;
            }
            try {
                channel.send(message, SEND_SLICE_MS, TimeUnit.MILLISECONDS);
                return true;
            } catch (ChannelFullException e) {
                // still full: try again, after letting teardown in
            } finally {
                memoryUsers.exit();
            }
        }
    }

    @Override
    public boolean enterMemory() {
        return memoryUsers.enter();
    }

    @Override
    public void exitMemory() {
        memoryUsers.exit();
    }

    /** A managed process has ended: its reply channels go (those of what it started once that has ended too). */
    @Override
    public void ended(ManagedProcess process) {
        if (TraceRecorder.enabled()) {
            TraceRecorder.slice(params.nodeIndex(), TraceRecorder.processTrack(process.puid()), process.name(),
                process.startedAt(), process.exitedAt(), "p_uid", process.puid(), "pid", process.pid(), "exit_code",
                process.exitCode());
        }
        processes.remove(process.puid(), process);
        if (memoryUsers.enter()) {
            try {
                replyChannels.exited(process.puid());
            } finally {
                memoryUsers.exit();
            }
        }
    }

    private void killProcess(SHProcessKill request) throws InterruptedException {
        ManagedProcess process = processes.get(request.tPuid());
        boolean sent = process != null && process.isAlive() && process.signal(request.signal());
        gs.send(new SHProcessKillResponse(tags.incrementAndGet(), request.tag(),
            sent ? Response.SUCCESS : Response.NOT_FOUND, sent ? "" : "p_uid " + request.tPuid()
                + " is not running on " + hostname));
    }

    private SHChannelCreateResponse createChannel(SHChannelCreate request) {
        MemoryPool pool = pools.get(request.muid());
        try {
            if (pool == null) {
                throw new IllegalArgumentException("no pool with m_uid " + request.muid() + " on " + hostname);
            }
            LocalChannel channel = Channel.create(pool, request.cuid(), request.capacity(), request.blockSize());
            channels.put(request.cuid(), channel);
            LOG.debug("created {}", channel);
            return new SHChannelCreateResponse(tags.incrementAndGet(), request.tag(), Response.SUCCESS, "",
                channel.serialize());
        } catch (PoolFullException | AllocationTooLargeException e) {
            return new SHChannelCreateResponse(tags.incrementAndGet(), request.tag(), Response.FAIL,
                "cannot create channel " + request.cuid() + ": " + e.getMessage() + poolSizeHint(request.muid()),
                null);
        } catch (RuntimeException e) {
            return new SHChannelCreateResponse(tags.incrementAndGet(), request.tag(), Response.FAIL,
                "cannot create channel " + request.cuid() + ": " + e.getMessage(), null);
        }
    }

    private SHChannelDestroyResponse destroyChannel(SHChannelDestroy request) {
        LocalChannel channel = channels.remove(request.cuid());
        if (channel == null) {
            return new SHChannelDestroyResponse(tags.incrementAndGet(), request.tag(), Response.NOT_FOUND,
                "no channel " + request.cuid() + " on " + hostname);
        }
        if (channel.pool().isMapped()) {
            channel.destroy();
        }
        return new SHChannelDestroyResponse(tags.incrementAndGet(), request.tag(), Response.SUCCESS, "");
    }

    private SHPoolCreateResponse createPool(SHPoolCreate request) {
        try {
            MemoryPool pool = createPool(request.muid(), request.size());
            return new SHPoolCreateResponse(tags.incrementAndGet(), request.tag(), Response.SUCCESS, "",
                pool.descriptor().serialize());
        } catch (RuntimeException e) {
            return new SHPoolCreateResponse(tags.incrementAndGet(), request.tag(), Response.FAIL,
                "cannot create a pool of " + request.size() + " bytes on " + hostname + ": " + e.getMessage(), null);
        }
    }

    private SHPoolDestroyResponse destroyPool(SHPoolDestroy request) {
        MemoryPool pool = pools.remove(request.muid());
        if (pool == null) {
            return new SHPoolDestroyResponse(tags.incrementAndGet(), request.tag(), Response.NOT_FOUND,
                "no pool " + request.muid() + " on " + hostname);
        }
        channels.values().removeIf(channel -> channel.pool() == pool);
        pool.destroy();
        LOG.info("destroyed {}", pool);
        return new SHPoolDestroyResponse(tags.incrementAndGet(), request.tag(), Response.SUCCESS, "");
    }

    /** How to get a bigger pool, for errors about full node pools. */
    private String poolSizeHint(long muid) {
        if (muid == Ids.defaultPoolMuid(params.nodeIndex())) {
            return " (the default pool has " + params.defaultPoolSize() + " bytes: start dragon with a larger"
                + " --pool-size, or destroy objects you no longer need)";
        }
        return " (create a larger pool, or destroy objects you no longer need)";
    }

    private void reportAbnormal(String why) {
        tearingDown = true;
        if (launcher != null && memoryUsers.enter()) {
            try {
                launcher.send(new AbnormalTermination(tags.incrementAndGet(), why), 1, TimeUnit.SECONDS);
            } catch (InterruptedException | RuntimeException e) {
                LOG.warn("cannot tell the launcher: {}", e.toString());
            } finally {
                memoryUsers.exit();
            }
        }
    }

    /**
     * Stops every process, flushes their output, tells the launcher, then frees the node's shared memory once no
     * other thread uses it (an output pump may be in a send to a full launcher channel: it gives up within a
     * slice). If one still does after the grace period, the pools' names are removed and their memory stays
     * mapped until this process exits.
     */
    private void teardown() {
        tearingDown = true;
        long start = TraceRecorder.now();
        try {
            stopProcesses();
            TraceRecorder.slice(params.nodeIndex(), TraceRecorder.LOCAL_SERVICES, "stop-processes", start);
            if (launcher != null && !launcherGone) {
                sendTrace(start);
                launcher.send(new SHHaltBE(tags.incrementAndGet()), 1, TimeUnit.SECONDS);
                awaitDrained(launcher.channel());
            } else if (launcher != null) {
                LOG.warn("not telling the launcher that this node halted: it has let go");
            }
        } catch (InterruptedException | RuntimeException e) {
            LOG.warn("teardown incomplete: {}", e.toString());
        } finally {
            freePools();
            stopGlobalServices();
            LOG.info("Local Services on {} halted", hostname);
        }
    }

    private void freePools() {
        memoryUsers.close();
        try {
            if (memoryUsers.awaitUnmapped(STOP_GRACE_MS, TimeUnit.MILLISECONDS)) {
                return;
            }
            LOG.warn("a thread still uses the pools after {} ms; removing their names, leaving them mapped",
                STOP_GRACE_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        unlinkPools();
    }

    /**
     * At JVM exit by a signal: removes the pools' names, so that nothing is left in /dev/shm, but leaves their
     * memory mapped, since other threads may still be using it until the JVM halts.
     */
    private void unlinkPools() {
        for (MemoryPool pool : pools.values()) {
            try {
                SharedMemory.unlink(pool.descriptor().segmentName());
            } catch (RuntimeException e) {
                LOG.warn("cannot remove {}: {}", pool, e.getMessage());
            }
        }
    }

    /** Destroys every pool, going on past one that fails (so that Global Services is still stopped after). */
    private synchronized void destroyPools() {
        for (MemoryPool pool : pools.values()) {
            try {
                pool.destroy();
                LOG.info("destroyed {}", pool);
            } catch (RuntimeException e) {
                LOG.warn("cannot destroy {}: {}", pool, e.getMessage());
            }
        }
        pools.clear();
    }

    /** SIGTERM to every live process at once, SIGKILL to what is left after the grace period. */
    private void stopProcesses() throws InterruptedException {
        List<ManagedProcess> live = processes.values().stream().filter(ManagedProcess::isAlive).toList();
        for (ManagedProcess process : live) {
            LOG.info("stopping p_uid {} (pid {})", process.puid(), process.pid());
            process.terminate();
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STOP_GRACE_MS);
        for (ManagedProcess process : live) {
            if (!process.awaitExit(Math.max(0, deadline - System.nanoTime()))) {
                LOG.warn("p_uid {} (pid {}) ignored SIGTERM for {} ms; killing it", process.puid(), process.pid(),
                    STOP_GRACE_MS);
            }
            process.kill();
        }
        // Whatever escaped its parent's tree (a daemon, an orphan) still carries the runtime id and a user p_uid.
        NodeCleanup.programPidsOf(params.runtimeId()).forEach(pid -> {
            LOG.info("killing process {}, left behind by a managed process", pid);
            Signals.kill(pid, Signals.SIGKILL);
        });
        for (ManagedProcess process : processes.values()) {
            process.awaitOutput(STOP_GRACE_MS);
        }
    }

    /**
     * With {@code dragon --trace}: once every process's end is recorded, the node's timeline (the events of every
     * service of this JVM, Global Services' too, which halted before SHTeardown) goes to the launcher, before
     * SHHaltBE.
     */
    private void sendTrace(long teardownStart) throws InterruptedException {
        if (!TraceRecorder.enabled()) {
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STOP_GRACE_MS);
        while (!processes.isEmpty() && System.nanoTime() - deadline < 0) {
            Thread.sleep(1); // their exit reports are on their way: they were stopped and their output is in
        }
        TraceRecorder.slice(params.nodeIndex(), TraceRecorder.LOCAL_SERVICES, "teardown", teardownStart);
        List<TraceEvent> events = TraceRecorder.drain();
        try {
            for (int from = 0; from < events.size(); from += SHTraceEvents.MAX_EVENTS) {
                launcher.send(new SHTraceEvents(tags.incrementAndGet(), params.nodeIndex(), hostname, events.subList(
                    from, Math.min(events.size(), from + SHTraceEvents.MAX_EVENTS))), 1, TimeUnit.SECONDS);
            }
        } catch (RuntimeException e) {
            // a trace is not worth a teardown: SHHaltBE must still go
            LOG.warn("cannot send the node's trace to the launcher: {}", e.toString());
        }
    }

    /** Global Services normally halted before SHTeardown; after a failure it may still run. */
    private void stopGlobalServices() {
        try {
            if (globalServices != null && !globalServices.waitFor(STOP_GRACE_MS, TimeUnit.MILLISECONDS)) {
                LOG.warn("Global Services did not end; interrupting it");
                globalServices.destroy();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Gives the launcher a moment to read what is left in its channel before the memory goes away. */
    private static void awaitDrained(Channel channel) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (channel.size() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        if (channel.size() > 0) {
            LOG.warn("the launcher channel still holds {} messages: nobody took them within 5 s", channel.size());
        }
    }

    private synchronized void sendOnPipe(Message message) throws IOException {
        PipeCodec.write(pipe, message);
    }
}
