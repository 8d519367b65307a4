package io.dragon.backend.globalservices;

import io.dragon.core.infrastructure.Ids;
import io.dragon.core.messages.MessageChannel;
import io.dragon.core.messages.Messages.GSHalted;
import io.dragon.core.messages.Messages.GSHeadExit;
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
import io.dragon.core.messages.Messages.ProcessInfo;
import io.dragon.core.messages.Messages.ProcessState;
import io.dragon.core.messages.Messages.SHProcessCreate;
import io.dragon.core.messages.Messages.SHProcessCreateResponse;
import io.dragon.core.messages.Messages.SHProcessExit;
import io.dragon.core.messages.Messages.SHProcessKill;
import io.dragon.core.messages.Response;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/** Global Services' managed processes: create, join, query, list, kill, and their exits. */
final class ProcessTable {
    private static final Logger LOG = LogManager.getLogger(ProcessTable.class);

    private final Outbox outbox;
    private final Map<Long, ProcessRecord> processes = new LinkedHashMap<>();
    private final Map<String, ProcessRecord> byName = new HashMap<>();
    private final List<Join> joins = new ArrayList<>();
    private long nextPuid = Ids.FIRST_USER_ID;
    private long headPuid = -1;
    /** Where the next process that may go anywhere goes: round-robin over the nodes (seed 003). */
    private int nextNode;

    private record Join(GSProcessJoin request, long deadlineNanos) {
    }

    private final int nodeCount;
    /** Every node's hostname, by node index. */
    private final List<String> hostnames;

    ProcessTable(Outbox outbox, List<String> hostnames) {
        this.outbox = outbox;
        this.nodeCount = hostnames.size();
        this.hostnames = List.copyOf(hostnames);
    }

    /**
     * Return channels of processes are user-range channels; Global Services picks their c_uids. A name belongs to
     * one running process at a time: once it has exited, a new process may take it (the old one stays known by its
     * p_uid).
     */
    void create(GSProcessCreate request, long returnCuid) throws InterruptedException {
        String name = PoolTable.emptyToNull(request.spec().name());
        ProcessRecord named = name == null ? null : byName.get(name);
        if (named != null && (named.state == ProcessState.PENDING || named.state == ProcessState.ACTIVE)) {
            outbox.reply(request, new GSProcessCreateResponse(outbox.nextTag(), request.tag(), Response.ALREADY,
                "a process named '" + name + "' exists already", named.info()));
            return;
        }
        int node = request.spec().node();
        if (node >= nodeCount) {
            outbox.reply(request, new GSProcessCreateResponse(outbox.nextTag(), request.tag(), Response.NOT_FOUND,
                "no node " + node + ": the runtime has " + nodeCount + " node" + (nodeCount == 1 ? "" : "s")
                    + " (0.." + (nodeCount - 1) + ")", null));
            return;
        }
        if (node < 0) {
            node = request.spec().head() ? 0 : nextNode;
            nextNode = (node + 1) % nodeCount;
        }
        ProcessRecord record = new ProcessRecord(nextPuid++, request.spec(), node);
        record.hostname = hostnames.get(node);
        processes.put(record.puid, record);
        if (name != null) {
            byName.put(name, record);
        }
        if (request.spec().head()) {
            headPuid = record.puid;
        }
        outbox.ask(node, tag -> new SHProcessCreate(tag, outbox.puid(), outbox.cuid(), record.puid, returnCuid,
            request.spec()), response -> created(request, record, (SHProcessCreateResponse) response));
    }

    private void created(GSProcessCreate request, ProcessRecord record, SHProcessCreateResponse response)
        throws InterruptedException {
        if (response.ok()) {
            record.state = ProcessState.ACTIVE;
            record.pid = response.pid();
            record.returnChannel = MessageChannel.attach(response.returnChannel());
            outbox.addReplyChannel(record.returnChannel);
        } else {
            record.state = ProcessState.FAILED;
            record.exitCode = -1;
        }
        outbox.reply(request, new GSProcessCreateResponse(outbox.nextTag(), request.tag(), response.err(),
            response.errInfo(), record.info()));
        if (!response.ok()) {
            completeJoins(record);
        }
    }

    /** The node a requester runs on: its record's, or the node of a service. */
    int nodeOf(long puid) {
        ProcessRecord record = processes.get(puid);
        if (record != null) {
            return record.node;
        }
        int node = Ids.localServicesNode(puid);
        return node >= 0 && node < nodeCount ? node : 0;
    }

    void exited(SHProcessExit exit) throws InterruptedException {
        ProcessRecord record = processes.get(exit.puid());
        if (record == null) {
            LOG.warn("exit of unknown p_uid {}", exit.puid());
            return;
        }
        record.state = ProcessState.EXITED;
        record.exitCode = exit.exitCode();
        if (record.returnChannel != null) {
            outbox.removeReplyChannel(record.returnChannel.cuid());
            record.returnChannel.channel().destroy();
            record.returnChannel = null;
        }
        completeJoins(record);
        if (record.exitCode != 0) {
            LOG.warn("process p_uid {} ({}) on node {} exited with code {}{}", record.puid, record.spec.name(),
                record.node, record.exitCode, record.exitCode > 128 && record.exitCode < 160
                    ? " (128 + " + (record.exitCode - 128) + ": killed by that signal, if it did not exit so itself)"
                    : "");
        }
        if (record.puid == headPuid) {
            LOG.info("the head process p_uid {} exited with {}", record.puid, record.exitCode);
            outbox.tellLauncher(new GSHeadExit(outbox.nextTag(), record.puid, record.exitCode));
        }
    }

    void join(GSProcessJoin request) throws InterruptedException {
        ProcessRecord record = processes.get(request.tPuid());
        if (record == null) {
            outbox.reply(request, new GSProcessJoinResponse(outbox.nextTag(), request.tag(), Response.NOT_FOUND,
                notFound(request.tPuid(), null), null));
        } else if (record.hasEnded()) {
            outbox.reply(request, new GSProcessJoinResponse(outbox.nextTag(), request.tag(), Response.SUCCESS, "",
                record.info()));
        } else {
            long deadline = request.timeoutMillis() < 0 ? Long.MAX_VALUE
                : System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(request.timeoutMillis());
            joins.add(new Join(request, deadline));
        }
    }

    void query(GSProcessQuery request) throws InterruptedException {
        ProcessRecord record = request.name() != null && !request.name().isEmpty() ? byName.get(request.name())
            : processes.get(request.tPuid());
        outbox.reply(request, record == null
            ? new GSProcessQueryResponse(outbox.nextTag(), request.tag(), Response.NOT_FOUND,
                notFound(request.tPuid(), request.name()), null)
            : new GSProcessQueryResponse(outbox.nextTag(), request.tag(), Response.SUCCESS, "", record.info()));
    }

    void list(GSProcessList request) throws InterruptedException {
        outbox.reply(request, new GSProcessListResponse(outbox.nextTag(), request.tag(), Response.SUCCESS, "",
            processes.values().stream().map(ProcessRecord::info).toList()));
    }

    void kill(GSProcessKill request) throws InterruptedException {
        ProcessRecord record = processes.get(request.tPuid());
        if (record == null || record.hasEnded()) {
            outbox.reply(request, new GSProcessKillResponse(outbox.nextTag(), request.tag(), Response.NOT_FOUND,
                record == null ? notFound(request.tPuid(), null) : "p_uid " + request.tPuid() + " has exited"));
            return;
        }
        outbox.ask(record.node, tag -> new SHProcessKill(tag, outbox.puid(), outbox.cuid(), request.tPuid(),
                request.signal()),
            response -> outbox.reply(request, new GSProcessKillResponse(outbox.nextTag(), request.tag(),
                response.err(), response.errInfo())));
    }

    /**
     * What the launcher's summary says of the processes: how many were started, how many failed (could not start,
     * or exited with a code other than 0), and the first few of those.
     */
    GSHalted halted() {
        int failed = 0;
        List<ProcessInfo> firstFailed = new ArrayList<>();
        for (ProcessRecord record : processes.values()) {
            if (record.hasEnded() && record.exitCode != 0 && failed++ < GSHalted.FAILED_LISTED) {
                firstFailed.add(record.info());
            }
        }
        return new GSHalted(outbox.nextTag(), processes.size(), failed, firstFailed);
    }

    /** Answers joins whose timeout has passed; returns how long until the next one may (at most 100 ms). */
    long expireJoins() throws InterruptedException {
        long now = System.nanoTime();
        long wait = TimeUnit.MILLISECONDS.toNanos(100);
        for (Iterator<Join> it = joins.iterator(); it.hasNext(); ) {
            Join join = it.next();
            if (join.deadlineNanos() == Long.MAX_VALUE) {
                continue;
            }
            long left = join.deadlineNanos() - now;
            if (left <= 0) {
                it.remove();
                GSProcessJoin request = join.request();
                outbox.reply(request, new GSProcessJoinResponse(outbox.nextTag(), request.tag(), Response.TIMEOUT,
                    "p_uid " + request.tPuid() + " still running after " + request.timeoutMillis() + " ms",
                    processes.get(request.tPuid()).info()));
            } else {
                wait = Math.min(wait, left);
            }
        }
        return TimeUnit.NANOSECONDS.toMillis(wait) + 1;
    }

    private void completeJoins(ProcessRecord record) throws InterruptedException {
        for (Iterator<Join> it = joins.iterator(); it.hasNext(); ) {
            Join join = it.next();
            if (join.request().tPuid() == record.puid) {
                it.remove();
                outbox.reply(join.request(), new GSProcessJoinResponse(outbox.nextTag(), join.request().tag(),
                    Response.SUCCESS, "", record.info()));
            }
        }
    }

    private static String notFound(long puid, String name) {
        return name != null && !name.isEmpty() ? "no process named '" + name + "'" : "no process with p_uid " + puid;
    }
}
