package io.dragon.backend.transport;

import static io.dragon.core.channels.GatewayLayout.AWAIT_RECV;
import static io.dragon.core.channels.GatewayLayout.AWAIT_SEND;
import static io.dragon.core.channels.GatewayLayout.CALL;
import static io.dragon.core.channels.GatewayLayout.CANCEL;
import static io.dragon.core.channels.GatewayLayout.CANCELLED;
import static io.dragon.core.channels.GatewayLayout.DESCRIPTORS_OFFSET;
import static io.dragon.core.channels.GatewayLayout.DESTROY;
import static io.dragon.core.channels.GatewayLayout.DESTROYED;
import static io.dragon.core.channels.GatewayLayout.EMPTY;
import static io.dragon.core.channels.GatewayLayout.FAILED;
import static io.dragon.core.channels.GatewayLayout.FOREVER;
import static io.dragon.core.channels.GatewayLayout.FULL;
import static io.dragon.core.channels.GatewayLayout.INFO;
import static io.dragon.core.channels.GatewayLayout.MAX_LENGTH_OFFSET;
import static io.dragon.core.channels.GatewayLayout.OK;
import static io.dragon.core.channels.GatewayLayout.OP_OFFSET;
import static io.dragon.core.channels.GatewayLayout.PID_OFFSET;
import static io.dragon.core.channels.GatewayLayout.RECV;
import static io.dragon.core.channels.GatewayLayout.REPLY_LENGTH_OFFSET;
import static io.dragon.core.channels.GatewayLayout.REQUEST_ID_OFFSET;
import static io.dragon.core.channels.GatewayLayout.SEND;
import static io.dragon.core.channels.GatewayLayout.SEND_BUFFERED;
import static io.dragon.core.channels.GatewayLayout.SHARD;
import static io.dragon.core.channels.GatewayLayout.TARGET_LENGTH_OFFSET;
import static io.dragon.core.channels.GatewayLayout.TIMEOUT_OFFSET;
import static io.dragon.core.channels.GatewayLayout.TOO_LARGE;
import static io.dragon.core.channels.GatewayLayout.VALUE_OFFSET;
import static io.dragon.core.channels.GatewayLayout.payloadOffset;

import io.dragon.backend.MemoryUsers;
import io.dragon.core.channels.ChannelDestroyedException;
import io.dragon.core.channels.ChannelEmptyException;
import io.dragon.core.channels.ChannelFullException;
import io.dragon.core.channels.LocalChannel;
import io.dragon.core.channels.MessageTooLargeException;
import io.dragon.core.channels.SideTaker;
import io.dragon.core.infrastructure.HostId;
import io.dragon.core.memory.PoolDestroyedException;
import io.dragon.core.memory.PoolLayout;
import io.dragon.core.sync.Deadline;
import io.dragon.core.sync.WaitMode;
import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Performs gateway requests from other nodes on this node's channels and answers each with a completion to the
 * agent it came from. A request is tried at once on the thread that received it (a link's event loop, the fabric
 * agent's progress thread); one that must wait (a full or empty channel, with a timeout; a call) waits on a thread
 * of its own, asleep on the channel's futex, so that the receiving thread never blocks. Each holds the channel's
 * pool ({@link MappedPools}) while it uses the channel, and a request that finds the pool destroyed is answered so
 * and lets it be unmapped.
 *
 * <p>A request that waits, with a timeout, is announced to the requester's agent (WAITING; see
 * {@link WaitingRequests}) and can be cancelled ({@link io.dragon.core.channels.GatewayLayout#CANCEL}): its thread
 * is interrupted, which every wait of the runtime notices within 50 ms. Whether it took effect is then what the
 * operation itself says: an interrupted wait took nothing (CANCELLED; a call's method throws
 * InterruptedException), one that completed first is answered as usual. Its completion travels as WAITED.
 *
 * <p>A SEND_BUFFERED that waits blocks its stream ({@link OrderedSends}): the later sends of the same sender queue
 * behind it and its thread performs them in turn. It is neither announced nor ever cancelled: its sender has
 * returned, so nobody waits for it to cancel it, and its message goes on even if the sender dies.
 */
final class ChannelOperations {
    private static final Logger LOG = LogManager.getLogger(ChannelOperations.class);

    /** Channels of this node that requests named. */
    private final AttachedChannels channels = new AttachedChannels();
    private final ExecutorService waiters = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "transport-waiter");
        thread.setDaemon(true);
        return thread;
    });
    /** The announced requests that wait here, by request id. */
    private final Map<Long, Waiting> waiting = new ConcurrentHashMap<>();
    private final OrderedSends ordered = new OrderedSends();
    private final ShardOperations shards = new ShardOperations();
    /** Whether the agent sends a frame in parts: a large message received then goes as it lies, not copied. */
    private final boolean sendsInPlace;

    ChannelOperations(boolean sendsInPlace) {
        this.sendsInPlace = sendsInPlace;
    }

    /** The channels that requests named. */
    AttachedChannels channels() {
        return channels;
    }

    /** Performs the request in {@code request} (a retained frame body, released here) and answers {@code peer}. */
    void perform(ByteBuf request, Peer peer) {
        if (!wellFormed(request)) {
            LOG.warn("dropped a gateway request of {} bytes from {}: its header is malformed, so it cannot even be"
                + " answered", request.readableBytes(), peer);
            request.release();
            return;
        }
        int op = request.getIntLE(request.readerIndex() + OP_OFFSET);
        if (op == CANCEL) {
            cancel(request);
            return;
        }
        if (op == SHARD) {
            try {
                peer.send(shards.perform(request));
            } finally {
                request.release();
            }
            return;
        }
        if (op == CALL) {
            if (request.getLongLE(request.readerIndex() + TIMEOUT_OFFSET) == 0) {
                waiters.execute(() -> {
                    try {
                        peer.send(RemoteCalls.run(request));
                    } finally {
                        request.release();
                    }
                });
            } else {
                wait(request, peer, cancelled -> RemoteCalls.run(request), () -> { });
            }
            return;
        }
        if (op == SEND_BUFFERED) {
            switch (ordered.turn(request, peer)) {
                case QUEUED -> {
                    return;
                }
                case FULL -> {
                    peer.send(done(request, FULL, 0));
                    request.release();
                    return;
                }
                default -> {
                }
            }
        }
        operate(request, peer, -1);
    }

    /**
     * Performs a request on its channel and answers {@code peer}; releases the request. One that must wait waits
     * on a thread of its own, announced; or, if {@code arrived} is not -1 (a SEND_BUFFERED that came then and
     * queued behind another of its stream), on this thread, which is that stream's.
     */
    private void operate(ByteBuf request, Peer peer, long arrived) {
        AttachedChannels.Attached attached;
        try {
            attached = channel(request);
        } catch (Throwable e) {
            ByteBuf completion = failure(request, e);
            request.release();
            peer.send(completion);
            return;
        }
        MemoryUsers users = attached.users();
        if (!users.enter()) {
            channels.forget(attached);
            ByteBuf completion = failure(request, new ChannelDestroyedException(attached.channel().cuid()));
            request.release();
            peer.send(completion);
            return;
        }
        boolean waiting = false;
        try {
            LocalChannel channel = attached.channel();
            if (MappedPools.retireIfDestroyed(channel.pool(), users)) {
                channels.forget(attached);
                peer.send(failure(request, new ChannelDestroyedException(channel.cuid())));
                return;
            }
            ByteBuf completion = complete(request, () -> attempt(request, channel), null);
            if (completion == null) {
                long timeout = request.getLongLE(request.readerIndex() + TIMEOUT_OFFSET);
                long deadline = timeout == FOREVER ? Deadline.FOREVER
                    : (arrived == -1 ? System.nanoTime() : arrived) + timeout;
                if (arrived != -1) {
                    completion = complete(request, () -> await(request, channel, deadline), null);
                } else {
                    Runnable done = users::exit;
                    if (request.getIntLE(request.readerIndex() + OP_OFFSET) == SEND_BUFFERED) {
                        OrderedSends.Stream stream = ordered.block(request);
                        done = () -> {
                            users.exit();
                            performQueued(stream);
                        };
                    }
                    wait(request, peer, cancelled -> complete(request, () -> await(request, channel, deadline),
                        cancelled), done);
                    waiting = true;
                    return;
                }
            }
            peer.send(completion);
        } finally {
            if (!waiting) {
                users.exit();
                request.release();
            }
        }
    }

    /** On the thread of a stream's send that waited, once it is done: the sends that queued behind it, in order. */
    private void performQueued(OrderedSends.Stream stream) {
        OrderedSends.Queued next;
        while ((next = ordered.next(stream)) != null) {
            operate(next.request(), next.peer(), next.arrived());
        }
    }

    /** What a request that waits does, on its own thread: its completion; {@code cancelled} says if it was. */
    private interface Wait {
        ByteBuf run(Cancellation cancelled);
    }

    /** Whether a waiting request was cancelled; read by its operation once its wait was interrupted. */
    private static final class Cancellation {
        volatile boolean cancelled;
    }

    /**
     * Announces the request to the requester's agent and has it wait on a thread of its own, cancellably; then
     * {@code done} runs and the request is released. A SEND_BUFFERED is not announced: nobody would cancel it.
     */
    private void wait(ByteBuf request, Peer peer, Wait body, Runnable done) {
        Waiting entry = new Waiting(request, peer, body, done);
        Waiting earlier = waiting.put(entry.id, entry);
        if (earlier != null) {
            // ids are random per process and increase: only a forged or replayed request repeats one
            LOG.warn("a gateway request from {} reuses the id of one that still waits; only the later can be"
                + " cancelled", peer);
        }
        if (entry.cancellable) {
            peer.send(TransportFrames.waiting(request.alloc(), request));
        }
        waiters.execute(entry);
    }

    /** Cancels the request that a CANCEL names, if it still waits here and comes from the same process. */
    private void cancel(ByteBuf request) {
        try {
            Waiting entry = waiting.get(request.getLongLE(request.readerIndex() + REQUEST_ID_OFFSET));
            if (entry != null && entry.pid == request.getIntLE(request.readerIndex() + PID_OFFSET)
                && entry.cancellable) {
                entry.cancel();
            }
        } finally {
            request.release();
        }
    }

    /**
     * A request that waits on a thread of its own: cancelling it interrupts that thread, or keeps it from running.
     * The thread clears what interrupt it got before it goes back to the pool.
     */
    private final class Waiting implements Runnable {
        final long id;
        final int pid;
        /** Not a SEND_BUFFERED, whose sender may have returned: never cancelled. */
        final boolean cancellable;
        private final ByteBuf request;
        private final Peer peer;
        private final Wait body;
        private final Runnable done;
        private final Cancellation state = new Cancellation();
        private Thread thread; // guarded by this

        Waiting(ByteBuf request, Peer peer, Wait body, Runnable done) {
            this.request = request;
            this.peer = peer;
            this.body = body;
            this.done = done;
            this.id = request.getLongLE(request.readerIndex() + REQUEST_ID_OFFSET);
            this.pid = request.getIntLE(request.readerIndex() + PID_OFFSET);
            this.cancellable = request.getIntLE(request.readerIndex() + OP_OFFSET) != SEND_BUFFERED;
        }

        @Override
        public void run() {
            ByteBuf completion;
            try {
                synchronized (this) {
                    thread = state.cancelled ? null : Thread.currentThread();
                }
                completion = thread == null ? done(request, CANCELLED, 0) : body.run(state);
            } finally {
                synchronized (this) {
                    thread = null;
                }
                Thread.interrupted();
                waiting.remove(id, this);
            }
            try {
                peer.send(completion.setInt(TransportFrames.KIND_OFFSET + Integer.BYTES, FrameKind.WAITED));
            } finally {
                done.run();
                request.release();
            }
        }

        synchronized void cancel() {
            state.cancelled = true;
            if (thread != null) {
                thread.interrupt();
            }
        }
    }

    /** Whether the request's descriptors lie within it: then it can be answered, if only with an error. */
    private static boolean wellFormed(ByteBuf request) {
        if (request.readableBytes() < DESCRIPTORS_OFFSET) {
            return false;
        }
        int start = request.readerIndex();
        long targetLength = request.getIntLE(start + TARGET_LENGTH_OFFSET);
        long replyLength = request.getIntLE(start + REPLY_LENGTH_OFFSET);
        return targetLength >= 0 && replyLength > 0
            && DESCRIPTORS_OFFSET + targetLength + replyLength <= request.readableBytes();
    }

    void close() {
        waiters.shutdownNow();
        ordered.close();
    }

    private interface Operation {
        ByteBuf run() throws InterruptedException;
    }

    /**
     * The operation's completion; a failure, whatever it throws (an Error too), so that the requester hears. An
     * interrupted wait is CANCELLED if {@code cancelled} says so, else the agent is stopping.
     */
    private ByteBuf complete(ByteBuf request, Operation operation, Cancellation cancelled) {
        try {
            return operation.run();
        } catch (InterruptedException e) {
            return cancelled != null && cancelled.cancelled ? done(request, CANCELLED, 0)
                : TransportFrames.failure(request.alloc(), request, FAILED, 0, "the transport agent stopped");
        } catch (Throwable e) {
            return failure(request, e);
        }
    }

    /** The operation tried once: its completion, or null if it must wait. */
    private ByteBuf attempt(ByteBuf request, LocalChannel channel) throws InterruptedException {
        int start = request.readerIndex();
        boolean mayWait = request.getLongLE(start + TIMEOUT_OFFSET) != 0;
        switch (request.getIntLE(start + OP_OFFSET)) {
            case SEND, SEND_BUFFERED:
                boolean sent = request instanceof SideFrame side && side.fits(channel) ? side.trySend(channel)
                    : channel.trySend(payload(request));
                return sent ? done(request, OK, 0) : mayWait ? null : done(request, FULL, 0);
            case RECV:
                return received(request, channel, null, mayWait);
            case AWAIT_RECV:
                return channel.canRecv() ? done(request, OK, 1) : mayWait ? null : done(request, OK, 0);
            case AWAIT_SEND:
                return channel.canSend() ? done(request, OK, 1) : mayWait ? null : done(request, OK, 0);
            case INFO:
                ByteBuf info = done(request, OK, channel.size());
                TransportFrames.shape(info, channel.capacity(), channel.blockSize());
                return info;
            case DESTROY:
                channel.destroy();
                return done(request, OK, 0);
            default:
                return TransportFrames.failure(request.alloc(), request, FAILED, 0, "unknown gateway operation "
                    + request.getIntLE(start + OP_OFFSET));
        }
    }

    /** The operation, waiting until {@code deadline}. */
    private ByteBuf await(ByteBuf request, LocalChannel channel, long deadline) throws InterruptedException {
        long timeout = Math.max(0, Deadline.remaining(deadline));
        switch (request.getIntLE(request.readerIndex() + OP_OFFSET)) {
            case SEND, SEND_BUFFERED:
                try {
                    if (request instanceof SideFrame side && side.fits(channel)) {
                        side.send(channel, WaitMode.SLEEP, deadline);
                    } else {
                        channel.send(payload(request), WaitMode.SLEEP, deadline);
                    }
                    return done(request, OK, 0);
                } catch (ChannelFullException e) {
                    return done(request, FULL, 0);
                }
            case RECV:
                return received(request, channel, deadline, true);
            case AWAIT_RECV:
                return done(request, OK, channel.awaitRecv(timeout,
                    TimeUnit.NANOSECONDS) ? 1 : 0);
            default:
                return done(request, OK, channel.awaitSend(timeout,
                    TimeUnit.NANOSECONDS) ? 1 : 0);
        }
    }

    /**
     * Receives straight into the completion frame, with room for one block; a longer message is in a side
     * allocation, which the completion takes ({@link SideAllocationBuf#frame}). A message longer than the request
     * allows stays in the channel. {@code deadline} null: try once.
     *
     * @return the completion, or null if the channel was empty and the request may wait
     */
    private ByteBuf received(ByteBuf request, LocalChannel channel, Long deadline, boolean mayWait)
        throws InterruptedException {
        int max = request.getIntLE(request.readerIndex() + MAX_LENGTH_OFFSET);
        int room = Math.min(max, channel.blockSize());
        ByteBuf frame = TransportFrames.completion(request.alloc(), request, OK, 0, room);
        TakenMessage taken = new TakenMessage();
        try {
            ByteBuffer dst = frame.nioBuffer(frame.writerIndex(), room);
            int length = deadline == null ? channel.tryRecv(dst, max, taken)
                : channel.recv(dst, max, taken, WaitMode.SLEEP, deadline);
            if (length < 0) {
                frame.release();
                return mayWait ? null : done(request, EMPTY, 0);
            }
            frame.setIntLE(TransportFrames.completionOffset(frame) + VALUE_OFFSET, length);
            if (taken.side == PoolLayout.NONE) {
                frame.writerIndex(frame.writerIndex() + length);
            } else {
                ByteBuf head = frame;
                frame = null; // released by SideAllocationBuf.frame, whatever happens
                frame = SideAllocationBuf.frame(head, channel.pool(), taken.side, length,
                    sendsInPlace && length >= TransportFrames.LARGE_FRAME_BYTES);
            }
            return TransportFrames.finish(frame);
        } catch (MessageTooLargeException e) {
            frame.release();
            return done(request, TOO_LARGE, e.messageLength());
        } catch (ChannelEmptyException e) {
            frame.release();
            return done(request, EMPTY, 0);
        } catch (Throwable e) {
            if (frame != null) {
                frame.release();
            }
            throw e;
        }
    }

    /** The side allocation of the message a receive took, if it was in one. */
    private static final class TakenMessage implements SideTaker {
        long side = PoolLayout.NONE;

        @Override
        public void take(long offset, int length) {
            side = offset;
        }
    }

    private static ByteBuf done(ByteBuf request, int status, int value) {
        return TransportFrames.finish(TransportFrames.completion(request.alloc(), request, status, value, 0));
    }

    private static ByteBuf failure(ByteBuf request, Throwable e) {
        if (e instanceof ChannelDestroyedException || e instanceof PoolDestroyedException) {
            return TransportFrames.failure(request.alloc(), request, DESTROYED, 0, e.getMessage());
        }
        if (e instanceof MessageTooLargeException tooLarge) {
            return TransportFrames.failure(request.alloc(), request, TOO_LARGE, tooLarge.messageLength(),
                e.getMessage());
        }
        if (e instanceof Error) {
            LOG.warn("gateway request failed: {}", e.toString());
            return TransportFrames.failure(request.alloc(), request, FAILED, 0, "the operation failed on "
                + HostId.hostname() + ": " + e);
        }
        LOG.debug("gateway request failed: {}", e.toString());
        return TransportFrames.failure(request.alloc(), request, FAILED, 0, e.getMessage() == null ? e.toString()
            : e.getMessage());
    }

    /** The message a SEND (or the callable a CALL) carries, as a view of the request. */
    static ByteBuffer payload(ByteBuf request) {
        int start = request.readerIndex();
        int offset = payloadOffset(request.getIntLE(start + TARGET_LENGTH_OFFSET),
            request.getIntLE(start + REPLY_LENGTH_OFFSET));
        return request.nioBuffer(start + offset, request.readableBytes() - offset);
    }

    /** The target channel. */
    private AttachedChannels.Attached channel(ByteBuf request) {
        int start = request.readerIndex();
        int length = request.getIntLE(start + TARGET_LENGTH_OFFSET);
        if (length == 0) {
            throw new IllegalArgumentException("malformed gateway request: it names no channel");
        }
        return channels.get(request.slice(start + DESCRIPTORS_OFFSET, length));
    }
}
