package io.dragon.backend.globalservices;

import io.dragon.backend.ServiceLogging;
import io.dragon.backend.ServiceThread;
import io.dragon.backend.trace.TraceRecorder;
import io.dragon.core.infrastructure.Ids;
import io.dragon.core.infrastructure.LaunchParameters;
import io.dragon.core.messages.MalformedMessageException;
import io.dragon.core.messages.Message;
import io.dragon.core.messages.MessageChannel;
import io.dragon.core.messages.Messages.GSChannelCreate;
import io.dragon.core.messages.Messages.GSChannelDestroy;
import io.dragon.core.messages.Messages.GSChannelList;
import io.dragon.core.messages.Messages.GSChannelQuery;
import io.dragon.core.messages.Messages.GSIsUp;
import io.dragon.core.messages.Messages.GSNameBind;
import io.dragon.core.messages.Messages.GSNameLookup;
import io.dragon.core.messages.Messages.GSNameUnbind;
import io.dragon.core.messages.Messages.GSNodeList;
import io.dragon.core.messages.Messages.GSNodeListResponse;
import io.dragon.core.messages.Messages.GSPoolCreate;
import io.dragon.core.messages.Messages.GSPoolDestroy;
import io.dragon.core.messages.Messages.GSPoolList;
import io.dragon.core.messages.Messages.GSPoolQuery;
import io.dragon.core.messages.Messages.GSProcessCreate;
import io.dragon.core.messages.Messages.GSProcessJoin;
import io.dragon.core.messages.Messages.GSProcessKill;
import io.dragon.core.messages.Messages.GSProcessList;
import io.dragon.core.messages.Messages.GSProcessQuery;
import io.dragon.core.messages.Messages.GSTeardown;
import io.dragon.core.messages.Messages.LAChannelsInfo;
import io.dragon.core.messages.Messages.NodeInfo;
import io.dragon.core.messages.Messages.SHChannelsUp;
import io.dragon.core.messages.Messages.SHProcessExit;
import io.dragon.core.messages.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Global Services: the runtime's namespace of managed processes, channels, pools and named user objects. One thread
 * serves its channel and never blocks on another service (work that needs Local Services resumes when it answers,
 * see {@link Outbox}), so the tables need no locks.
 *
 * <p>Objects are not owned by whoever created them: they live until destroyed or until the runtime ends.
 */
public final class GlobalServices {
    /** The node Global Services runs on: the primary node. */
    static final int NODE = 0;
    private static final Logger LOG = LogManager.getLogger(GlobalServices.class);

    private final LaunchParameters params;
    private final MessageChannel inbox;
    private final Outbox outbox;
    private final ProcessTable processes;
    private final PoolTable pools;
    private final ChannelTable channels;
    private final NameTable names;
    private final List<NodeInfo> nodes = new ArrayList<>();
    /** c_uids of user channels and of processes' return channels. */
    private long nextCuid = Ids.FIRST_USER_ID;

    /** Global Services of the runtime whose nodes have these channels (by node index); it runs on node 0. */
    private GlobalServices(LaunchParameters params, List<SHChannelsUp> nodeChannels) {
        this.params = params;
        this.inbox = MessageChannel.attach(params.globalServicesChannel());
        this.outbox = new Outbox(inbox.cuid(),
            nodeChannels.stream().map(n -> MessageChannel.attach(n.localServicesChannel())).toList(),
            MessageChannel.attach(params.launcherChannel()));
        this.processes = new ProcessTable(outbox, nodeChannels.stream().map(SHChannelsUp::hostname).toList());
        this.pools = new PoolTable(outbox);
        this.channels = new ChannelTable(outbox, pools);
        this.names = new NameTable(outbox);
        for (SHChannelsUp node : nodeChannels) {
            nodes.add(new NodeInfo(node.nodeIndex(), node.hostname(), node.cpus(), node.gpus()));
            pools.addNodePool(node.infraPool(), "infrastructure-" + node.nodeIndex(), node.nodeIndex());
            pools.addNodePool(node.defaultPool(), "default-" + node.nodeIndex(), node.nodeIndex());
        }
    }

    /**
     * Starts Global Services on a thread of this JVM: Local Services of the primary node does, once it knows every
     * node's channels ({@code nodes}); it interrupts the thread (destroys the process) if it must end it.
     */
    public static ServiceThread start(LaunchParameters initial, LAChannelsInfo nodes) {
        SHChannelsUp primary = nodes.nodes().get(0);
        LaunchParameters params = initial.withInfrastructure(primary.globalServicesChannel(),
            primary.localServicesChannel(), primary.launcherChannel(), primary.infraPool(), primary.defaultPool(),
            null);
        return ServiceThread.start("global-services", (in, out) -> {
            ServiceLogging.logThisThreadTo(params.logDir(), "global-services");
            return new GlobalServices(params, nodes.nodes()).run();
        });
    }

    /** Runs until teardown, or until interrupted; a failure is thrown, for Local Services to report. */
    private int run() throws InterruptedException {
        LOG.info("Global Services of runtime {} is up on {} node(s)", params.runtimeId(), nodes.size());
        outbox.tellLauncher(new GSIsUp(outbox.nextTag()));
        TraceRecorder.instant(NODE, TraceRecorder.GLOBAL_SERVICES, "up");
        serve();
        long halting = TraceRecorder.now();
        outbox.tellLauncher(processes.halted());
        TraceRecorder.slice(NODE, TraceRecorder.GLOBAL_SERVICES, "halt", halting);
        LOG.info("Global Services halted");
        return 0;
    }

    private void serve() throws InterruptedException {
        long wait = 100;
        for (;;) {
            Message message;
            try {
                message = inbox.recv(wait, TimeUnit.MILLISECONDS);
            } catch (MalformedMessageException e) {
                LOG.error("dropped a malformed message on channel {}: {}", inbox.cuid(), e.getMessage());
                continue;
            }
            wait = processes.expireJoins();
            if (message == null) {
                continue;
            }
            LOG.debug("received {}", message);
            if (message instanceof GSTeardown) {
                LOG.info("teardown requested");
                return;
            }
            try {
                handle(message);
            } catch (RuntimeException e) {
                LOG.error("failed to handle {}: {}", message.type(), e.toString(), e);
            }
        }
    }

    private void handle(Message message) throws InterruptedException {
        if (message instanceof Response response) {
            outbox.complete(response);
        } else if (message instanceof GSProcessCreate m) {
            processes.create(m, nextCuid++);
        } else if (message instanceof SHProcessExit m) {
            processes.exited(m);
        } else if (message instanceof GSProcessJoin m) {
            processes.join(m);
        } else if (message instanceof GSProcessQuery m) {
            processes.query(m);
        } else if (message instanceof GSProcessList m) {
            processes.list(m);
        } else if (message instanceof GSProcessKill m) {
            processes.kill(m);
        } else if (message instanceof GSChannelCreate m) {
            channels.create(m, nextCuid++, processes.nodeOf(m.puid()));
        } else if (message instanceof GSChannelQuery m) {
            channels.query(m);
        } else if (message instanceof GSChannelList m) {
            channels.list(m);
        } else if (message instanceof GSChannelDestroy m) {
            channels.destroy(m);
        } else if (message instanceof GSPoolCreate m) {
            pools.create(m, processes.nodeOf(m.puid()));
        } else if (message instanceof GSPoolQuery m) {
            pools.query(m);
        } else if (message instanceof GSPoolList m) {
            pools.list(m);
        } else if (message instanceof GSPoolDestroy m) {
            pools.destroy(m, channels::poolDestroyed);
        } else if (message instanceof GSNameBind m) {
            names.bind(m);
        } else if (message instanceof GSNameLookup m) {
            names.lookup(m);
        } else if (message instanceof GSNameUnbind m) {
            names.unbind(m);
        } else if (message instanceof GSNodeList m) {
            outbox.reply(m, new GSNodeListResponse(outbox.nextTag(), m.tag(), Response.SUCCESS, "",
                List.copyOf(nodes)));
        } else {
            LOG.warn("ignored unexpected {} on channel {}", message.type(), inbox.cuid());
        }
    }
}
