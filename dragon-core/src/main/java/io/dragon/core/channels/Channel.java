package io.dragon.core.channels;

import io.dragon.core.infrastructure.HostId;
import io.dragon.core.memory.MemoryPool;
import io.dragon.core.sync.Deadline;
import io.dragon.core.sync.WaitMode;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * A multi-producer multi-consumer FIFO of variable-size messages, the same to its users wherever it lives: a
 * {@link LocalChannel} is the channel itself in shared memory of this node; a {@link RemoteChannel} reaches a
 * channel of another node through this node's transport agent (seed 003, gateway channels).
 *
 * <p>Each operation comes in three forms: {@code try*} (once, never blocks, "full"/"empty" is a return value),
 * with a timeout (throws {@link ChannelFullException}/{@link ChannelEmptyException}), and without one (waits
 * forever). Waiting follows the handle's {@link WaitMode} unless a call names one, and a send returns as the handle's
 * {@link SendReturn} says unless the call names one. Messages of one sender reach any one receiver in order.
 */
public abstract sealed class Channel permits LocalChannel, RemoteChannel {
    private final ChannelDescriptor descriptor;
    private WaitMode waitMode = WaitMode.ADAPTIVE;
    private SendReturn sendReturn = SendReturn.WHEN_DEPOSITED;

    Channel(ChannelDescriptor descriptor) {
        this.descriptor = descriptor;
    }

    /**
     * Creates a channel of {@code capacity} messages in {@code pool}, a pool of this node; messages up to
     * {@code blockSize} bytes are stored inline, longer ones in side allocations.
     */
    public static LocalChannel create(MemoryPool pool, long cuid, int capacity, int blockSize) {
        return LocalChannel.create(pool, cuid, capacity, blockSize);
    }

    /** Attaches to a channel from its serialized descriptor. */
    public static Channel attach(byte[] serializedDescriptor) {
        return attach(ChannelDescriptor.deserialize(serializedDescriptor));
    }

    /**
     * Attaches to a channel: in shared memory if it lives on this node, through the transport agent if not.
     *
     * @throws ChannelDestroyedException if the channel is on this node and has been destroyed
     */
    public static Channel attach(ChannelDescriptor descriptor) {
        if (descriptor.allocation().pool().hostId() == HostId.local()) {
            return LocalChannel.attach(descriptor);
        }
        return new RemoteChannel(descriptor, Gateway.current());
    }

    /** Sets how this handle waits when a call does not say; returns this handle. */
    public Channel waitMode(WaitMode mode) {
        this.waitMode = mode;
        return this;
    }

    public WaitMode waitMode() {
        return waitMode;
    }

    /** Sets when this handle's sends return if a call does not say ({@link SendReturn#WHEN_DEPOSITED} at first). */
    public Channel sendReturn(SendReturn when) {
        this.sendReturn = when;
        return this;
    }

    public SendReturn sendReturn() {
        return sendReturn;
    }

    public final ChannelDescriptor descriptor() {
        return descriptor;
    }

    public final byte[] serialize() {
        return descriptor.serialize();
    }

    public final long cuid() {
        return descriptor.cuid();
    }

    /** Capacity in messages. */
    public abstract int capacity();

    /** Largest message stored inline; longer ones use a side allocation. */
    public abstract int blockSize();

    /** Messages in the channel; exact only when no send or receive is in progress. */
    public abstract int size();

    /** Whether a receive would find a message now. */
    public abstract boolean canRecv();

    /** Whether a send would find a free slot now. */
    public abstract boolean canSend();

    /** Waits until a message can be received; false if the deadline passed first. */
    public abstract boolean awaitRecv(long timeout, TimeUnit unit) throws InterruptedException;

    /** Waits until a message can be sent; false if the deadline passed first. */
    public abstract boolean awaitSend(long timeout, TimeUnit unit) throws InterruptedException;

    // ---- send

    /** Sends the bytes of {@code src} if a slot is free now; consumes {@code src} only if sent. */
    public abstract boolean trySend(ByteBuffer src);

    /**
     * Sends, waiting in {@code mode} until {@code deadline} (see {@link Deadline}) for room in the channel and, for
     * a long message, in the pool.
     *
     * @throws ChannelFullException if the channel stayed full until the deadline
     * @throws io.dragon.core.memory.PoolFullException if a long message found no pool memory before the deadline
     * @throws MessageTooLargeException if the message is longer than the pool can ever hold
     */
    public final void send(ByteBuffer src, WaitMode mode, long deadline) throws InterruptedException {
        send(src, mode, deadline, sendReturn);
    }

    /**
     * Sends, waiting in {@code mode} until {@code deadline} as {@link #send(ByteBuffer, WaitMode, long)}, and
     * returning as {@code when} says: with {@link SendReturn#WHEN_BUFFERED}, a failure to deposit the message after
     * it returned is thrown by the next operation through this handle, or by {@link #flush()}.
     */
    public abstract void send(ByteBuffer src, WaitMode mode, long deadline, SendReturn when)
        throws InterruptedException;

    /**
     * Waits until every message this handle sent has been deposited in the channel.
     *
     * @throws ChannelException the first failure to deposit one (see {@link SendReturn#WHEN_BUFFERED})
     */
    public abstract void flush() throws InterruptedException;

    /** Sends, waiting forever for room. */
    public final void send(ByteBuffer src) throws InterruptedException {
        send(src, waitMode, Deadline.FOREVER);
    }

    public final void send(byte[] message) throws InterruptedException {
        send(ByteBuffer.wrap(message));
    }

    /** Sends, waiting until the timeout for room. */
    public final void send(ByteBuffer src, long timeout, TimeUnit unit) throws InterruptedException {
        send(src, waitMode, Deadline.after(timeout, unit));
    }

    // ---- receive

    /**
     * Receives into {@code dst} at its position if a message is there now, advancing the position.
     *
     * @return the message length, or -1 if the channel is empty
     * @throws MessageTooLargeException if the next message does not fit in {@code dst} (it stays in the channel)
     */
    public abstract int tryRecv(ByteBuffer dst);

    /**
     * Receives into {@code dst} at its position, waiting in {@code mode} until {@code deadline}.
     *
     * @return the message length
     * @throws ChannelEmptyException if no message came before the deadline
     * @throws MessageTooLargeException if the next message does not fit in {@code dst} (it stays in the channel)
     */
    public abstract int recv(ByteBuffer dst, WaitMode mode, long deadline) throws InterruptedException;

    /** Receives a message into a new array if one is there now; null if the channel is empty. */
    public abstract byte[] tryRecv();

    /**
     * Receives a message into a new array, waiting in {@code mode} until {@code deadline}.
     *
     * @throws ChannelEmptyException if no message came before the deadline
     */
    public abstract byte[] recv(WaitMode mode, long deadline) throws InterruptedException;

    /** Receives into {@code dst}, waiting forever. */
    public final int recv(ByteBuffer dst) throws InterruptedException {
        return recv(dst, waitMode, Deadline.FOREVER);
    }

    /** Receives into {@code dst}, waiting until the timeout. */
    public final int recv(ByteBuffer dst, long timeout, TimeUnit unit) throws InterruptedException {
        return recv(dst, waitMode, Deadline.after(timeout, unit));
    }

    /** Receives a message into a new array, waiting until the timeout. */
    public final byte[] recv(long timeout, TimeUnit unit) throws InterruptedException {
        return recv(waitMode, Deadline.after(timeout, unit));
    }

    /** Receives a message into a new array, waiting forever. */
    public final byte[] recv() throws InterruptedException {
        return recv(waitMode, Deadline.FOREVER);
    }

    // ---- looking without taking, and removing from anywhere

    /**
     * Copies of the messages in the channel now, in order, without taking them: those at positions {@code from} (or
     * the head, if further on) up to {@code end} (exclusive; or the tail, if nearer), at most {@code maxMessages} of
     * them, and no more once they hold {@code maxBytes} (at least one, though). To look on, call again from the
     * answer's {@link Peeked#next()} up to its {@link Peeked#end()}: that sees every message that stays in the
     * channel throughout, once, and never one sent after the first look. A message taken while it is looked at is
     * not seen; one taken since is (a copy cannot be taken back).
     */
    public abstract Peeked peek(long from, long end, int maxMessages, int maxBytes);

    /**
     * Takes the message at {@code position} (one that {@link #peek} saw) out of the channel, wherever it is in the
     * order, and drops it; the others keep their order. A process that dies during the removal has removed it.
     *
     * @return true if removed; false if it was no longer there (received or removed since)
     */
    public abstract boolean remove(long position);

    // ---- lifetime

    /**
     * Destroys the channel for every process: its memory returns to the pool and every descriptor goes stale.
     * Messages still in it (and their side allocations) are dropped.
     */
    public abstract void destroy();

    public abstract boolean isDestroyed();
}
