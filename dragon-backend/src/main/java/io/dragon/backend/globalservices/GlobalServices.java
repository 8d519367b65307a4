package io.dragon.backend.globalservices;

import io.dragon.core.infrastructure.Facts;
import io.dragon.core.infrastructure.LaunchParameters;
import io.dragon.core.messages.MalformedMessageException;
import io.dragon.core.messages.Message;
import io.dragon.core.messages.MessageChannel;
import io.dragon.core.messages.Messages.GSHalted;
import io.dragon.core.messages.Messages.GSHeadExit;
import io.dragon.core.messages.Messages.GSIsUp;
import io.dragon.core.messages.Messages.GSPingSH;
import io.dragon.core.messages.Messages.GSProcessCreate;
import io.dragon.core.messages.Messages.GSProcessCreateResponse;
import io.dragon.core.messages.Messages.GSProcessJoin;
import io.dragon.core.messages.Messages.GSProcessJoinResponse;
import io.dragon.core.messages.Messages.GSProcessKill;
import io.dragon.core.messages.Messages.GSProcessKillResponse;
import io.dragon.core.messages.Messages.GSProcessList;
import io.dragon.core.messages.Messages.GSProcessListResponse;
import io.dragon.core.messages.Messages.GSProcessQuery;
import io.dragon.core.messages.Messages.GSProcessQueryResponse;
import io.dragon.core.messages.Messages.GSTeardown;
import io.dragon.core.messages.Messages.ProcessState;
import io.dragon.core.messages.Messages.SHPingGS;
import io.dragon.core.messages.Messages.SHProcessCreate;
import io.dragon.core.messages.Messages.SHProcessCreateResponse;
import io.dragon.core.messages.Messages.SHProcessExit;
import io.dragon.core.messages.Messages.SHProcessKill;
import io.dragon.core.messages.Messages.SHProcessKillResponse;
import io.dragon.core.messages.Request;
import io.dragon.core.messages.Response;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Global Services: the runtime's namespace of managed processes (and, with later messages, channels and pools).
 * A single thread serves its channel; every state change is a message, so the tables need no locks.
 *
 * <p>Objects are not owned by whoever created them: a process record lives until the runtime ends.
 */
public final class GlobalServices {
    private static final Logger LOG = LogManager.getLogger(GlobalServices.class);
    private static final long BRINGUP_TIMEOUT_MS = Long.getLong("dragon.bringup.timeout.ms", 60_000);

    private final LaunchParameters params;
    private final MessageChannel inbox;
    private final MessageChannel shepherd;
    private final MessageChannel launcher;
    private final Map<Long, ProcessRecord> processes = new LinkedHashMap<>();
    private final Map<String, ProcessRecord> processesByName = new HashMap<>();
    private final Map<Long, MessageChannel> replyChannels = new HashMap<>();
    /** Requests waiting for Local Services, by the tag of the message sent to it. */
    private final Map<Long, Pending> pending = new HashMap<>();
    private final List<Join> joins = new ArrayList<>();
    private long tags;
    private long nextPuid = Facts.FIRST_USER_ID;
    private long nextCuid = Facts.FIRST_USER_ID;
    private long headPuid = -1;

    /** A client request forwarded to Local Services, answered when Local Services answers. */
    private record Pending(Request request, ProcessRecord process) {
    }

    private record Join(GSProcessJoin request, long deadlineNanos) {
    }

    GlobalServices(LaunchParameters params) {
        this.params = params;
        this.inbox = MessageChannel.attach(params.gsChannel());
        this.shepherd = MessageChannel.attach(params.shepChannel());
        this.launcher = MessageChannel.attach(params.launcherChannel());
        replyChannels.put(launcher.cuid(), launcher);
    }


    /** Runs until teardown; end of file on {@code localServices} (our parent's pipe) means it died. */
    int run(InputStream localServices) throws InterruptedException {
        watchParent(localServices);
        try {
            shepherd.send(new GSPingSH(++tags));
            Message answer = inbox.recv(BRINGUP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            if (!(answer instanceof SHPingGS ping)) {
                LOG.error("Local Services did not answer the ping within {} ms (got {})", BRINGUP_TIMEOUT_MS, answer);
                return 1;
            }
            LOG.info("Local Services on {} answered; Global Services of runtime {} is up", ping.hostname(),
                params.runtimeId());
            launcher.send(new GSIsUp(++tags));
            serve();
            launcher.send(new GSHalted(++tags));
            LOG.info("Global Services halted");
            return 0;
        } catch (RuntimeException e) {
            LOG.error("Global Services failed: {}", e.toString(), e);
            return 1;
        }
    }

    private void watchParent(InputStream localServices) {
        Thread watcher = new Thread(() -> {
            try {
                while (localServices.read() >= 0) {
                    // nothing more is sent on this pipe
                }
            } catch (IOException ignored) {
                // same as end of file
            }
            LOG.error("Local Services (our parent) is gone; exiting");
            System.exit(1);
        }, "parent-watch");
        watcher.setDaemon(true);
        watcher.start();
    }

    private void serve() throws InterruptedException {
        for (;;) {
            Message message;
            try {
                message = inbox.recv(nextWaitMillis(), TimeUnit.MILLISECONDS);
            } catch (MalformedMessageException e) {
                LOG.error("dropped a malformed message on channel {}: {}", inbox.cuid(), e.getMessage());
                continue;
            }
            expireJoins();
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
        if (message instanceof GSProcessCreate m) {
            createProcess(m);
        } else if (message instanceof SHProcessCreateResponse m) {
            processCreated(m);
        } else if (message instanceof SHProcessExit m) {
            processExited(m);
        } else if (message instanceof GSProcessJoin m) {
            join(m);
        } else if (message instanceof GSProcessQuery m) {
            ProcessRecord record = find(m.tPuid(), m.name());
            reply(m, record == null
                ? new GSProcessQueryResponse(++tags, m.tag(), Response.NOT_FOUND, notFound(m.tPuid(), m.name()), null)
                : new GSProcessQueryResponse(++tags, m.tag(), Response.SUCCESS, "", record.info()));
        } else if (message instanceof GSProcessList m) {
            reply(m, new GSProcessListResponse(++tags, m.tag(), Response.SUCCESS, "",
                processes.values().stream().map(ProcessRecord::info).toList()));
        } else if (message instanceof GSProcessKill m) {
            kill(m);
        } else if (message instanceof SHProcessKillResponse m) {
            Pending request = pending.remove(m.ref());
            if (request != null) {
                reply(request.request(), new GSProcessKillResponse(++tags, request.request().tag(), m.err(),
                    m.errInfo()));
            }
        } else {
            LOG.warn("ignored unexpected {}", message.type());
        }
    }

    private void createProcess(GSProcessCreate request) throws InterruptedException {
        String name = request.spec().name();
        if (name != null && processesByName.containsKey(name)) {
            reply(request, new GSProcessCreateResponse(++tags, request.tag(), Response.ALREADY,
                "a process named '" + name + "' exists already", processesByName.get(name).info()));
            return;
        }
        ProcessRecord record = new ProcessRecord(nextPuid++, request.spec(), 0);
        processes.put(record.pUid, record);
        if (name != null) {
            processesByName.put(name, record);
        }
        if (request.spec().head()) {
            headPuid = record.pUid;
        }
        SHProcessCreate create = new SHProcessCreate(++tags, Facts.GS_PUID, inbox.cuid(), record.pUid, nextCuid++,
            request.spec());
        pending.put(create.tag(), new Pending(request, record));
        shepherd.send(create);
    }

    private void processCreated(SHProcessCreateResponse response) throws InterruptedException {
        Pending request = pending.remove(response.ref());
        if (request == null) {
            LOG.warn("SHProcessCreateResponse for an unknown request {}", response.ref());
            return;
        }
        ProcessRecord record = request.process();
        if (response.ok()) {
            record.state = ProcessState.ACTIVE;
            record.pid = response.pid();
            record.returnChannel = MessageChannel.attach(response.returnChannel());
            replyChannels.put(record.returnChannel.cuid(), record.returnChannel);
        } else {
            record.state = ProcessState.FAILED;
            record.exitCode = -1;
            if (record.spec.name() != null) {
                processesByName.remove(record.spec.name());
            }
        }
        reply(request.request(), new GSProcessCreateResponse(++tags, request.request().tag(), response.err(),
            response.errInfo(), record.info()));
        if (!response.ok()) {
            completeJoins(record);
        }
    }

    private void processExited(SHProcessExit exit) throws InterruptedException {
        ProcessRecord record = processes.get(exit.pUid());
        if (record == null) {
            LOG.warn("exit of unknown p_uid {}", exit.pUid());
            return;
        }
        record.state = ProcessState.EXITED;
        record.exitCode = exit.exitCode();
        if (record.returnChannel != null) {
            replyChannels.remove(record.returnChannel.cuid());
            record.returnChannel.channel().destroy();
            record.returnChannel = null;
        }
        completeJoins(record);
        if (record.pUid == headPuid) {
            LOG.info("the head process p_uid {} exited with {}", record.pUid, record.exitCode);
            launcher.send(new GSHeadExit(++tags, record.pUid, record.exitCode));
        }
    }

    private void join(GSProcessJoin request) throws InterruptedException {
        ProcessRecord record = processes.get(request.tPuid());
        if (record == null) {
            reply(request, new GSProcessJoinResponse(++tags, request.tag(), Response.NOT_FOUND,
                notFound(request.tPuid(), null), null));
        } else if (record.hasEnded()) {
            reply(request, new GSProcessJoinResponse(++tags, request.tag(), Response.SUCCESS, "", record.info()));
        } else {
            long deadline = request.timeoutMillis() < 0 ? Long.MAX_VALUE
                : System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(request.timeoutMillis());
            joins.add(new Join(request, deadline));
        }
    }

    private void kill(GSProcessKill request) throws InterruptedException {
        ProcessRecord record = processes.get(request.tPuid());
        if (record == null || record.hasEnded()) {
            reply(request, new GSProcessKillResponse(++tags, request.tag(), Response.NOT_FOUND,
                record == null ? notFound(request.tPuid(), null) : "p_uid " + request.tPuid() + " has exited"));
            return;
        }
        SHProcessKill kill = new SHProcessKill(++tags, Facts.GS_PUID, inbox.cuid(), request.tPuid(),
            request.signal());
        pending.put(kill.tag(), new Pending(request, record));
        shepherd.send(kill);
    }

    private void completeJoins(ProcessRecord record) throws InterruptedException {
        for (Iterator<Join> it = joins.iterator(); it.hasNext(); ) {
            Join join = it.next();
            if (join.request().tPuid() == record.pUid) {
                it.remove();
                reply(join.request(), new GSProcessJoinResponse(++tags, join.request().tag(), Response.SUCCESS, "",
                    record.info()));
            }
        }
    }

    private void expireJoins() throws InterruptedException {
        long now = System.nanoTime();
        for (Iterator<Join> it = joins.iterator(); it.hasNext(); ) {
            Join join = it.next();
            if (join.deadlineNanos() != Long.MAX_VALUE && now - join.deadlineNanos() >= 0) {
                it.remove();
                reply(join.request(), new GSProcessJoinResponse(++tags, join.request().tag(), Response.TIMEOUT,
                    "p_uid " + join.request().tPuid() + " still running after " + join.request().timeoutMillis()
                        + " ms", processes.get(join.request().tPuid()).info()));
            }
        }
    }

    private long nextWaitMillis() {
        long wait = 100;
        long now = System.nanoTime();
        for (Join join : joins) {
            if (join.deadlineNanos() != Long.MAX_VALUE) {
                wait = Math.min(wait, Math.max(0, TimeUnit.NANOSECONDS.toMillis(join.deadlineNanos() - now) + 1));
            }
        }
        return wait;
    }

    private ProcessRecord find(long pUid, String name) {
        return name != null && !name.isEmpty() ? processesByName.get(name) : processes.get(pUid);
    }

    private static String notFound(long pUid, String name) {
        return name != null && !name.isEmpty() ? "no process named '" + name + "'" : "no process with p_uid " + pUid;
    }

    private void reply(Request request, Response response) throws InterruptedException {
        MessageChannel channel = replyChannels.get(request.rCuid());
        if (channel == null) {
            LOG.warn("cannot answer {} from p_uid {}: no channel {}", request.type(), request.pUid(),
                request.rCuid());
            return;
        }
        try {
            channel.send(response, 10, TimeUnit.SECONDS);
        } catch (RuntimeException e) {
            LOG.warn("cannot answer {} from p_uid {} on channel {}: {}", request.type(), request.pUid(),
                request.rCuid(), e.toString());
        }
    }
}
