package io.dragon.backend.launcher;

import io.dragon.backend.ServiceLogging;
import io.dragon.backend.ServiceThread;
import io.dragon.backend.cleanup.NodeCleanup;
import io.dragon.backend.cleanup.Watchdog;
import io.dragon.backend.net.LinkSecurity;
import io.dragon.backend.net.NetworkPrefix;
import io.dragon.backend.trace.TraceRecorder;
import io.dragon.backend.transport.OfiTransportAgent;
import io.dragon.backend.transport.TcpTransportAgent;
import io.dragon.backend.transport.TransportAgent;
import io.dragon.backend.tree.TreeNode;
import io.dragon.backend.tree.TreeShape;
import io.dragon.core.infrastructure.HostId;
import io.dragon.core.infrastructure.LaunchParameters;
import io.dragon.core.infrastructure.Settings;
import io.dragon.core.messages.MalformedMessageException;
import io.dragon.core.messages.Message;
import io.dragon.core.messages.MessageChannel;
import io.dragon.core.messages.MessageCodec;
import io.dragon.core.messages.Messages.AbnormalTermination;
import io.dragon.core.messages.Messages.BEForward;
import io.dragon.core.messages.Messages.BENodeUp;
import io.dragon.core.messages.Messages.LAChannelsInfo;
import io.dragon.core.messages.Messages.SHChannelsUp;
import io.dragon.core.messages.Messages.SHHaltBE;
import io.dragon.core.messages.Messages.SHIsUp;
import io.dragon.core.messages.Messages.SHTeardown;
import io.dragon.core.messages.PipeCodec;
import io.dragon.core.shm.ObjectGoneException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The launcher backend of one node: a member of the fan-out tree, the parent of the node's Local Services (a thread
 * of the same JVM), and the host of the node's transport agent. It reports the node's channels up the tree, hands
 * Local Services every node's channels, then relays: messages on the node's launcher channel go up the tree (the
 * node's SHHaltBE into the reduction that ends the runtime, after the node's log files: LogGathering), messages the
 * frontend forwards to this node go to its services.
 */
final class Backend {
    /** Reduction of every node's channels and transport agent (BENodeUp). */
    static final long NODES_UP = 1;
    /** Reduction of every node's SHHaltBE. */
    static final long HALTED = 2;
    static final String ROOT_VARIABLE = Settings.Variable.DRAGON_TREE_ROOT.name();
    static final String FANOUT_VARIABLE = Settings.Variable.DRAGON_TREE_FANOUT.name();

    private static final Logger LOG = LogManager.getLogger(Backend.class);
    private static final long EXIT_WAIT_MS = 10_000;
    private static final long DRAIN_WAIT_MS = 1_000;

    private final LaunchParameters params;
    private final ServiceThread localServices;
    private final Watchdog watchdog;
    private final Map<String, String> env;
    private final String hostname = HostId.hostname();
    private final BlockingQueue<Message> fromFrontend = new LinkedBlockingQueue<>();
    private final LinkSecurity security;
    private final Transport transport;
    private TcpTransportAgent tcp;
    private OfiTransportAgent ofi;
    private volatile boolean halted;

    Backend(LaunchParameters params, ServiceThread localServices, Watchdog watchdog, Map<String, String> env) {
        this.params = params;
        this.localServices = localServices;
        this.watchdog = watchdog;
        this.env = env;
        this.security = LinkSecurity.fromEnvironment(env);
        this.transport = Transport.parse(env.getOrDefault(Transport.VARIABLE, Settings.TRANSPORT_DEFAULT));
    }

    int run() {
        int nodeIndex = params.nodeIndex();
        if (TraceRecorder.enabled()) {
            TraceRecorder.slice(nodeIndex, TraceRecorder.BACKEND, "start-jvm", TraceRecorder.jvmStart());
        }
        long start = TraceRecorder.now();
        TreeNode tree = null;
        CompletableFuture<String> fabric = CompletableFuture.completedFuture("");
        try {
            String here = NetworkPrefix.address(env.get(NetworkPrefix.VARIABLE));
            // The agents start while Local Services does; opening a fabric endpoint loads libfabric and probes
            // its providers, which takes a few hundred ms: auto does it only where there is fabric hardware, or
            // a provider was named.
            if (transport == Transport.OFI || transport == Transport.AUTO && (FabricDevices.find().isPresent()
                || !env.getOrDefault(Transport.PROVIDER_VARIABLE, "").isEmpty())) {
                fabric = CompletableFuture.supplyAsync(() -> startFabricAgent(here));
            } else if (transport == Transport.AUTO) {
                fabric = CompletableFuture.completedFuture("no fabric device (looked for " + FabricDevices.places()
                    + ")");
            }
            tcp = TcpTransportAgent.start(security, here);
            tree = joinTree(here);
            TraceRecorder.slice(nodeIndex, TraceRecorder.BACKEND, "join-tree", start);
            BringupPipe pipe = new BringupPipe(localServices, "Local Services on " + hostname);
            pipe.expect(SHIsUp.class, Launcher.BRINGUP_TIMEOUT_MS);
            SHChannelsUp channels = pipe.expect(SHChannelsUp.class, Launcher.BRINGUP_TIMEOUT_MS);
            String fabricReport = fabric.join();
            tree.contribute(NODES_UP, new BENodeUp(0, channels, tcp.address(), ofi == null ? "" : ofi.address(),
                fabricReport));
            long contributed = TraceRecorder.now();
            LAChannelsInfo nodes = awaitChannelsInfo();
            TraceRecorder.slice(nodeIndex, TraceRecorder.BACKEND, "await-every-node", contributed);
            long connecting = TraceRecorder.now();
            TransportAgent agent;
            if (nodes.transport().equals("ofi")) {
                agent = ofi;
                tcp.close();
                tcp = null;
            } else {
                agent = tcp;
                closeFabricAgent();
            }
            agent.connect(channels.gwChannel(), nodes.nodes().stream().map(node -> HostId.of(node.hostname()))
                .toList(), nodes.nodes().stream().map(node -> node.hostname()).toList(), nodes.transportAgents());
            TraceRecorder.slice(nodeIndex, TraceRecorder.BACKEND, "connect-transport", connecting);
            PipeCodec.write(localServices.getOutputStream(), nodes);
            relay(tree, nodes, channels);
            return 0;
        } catch (Exception e) {
            LOG.error("the backend on {} failed: {}", hostname, e.toString(), e);
            System.err.println("dragon: the backend on " + hostname + " failed: " + e.getMessage() + " (logs in "
                + params.logDir() + ")");
            if (tree != null && !halted) {
                tree.sendUp(new AbnormalTermination(0, "the backend on " + hostname + " failed: " + e.getMessage()));
            }
            return 1;
        } finally {
            shutDown(tree, fabric);
        }
    }

    /** Ends the node's part: every step runs even if one before it fails, so that nothing is left open. */
    private void shutDown(TreeNode tree, CompletableFuture<String> fabric) {
        step("stopping Local Services", this::stopLocalServices);
        step("closing the TCP transport agent", () -> {
            if (tcp != null) {
                tcp.close();
            }
        });
        step("closing the fabric transport agent", () -> {
            fabric.exceptionally(e -> "").join();
            closeFabricAgent();
        });
        if (tree != null) {
            step("leaving the tree", tree::close);
        }
        LOG.info("backend on {} exits", hostname);
    }

    private static void step(String what, Runnable action) {
        try {
            action.run();
        } catch (RuntimeException e) {
            LOG.warn("{} failed: {}", what, e.toString(), e);
        }
    }

    /** The node's fabric agent, if libfabric can be used here: its provider and interface, or why not. */
    private String startFabricAgent(String here) {
        try {
            ofi = OfiTransportAgent.start(security.key("fabric"), env.getOrDefault(Transport.PROVIDER_VARIABLE, ""),
                transport == Transport.OFI, here);
            return ofi.fabric();
        } catch (IllegalStateException e) {
            LOG.info("no fabric transport agent on {}: {}", hostname, e.getMessage());
            return e.getMessage();
        }
    }

    private void closeFabricAgent() {
        if (ofi != null) {
            ofi.close();
            ofi = null;
        }
    }

    private TreeNode joinTree(String here) throws InterruptedException {
        String[] root = env.getOrDefault(ROOT_VARIABLE, "").split(":");
        if (root.length != 2) {
            throw new IllegalStateException(ROOT_VARIABLE + " must be set by the launcher");
        }
        TreeShape shape = new TreeShape(params.nodeCount(),
            Integer.parseInt(env.getOrDefault(FANOUT_VARIABLE, Settings.TREE_FANOUT_DEFAULT)));
        return TreeNode.backend(shape, TreeShape.position(params.nodeIndex()), security,
            new InetSocketAddress(root[0], Integer.parseInt(root[1])), here, hostname, new TreeNode.Listener() {
                @Override
                public void onDown(Message message) {
                    fromFrontend.add(message);
                }

                @Override
                public void onLost(String what) {
                    fromFrontend.add(new AbnormalTermination(0, "lost " + what));
                }
            });
    }

    private LAChannelsInfo awaitChannelsInfo() throws InterruptedException {
        Message message = fromFrontend.poll(Launcher.BRINGUP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        if (message instanceof LAChannelsInfo nodes) {
            return nodes;
        }
        throw new IllegalStateException("expected every node's channels from the frontend within "
            + Launcher.BRINGUP_TIMEOUT_MS + " ms, got " + message);
    }

    /** Relays until the runtime has halted and the frontend has let go (or is gone). */
    private void relay(TreeNode tree, LAChannelsInfo nodes, SHChannelsUp channels) throws InterruptedException {
        MessageChannel launcher = MessageChannel.attach(channels.launcherChannel());
        MessageChannel localServicesInbox = MessageChannel.attach(channels.localServicesChannel());
        MessageChannel globalServices = params.nodeIndex() == 0 ? MessageChannel.attach(nodes.nodes().get(0)
            .globalServicesChannel()) : null;
        Thread up = new Thread(() -> relayUp(tree, launcher), "relay-up");
        up.setDaemon(true);
        up.start();
        for (;;) {
            Message message = fromFrontend.poll(100, TimeUnit.MILLISECONDS);
            if (message instanceof BEForward forward && (forward.node() < 0 || forward.node() == params.nodeIndex())) {
                forward(forward, globalServices, localServicesInbox);
            } else if (message instanceof AbnormalTermination lost) {
                if (!halted) {
                    LOG.error("{} before the runtime halted; tearing this node down", lost.errInfo());
                    localServicesInbox.send(new SHTeardown(0), 1, TimeUnit.SECONDS);
                }
                return;
            } else if (!localServices.isAlive() && !halted && !drained(up)) {
                throw new IllegalStateException("Local Services failed: " + localServices.why() + " (" + (up.isAlive()
                    ? "" : "the relay up had ended; ") + "its log is local-services-" + hostname + ".log)");
            } else if (!watchdog.isAlive() && !halted) {
                throw new IllegalStateException(watchdog.death());
            }
        }
    }

    /**
     * Hands a message the frontend forwarded to this node's Local Services or Global Services. One that comes after
     * the node halted (the head's end of input, which the frontend reads on a thread of its own, may overtake
     * teardown) finds their channels gone with the node's pools, and is dropped.
     */
    private void forward(BEForward forward, MessageChannel globalServices, MessageChannel localServicesInbox)
        throws InterruptedException {
        Message inner = MessageCodec.decode(forward.message());
        try {
            (forward.toGlobalServices() ? globalServices : localServicesInbox).send(inner);
        } catch (ObjectGoneException e) {
            if (!halted) {
                throw e;
            }
            LOG.info("dropped {} from the frontend: it came after this node halted", inner.type());
        }
    }

    /**
     * Whether the node halted after all, once what Local Services wrote on the launcher channel before it exited
     * (why it ended, its SHHaltBE) has gone up: it may exit before the relay has read it.
     */
    private boolean drained(Thread up) throws InterruptedException {
        up.join(DRAIN_WAIT_MS);
        return halted;
    }

    /** The node's launcher channel, up the tree; SHHaltBE into the HALTED reduction. */
    private void relayUp(TreeNode tree, MessageChannel launcher) {
        try {
            while (!halted) {
                Message message;
                try {
                    message = launcher.recv(100, TimeUnit.MILLISECONDS);
                } catch (MalformedMessageException e) {
                    LOG.error("dropped a malformed message on the launcher channel: {}", e.getMessage());
                    continue;
                }
                if (message instanceof SHHaltBE) {
                    halted = true;
                    tree.ending();
                    // before the reduction, which they reach the frontend ahead of: it waits for nothing else
                    LogGathering.send(tree::sendUp, hostname, ServiceLogging.files());
                    tree.contribute(HALTED, message);
                    LOG.info("Local Services on {} halted; told the frontend", hostname);
                } else if (message != null) {
                    tree.sendUp(message);
                }
            }
        } catch (InterruptedException | RuntimeException e) {
            if (halted) {
                LOG.debug("relay up ended: {}", e.toString());
            } else {
                LOG.warn("relay up ended before Local Services halted: {}", e.toString(), e);
            }
        }
    }

    /**
     * Waits for Local Services to end (closing its pipe makes it tear the node down if it has not), then removes
     * whatever of the runtime is left on this node.
     */
    private void stopLocalServices() {
        try {
            localServices.getOutputStream().close();
            if (!localServices.waitFor(EXIT_WAIT_MS, TimeUnit.MILLISECONDS)) {
                LOG.warn("Local Services did not end; interrupting it");
                localServices.destroy();
                localServices.waitFor(EXIT_WAIT_MS, TimeUnit.MILLISECONDS);
            }
        } catch (IOException | InterruptedException e) {
            LOG.warn("stopping Local Services: {}", e.toString());
        }
        // After a failure of Local Services: its processes and segments (after a normal end: nothing).
        NodeCleanup.remove(params.runtimeId()).log(LOG);
    }
}
