package io.dragon.backend.transport;

import static io.dragon.core.channels.GatewayLayout.FAILED;
import static io.dragon.core.channels.GatewayLayout.HOST_OFFSET;
import static io.dragon.core.channels.GatewayLayout.OP_OFFSET;
import static io.dragon.core.channels.GatewayLayout.UNWATCH;
import static io.dragon.core.channels.GatewayLayout.WATCH;

import io.dragon.core.channels.ChannelDescriptor;
import io.dragon.core.channels.ChannelDestroyedException;
import io.dragon.core.channels.LocalChannel;
import io.dragon.core.channels.SideTaker;
import io.dragon.core.infrastructure.HostId;
import io.dragon.core.infrastructure.Settings;
import io.dragon.core.sync.WaitMode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The transport agent of a node (seed 000): it carries the gateway requests of this node's processes to the agents
 * of the channels' nodes, performs the requests other agents bring, and delivers completions back. One thread reads
 * the gateway channel; how frames travel between agents is the subclass's: TCP ({@link TcpTransportAgent}) or a
 * libfabric endpoint ({@link OfiTransportAgent}).
 */
public abstract sealed class TransportAgent implements AutoCloseable permits TcpTransportAgent, OfiTransportAgent {
    private static final Logger LOG = LogManager.getLogger(TransportAgent.class);
    private static final long READ_SLICE_MS = 100;

    /** How long the gateway's reader polls after its last request before it waits (see Settings). */
    private final long spinNanos = TimeUnit.MICROSECONDS.toNanos(Settings.transportSpinUs(HostId.cpus()));
    /** Whether {@link #forward} and peers take a frame whose bytes are in more than one place (see below). */
    final boolean sendsInPlace;
    final ChannelOperations operations;
    final Replies replies = new Replies();
    final WaitingRequests waits = new WaitingRequests(new WaitingRequests.Agent() {
        @Override
        public void forward(ByteBuf frame, long host) {
            TransportAgent.this.forward(frame, host);
        }

        @Override
        public void deliver(ByteBuf body) {
            replies.deliver(body);
        }

        @Override
        public String name(long host) {
            return TransportAgent.this.name(host);
        }

        @Override
        public byte[] ownReplies() {
            return ownReplies;
        }
    });
    private final Thread reader = new Thread(this::readGateway, "transport-gateway");
    private final SideTaker sideTaker = this::forwardSide;
    /** Whether the gateway's last request came in a side allocation (see {@link #forwardSide}): the reader's. */
    private boolean tookSide;
    /** "node 2 (node3)" by host id. */
    private final Map<Long, String> names = new ConcurrentHashMap<>();
    private LocalChannel gateway;
    /** The descriptor of the reply channel of the requests the agent makes itself (see {@link Replies}). */
    private volatile byte[] ownReplies;
    private volatile boolean closing;

    /**
     * {@code sendsInPlace}: whether {@link #forward} and {@link Peer#send} take a frame whose bytes are in more than
     * one place; a large message then goes as it lies in a pool, not copied ({@link SideAllocationBuf}).
     */
    TransportAgent(boolean sendsInPlace) {
        this.sendsInPlace = sendsInPlace;
        this.operations = new ChannelOperations(sendsInPlace);
        reader.setDaemon(true);
    }

    /** What the other nodes' agents need to reach this one (it travels in BENodeUp and LAChannelsInfo). */
    public abstract String address();

    /**
     * Starts carrying the requests of the gateway channel with this descriptor to the agents of every node of the
     * runtime, this one included: host ids, hostnames and the {@link #address}es of their agents, in node order.
     */
    public void connect(byte[] gatewayChannel, List<Long> hosts, List<String> hostnames, List<String> addresses) {
        gateway = LocalChannel.attach(ChannelDescriptor.deserialize(gatewayChannel));
        // Where it does not poll, the reader sleeps at once: an adaptive wait's yields took the cores of the very
        // processes whose requests it waits for (remote DDict gets on 2 cores: 1,800 -> 2,700 ops/s).
        gateway.waitMode(spinNanos > 0 ? WaitMode.ADAPTIVE : WaitMode.SLEEP);
        LocalChannel own = LocalChannel.create(gateway.pool(), ThreadLocalRandom.current().nextLong(Long.MIN_VALUE, 0),
            2, 256);
        replies.own(own);
        ownReplies = own.serialize();
        for (int node = 0; node < hosts.size(); node++) {
            names.put(hosts.get(node), "node " + node + " (" + hostnames.get(node) + ")");
        }
        peers(hosts, addresses);
        reader.start();
    }

    /** The node with host id {@code host}, for messages. */
    String name(long host) {
        return names.getOrDefault(host, "host " + Long.toHexString(host));
    }

    /** Handles a frame of {@code kind} (its body, released here) that came from the agent {@code peer}. */
    void dispatch(int kind, ByteBuf body, Peer peer) {
        switch (kind) {
            case FrameKind.REQUEST -> operations.perform(body, peer);
            case FrameKind.COMPLETION -> {
                answered(body);
                if (waits.isEmpty()) {
                    replies.deliver(body);
                } else {
                    waits.completed(body); // it may be watched
                }
            }
            case FrameKind.WAITING -> waits.announced(body);
            case FrameKind.WAITED -> {
                answered(body);
                waits.completed(body);
            }
            case FrameKind.PING -> {
                long host = body.readableBytes() >= Long.BYTES ? body.getLong(body.readerIndex()) : 0;
                body.release();
                peer.send(TransportFrames.ping(ByteBufAllocator.DEFAULT, FrameKind.PONG, host));
            }
            case FrameKind.PONG -> waits.pong(body);
            default -> {
                LOG.warn("dropped a transport frame of unknown kind {} from {}", kind, peer);
                body.release();
            }
        }
    }

    @Override
    public void close() {
        closing = true;
        try {
            reader.join(); // it returns within a slice; the gateway's memory must outlive it
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        operations.close();
        waits.close();
        stop();
    }

    abstract void peers(List<Long> hosts, List<String> addresses);

    /**
     * Sees a completion for a requester of this node before it is delivered (a COMPLETION's or WAITED's body, or a
     * failure made here; not consumed): nothing, unless the subclass orders requests by their completions.
     */
    void answered(ByteBuf body) {
    }

    /** Sends a REQUEST frame (see {@link TransportFrames}) to the agent of {@code host}; takes ownership of it. */
    abstract void forward(ByteBuf frame, long host);

    /**
     * {@link #forward}, for the gateway's reader: the subclass may hold the frame back, until
     * {@link #flushForwarded}, to send it with those that follow it at once.
     */
    void forwardBatched(ByteBuf frame, long host) {
        forward(frame, host);
    }

    /** Sends what {@link #forwardBatched} held back: the gateway is empty for now. */
    void flushForwarded() {
    }

    /** Releases what the subclass holds, once no more requests come. */
    abstract void stop();

    /**
     * Forwards each request of the gateway channel, as read, to the agent of its channel's node, those that come
     * back to back together. Polls for {@link #spinNanos} after the last, then waits in slices, so that
     * {@link #close} can stop it: a thread asleep on a futex does not see an interrupt.
     */
    private void readGateway() {
        ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
        int room = gateway.blockSize(); // a longer request is in a side allocation: see forwardSide
        while (!closing) {
            ByteBuf frame = null;
            try {
                if (!gateway.canRecv()) {
                    flushForwarded();
                    if (!spinUntilReady() && !gateway.awaitRecv(READ_SLICE_MS, TimeUnit.MILLISECONDS)) {
                        continue;
                    }
                }
                frame = alloc.directBuffer(TransportFrames.FRAME_HEADER + room);
                tookSide = false;
                int length = gateway.tryRecv(frame.nioBuffer(TransportFrames.FRAME_HEADER, room), Integer.MAX_VALUE,
                    sideTaker);
                if (length < 0 || tookSide) {
                    frame.release();
                    continue;
                }
                frame.writeInt(TransportFrames.BODY_OFFSET + length).writeInt(FrameKind.REQUEST)
                    .writerIndex(TransportFrames.FRAME_HEADER + length);
                ByteBuf request = frame;
                frame = null; // carry owns it, and answers it if it cannot carry it
                carry(request);
            } catch (InterruptedException | ChannelDestroyedException e) {
                release(frame);
                return;
            } catch (RuntimeException | Error e) {
                answerOrDrop(frame, e);
            }
        }
    }

    /**
     * Forwards the request that the gateway's reader took in the side allocation at {@code side} of the gateway's
     * pool: a large one as it lies, if the agent {@link #sendsInPlace}, else a copy.
     */
    private void forwardSide(long side, int length) {
        tookSide = true;
        ByteBuf header = ByteBufAllocator.DEFAULT.directBuffer(TransportFrames.FRAME_HEADER)
            .writeInt(TransportFrames.BODY_OFFSET + length).writeInt(FrameKind.REQUEST);
        carry(SideAllocationBuf.frame(header, gateway.pool(), side, length,
            sendsInPlace && length >= TransportFrames.LARGE_FRAME_BYTES));
    }

    /**
     * Carries a REQUEST frame of this node's gateway (taking ownership of it) to the agent of its channel's node; a
     * WATCH or UNWATCH stays here, with the waits.
     */
    private void carry(ByteBuf frame) {
        int op = frame.getIntLE(TransportFrames.FRAME_HEADER + OP_OFFSET);
        if (op == WATCH) {
            waits.watch(frame.skipBytes(TransportFrames.FRAME_HEADER));
        } else if (op == UNWATCH) {
            waits.unwatch(frame.skipBytes(TransportFrames.FRAME_HEADER));
        } else {
            forwardBatched(frame, frame.getLongLE(TransportFrames.FRAME_HEADER + HOST_OFFSET));
        }
    }

    /** Polls the gateway channel for {@link #spinNanos}; whether a request came meanwhile. */
    private boolean spinUntilReady() {
        long start = System.nanoTime();
        while (System.nanoTime() - start < spinNanos) {
            if (gateway.canRecv()) {
                return true;
            }
            Thread.onSpinWait();
        }
        return false;
    }

    /**
     * After {@code e} while carrying a request of this node's gateway: answers the requester with a failure if
     * the request is still here and can be answered (else it waits until its deadline); the reader goes on.
     */
    private void answerOrDrop(ByteBuf frame, Throwable e) {
        LOG.error("a gateway request failed here: {}", e.toString());
        if (frame == null || frame.refCnt() == 0) {
            return;
        }
        try {
            fail(frame, "the transport agent of " + HostId.hostname() + " failed to carry the request: " + e);
        } catch (RuntimeException malformed) {
            release(frame);
            LOG.error("dropped the gateway request: it cannot be answered ({})", malformed.toString());
        }
    }

    private static void release(ByteBuf frame) {
        if (frame != null && frame.refCnt() > 0) {
            frame.release();
        }
    }

    /**
     * Answers a REQUEST frame that could not be carried with a failure, on this node; drops any other frame.
     * Releases it.
     */
    void fail(ByteBuf frame, String why) {
        if (frame.getInt(frame.readerIndex() + Integer.BYTES) != FrameKind.REQUEST) {
            LOG.warn("dropped a transport frame: {}", why);
            frame.release();
            return;
        }
        LOG.warn("cannot carry a gateway request: {}", why);
        ByteBuf request = frame.skipBytes(TransportFrames.FRAME_HEADER);
        ByteBuf failure = TransportFrames.failure(frame.alloc(), request, FAILED, 0, why);
        frame.release();
        failure.skipBytes(TransportFrames.FRAME_HEADER);
        answered(failure);
        replies.deliver(failure);
    }
}
