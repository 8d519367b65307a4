package io.dragon.backend.transport;

import static io.dragon.core.channels.GatewayLayout.CANCEL;
import static io.dragon.core.channels.GatewayLayout.COMPLETION_ID_OFFSET;
import static io.dragon.core.channels.GatewayLayout.COMPLETION_PAYLOAD_OFFSET;
import static io.dragon.core.channels.GatewayLayout.DESCRIPTORS_OFFSET;
import static io.dragon.core.channels.GatewayLayout.FOREVER;
import static io.dragon.core.channels.GatewayLayout.HOST_OFFSET;
import static io.dragon.core.channels.GatewayLayout.LOST;
import static io.dragon.core.channels.GatewayLayout.OK;
import static io.dragon.core.channels.GatewayLayout.OP_OFFSET;
import static io.dragon.core.channels.GatewayLayout.PID_OFFSET;
import static io.dragon.core.channels.GatewayLayout.RECV;
import static io.dragon.core.channels.GatewayLayout.REQUEST_ID_OFFSET;
import static io.dragon.core.channels.GatewayLayout.SEND;
import static io.dragon.core.channels.GatewayLayout.STATUS_OFFSET;
import static io.dragon.core.channels.GatewayLayout.TARGET_LENGTH_OFFSET;
import static io.dragon.core.channels.GatewayLayout.TIMEOUT_OFFSET;
import static io.dragon.core.channels.GatewayLayout.VALUE_OFFSET;

import io.dragon.backend.tree.TreeNode;
import io.dragon.core.infrastructure.Pids;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The requests of this node's processes that wait on other nodes, as their owners' agents announced them
 * (WAITING, see {@link TransportFrames}), until their completions come (WAITED); and those whose requesters asked
 * for them to be watched ({@link io.dragon.core.channels.GatewayLayout#WATCH}: no completion for a while, perhaps
 * because the owner's node went while they were in flight), until their completions come or the requester says
 * they came. Requests that complete at once are never here, so the common path costs nothing. While some wait, a
 * watcher looks every
 * {@link #CHECK_MILLIS} ms
 * <ul>
 * <li>for requesters that died: their requests are cancelled (a CANCEL, as an interrupted requester sends one), so
 * that no message is taken, no lock or permit acquired, for a process that is gone. If the owner had taken a message
 * first, its completion comes here all the same and the message is sent back to its channel (to the back of it):
 * nothing is lost;</li>
 * <li>for owners' nodes that went silent: each is pinged every fifth of the heartbeat timeout
 * ({@code dragon.heartbeat.timeout.ms}, as the fan-out tree's links), and if it has not answered within the timeout
 * every request that waits there fails at once ({@link io.dragon.core.channels.GatewayLayout#LOST}), naming the
 * node. A link that closes fails them at once.</li>
 * </ul>
 */
final class WaitingRequests {
    private static final Logger LOG = LogManager.getLogger(WaitingRequests.class);
    static final long CHECK_MILLIS = 100;
    private static final long TIMEOUT_NANOS = TimeUnit.MILLISECONDS.toNanos(TreeNode.HEARTBEAT_TIMEOUT_MS);
    private static final long PING_NANOS = TIMEOUT_NANOS / 5;

    /** Sends frames to other nodes' agents, and answers this node's requesters. */
    interface Agent {
        /** Sends a frame to the agent of {@code host}; takes ownership of it. */
        void forward(ByteBuf frame, long host);

        /** Delivers a completion (a completion frame's body) to its requester on this node; releases it. */
        void deliver(ByteBuf body);

        /** The node with host id {@code host}, for messages: "node 2 (node3)". */
        String name(long host);

        /** The descriptor of the agent's own reply channel, for the requests it makes itself. */
        byte[] ownReplies();
    }

    /**
     * A request that waits elsewhere: its header and descriptors, as the WAITING frame had them; {@code watch} if
     * it came from a WATCH instead.
     */
    private record Entry(ByteBuf header, long id, int pid, long host, boolean watch) {
    }

    /** When the node last showed it is alive, and when it was last pinged. */
    private static final class Liveness {
        volatile long heard;
        long pinged;
    }

    private final Agent agent;
    private final Map<Long, Entry> waiting = new ConcurrentHashMap<>();
    /** Requests cancelled for a dead requester, or failed with their node: a message they took is sent back. */
    private final Map<Long, Entry> abandoned = new ConcurrentHashMap<>();
    private final Map<Long, Liveness> hosts = new ConcurrentHashMap<>();
    private final Thread watcher = new Thread(this::watch, "transport-waits");
    private volatile boolean running = true;

    WaitingRequests(Agent agent) {
        this.agent = agent;
        watcher.setDaemon(true);
        watcher.start();
    }

    void close() {
        running = false;
        LockSupport.unpark(watcher);
    }

    /** A WAITING frame's body (released here): a request of this node's process now waits on its owner's node. */
    void announced(ByteBuf body) {
        try {
            if (body.readableBytes() < DESCRIPTORS_OFFSET) {
                LOG.warn("dropped a WAITING frame of {} bytes", body.readableBytes());
                return;
            }
            int start = body.readerIndex();
            int pid = body.getIntLE(start + PID_OFFSET);
            if (pid == 0) {
                return; // the agent's own request: no process to watch
            }
            long host = body.getLongLE(start + HOST_OFFSET);
            Entry entry = new Entry(body.copy(), body.getLongLE(start + REQUEST_ID_OFFSET), pid, host, false);
            hosts.computeIfAbsent(host, h -> new Liveness()).heard = System.nanoTime();
            release(waiting.put(entry.id(), entry));
            LockSupport.unpark(watcher);
        } finally {
            body.release();
        }
    }

    /**
     * A WATCH from a process of this node (its body, released here): watches the request it names as if it had
     * been announced, unless it was. The node's silence is counted from now if nothing else waits there.
     */
    void watch(ByteBuf body) {
        try {
            if (body.readableBytes() < DESCRIPTORS_OFFSET) {
                LOG.warn("dropped a WATCH of {} bytes", body.readableBytes());
                return;
            }
            int start = body.readerIndex();
            ByteBuf header = body.copy();
            header.setIntLE(OP_OFFSET, (int) header.getLongLE(TIMEOUT_OFFSET)).setLongLE(TIMEOUT_OFFSET, FOREVER);
            long host = header.getLongLE(HOST_OFFSET);
            Entry entry = new Entry(header, body.getLongLE(start + REQUEST_ID_OFFSET), body.getIntLE(start
                + PID_OFFSET), host, true);
            boolean watched = waiting.values().stream().anyMatch(other -> other.host() == host);
            if (waiting.putIfAbsent(entry.id(), entry) != null) {
                release(entry); // announced: watched already
                return;
            }
            Liveness liveness = hosts.computeIfAbsent(host, h -> new Liveness());
            if (!watched) {
                liveness.heard = System.nanoTime();
            }
            LockSupport.unpark(watcher);
        } finally {
            body.release();
        }
    }

    /** An UNWATCH (its body, released here): the watched request it names has completed. */
    void unwatch(ByteBuf body) {
        try {
            if (body.readableBytes() >= DESCRIPTORS_OFFSET) {
                long id = body.getLongLE(body.readerIndex() + REQUEST_ID_OFFSET);
                Entry entry = waiting.get(id);
                if (entry != null && entry.watch() && waiting.remove(id, entry)) {
                    release(entry);
                }
            }
        } finally {
            body.release();
        }
    }

    /** Whether no request waits or was abandoned here: then a completion concerns nobody here but its requester. */
    boolean isEmpty() {
        return waiting.isEmpty() && abandoned.isEmpty();
    }

    /**
     * A WAITED frame's body, or a COMPLETION's while some request is here (released here): delivered to the
     * requester, unless it was abandoned or its requester has died (before the watcher noticed); then a message it
     * carries goes back to its channel.
     */
    void completed(ByteBuf body) {
        long id = body.getLongLE(body.readerIndex() + Integer.BYTES + body.getInt(body.readerIndex())
            + COMPLETION_ID_OFFSET);
        Entry entry = waiting.remove(id);
        if (entry != null && Pids.isAlive(entry.pid())) {
            release(entry);
            agent.deliver(body);
            return;
        }
        if (entry == null) {
            entry = abandoned.remove(id);
        }
        if (entry == null) {
            agent.deliver(body);
            return;
        }
        try {
            giveBack(entry, body);
        } finally {
            release(entry);
            body.release();
        }
    }

    /** A PONG's body (released here): its node is alive. */
    void pong(ByteBuf body) {
        try {
            Liveness liveness = body.readableBytes() >= Long.BYTES ? hosts.get(body.getLong(body.readerIndex()))
                : null;
            if (liveness != null) {
                liveness.heard = System.nanoTime();
            }
        } finally {
            body.release();
        }
    }

    /** Fails (LOST) at once every request that waits on {@code host}: {@code why} its agent cannot be reached. */
    void lost(long host, String why) {
        String what = "lost " + agent.name(host) + " while a request waited there: " + why;
        for (Entry entry : waiting.values()) {
            if (entry.host() == host && waiting.remove(entry.id(), entry)) {
                LOG.warn("{} (request {} of pid {})", what, entry.id(), entry.pid());
                ByteBuf failure = TransportFrames.failure(entry.header().alloc(), entry.header(), LOST, 0, what);
                abandoned.put(entry.id(), entry);
                agent.deliver(failure.skipBytes(TransportFrames.FRAME_HEADER));
            }
        }
    }

    private void watch() {
        Set<Long> busy = new HashSet<>();
        while (running) {
            if (waiting.isEmpty()) {
                LockSupport.park(this);
                continue;
            }
            busy.clear();
            for (Entry entry : waiting.values()) {
                if (!Pids.isAlive(entry.pid())) {
                    cancelForTheDead(entry);
                } else {
                    busy.add(entry.host());
                }
            }
            long now = System.nanoTime();
            for (long host : busy) {
                Liveness liveness = hosts.get(host);
                if (now - liveness.heard > TIMEOUT_NANOS) {
                    lost(host, "its transport agent has not answered for "
                        + TimeUnit.NANOSECONDS.toMillis(TIMEOUT_NANOS) + " ms");
                } else if (now - liveness.pinged > PING_NANOS) {
                    liveness.pinged = now;
                    agent.forward(TransportFrames.ping(ByteBufAllocator.DEFAULT, FrameKind.PING, host), host);
                }
            }
            LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(CHECK_MILLIS));
        }
    }

    /** Cancels the request of a requester that died; what it may have taken comes back to {@link #completed}. */
    private void cancelForTheDead(Entry entry) {
        if (!waiting.remove(entry.id(), entry)) {
            return;
        }
        abandoned.put(entry.id(), entry);
        LOG.info("pid {} died while its request {} waited on {}: cancelling it", entry.pid(), entry.id(),
            agent.name(entry.host()));
        ByteBuf header = entry.header();
        ByteBuf frame = header.alloc().directBuffer(TransportFrames.FRAME_HEADER + header.readableBytes())
            .writeInt(0).writeInt(FrameKind.REQUEST).writeBytes(header, header.readerIndex(),
                header.readableBytes());
        frame.setIntLE(TransportFrames.FRAME_HEADER + OP_OFFSET, CANCEL);
        agent.forward(TransportFrames.finish(frame), entry.host());
    }

    /**
     * The completion of an abandoned request: a message that it took goes back to its channel, sent by this agent
     * (its completion comes to the agent's own reply channel); anything else had no effect that can be undone here.
     */
    private void giveBack(Entry entry, ByteBuf body) {
        ByteBuf header = entry.header();
        int start = header.readerIndex();
        int completion = body.readerIndex() + Integer.BYTES + body.getInt(body.readerIndex());
        if (header.getIntLE(start + OP_OFFSET) != RECV || body.getIntLE(completion + STATUS_OFFSET) != OK) {
            return;
        }
        int length = body.getIntLE(completion + VALUE_OFFSET);
        byte[] target = new byte[header.getIntLE(start + TARGET_LENGTH_OFFSET)];
        header.getBytes(start + DESCRIPTORS_OFFSET, target);
        byte[] reply = agent.ownReplies();
        LOG.warn("a message taken for pid {}, which died, goes back to its channel on {} (to its back)", entry.pid(),
            agent.name(entry.host()));
        ByteBuf frame = header.alloc().directBuffer(TransportFrames.FRAME_HEADER + DESCRIPTORS_OFFSET
            + target.length + reply.length + length).writeInt(0).writeInt(FrameKind.REQUEST)
            .writeIntLE(SEND).writeIntLE(target.length).writeIntLE(reply.length).writeIntLE(0)
            .writeLongLE(entry.id()).writeLongLE(FOREVER).writeLongLE(entry.host()).writeIntLE(0)
            .writeBytes(target).writeBytes(reply).writeBytes(body, completion + COMPLETION_PAYLOAD_OFFSET, length);
        agent.forward(TransportFrames.finish(frame), entry.host());
    }

    private static void release(Entry entry) {
        if (entry != null) {
            entry.header().release();
        }
    }
}
