package io.dragon.core.channels;

import static io.dragon.core.channels.ChannelLayout.BLOCK_SIZE_OFFSET;
import static io.dragon.core.channels.ChannelLayout.CAPACITY_OFFSET;
import static io.dragon.core.channels.ChannelLayout.CUID_OFFSET;
import static io.dragon.core.channels.ChannelLayout.HEAD_OFFSET;
import static io.dragon.core.channels.ChannelLayout.KIND_INLINE;
import static io.dragon.core.channels.ChannelLayout.KIND_SIDE;
import static io.dragon.core.channels.ChannelLayout.MAGIC;
import static io.dragon.core.channels.ChannelLayout.MAGIC_OFFSET;
import static io.dragon.core.channels.ChannelLayout.RECV_SIGNAL_OFFSET;
import static io.dragon.core.channels.ChannelLayout.SEND_SIGNAL_OFFSET;
import static io.dragon.core.channels.ChannelLayout.SERIAL_OFFSET;
import static io.dragon.core.channels.ChannelLayout.SLOTS_OFFSET;
import static io.dragon.core.channels.ChannelLayout.SLOT_KIND_OFFSET;
import static io.dragon.core.channels.ChannelLayout.SLOT_LENGTH_OFFSET;
import static io.dragon.core.channels.ChannelLayout.SLOT_PAYLOAD_OFFSET;
import static io.dragon.core.channels.ChannelLayout.SLOT_SEQUENCE_OFFSET;
import static io.dragon.core.channels.ChannelLayout.SLOT_STRIDE_OFFSET;
import static io.dragon.core.channels.ChannelLayout.TAIL_OFFSET;

import io.dragon.core.infrastructure.HostId;
import io.dragon.core.memory.Allocation;
import io.dragon.core.memory.AllocationDescriptor;
import io.dragon.core.memory.Pool;
import io.dragon.core.memory.PoolLayout;
import io.dragon.core.shm.SharedBuffer;
import io.dragon.core.sync.Deadline;
import io.dragon.core.sync.Readiness;
import io.dragon.core.sync.Signal;
import io.dragon.core.sync.WaitMode;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;

/**
 * A {@link Channel} in a pool allocation of this node, usable by every thread of every process on the node that
 * has its descriptor. See {@link ChannelLayout}.
 *
 * <p>Send and receive are lock-free: each claims a ring position with one compare-and-set and publishes the slot
 * with an ordered store. A message longer than the block size travels in a side allocation of the same pool,
 * referenced from its slot and freed by the receiver. Messages of one sender reach any one receiver in order.
 *
 * <p>Each operation comes in three forms: {@code try*} (once, never blocks, "full"/"empty" is a return value),
 * with a timeout (throws {@link ChannelFullException}/{@link ChannelEmptyException}), and without one (waits
 * forever). Waiting follows the handle's {@link WaitMode} unless a call names one. No operation allocates on the
 * Java heap, except receives that return a new {@code byte[]}.
 */
public final class LocalChannel extends Channel implements Readiness {
    private static final long CAN_RECV = 0;
    private static final long CAN_SEND = 1;
    private static final SecureRandom SERIALS = new SecureRandom();

    private final Allocation allocation;
    private final Pool pool;
    private final SharedBuffer buffer;
    private final long cuid;
    private final long serial;
    private final int capacity;
    private final int blockSize;
    private final int stride;
    private final Signal recvSignal;
    private final Signal sendSignal;

    private LocalChannel(ChannelDescriptor descriptor, Allocation allocation) {
        super(descriptor);
        this.allocation = allocation;
        this.pool = allocation.pool();
        this.buffer = allocation.buffer();
        this.cuid = descriptor.cuid();
        this.serial = descriptor.serial();
        this.capacity = buffer.getInt(CAPACITY_OFFSET);
        this.blockSize = buffer.getInt(BLOCK_SIZE_OFFSET);
        this.stride = buffer.getInt(SLOT_STRIDE_OFFSET);
        this.recvSignal = new Signal(buffer, RECV_SIGNAL_OFFSET);
        this.sendSignal = new Signal(buffer, SEND_SIGNAL_OFFSET);
    }

    /** See {@link Channel#create}. */
    public static LocalChannel create(Pool pool, long cuid, int capacity, int blockSize) {
        if (capacity < 2) {
            // With one slot, "full at position p" and "free for position p + 1" are the same sequence number.
            throw new IllegalArgumentException("channel capacity must be at least 2 messages, got " + capacity);
        }
        if (blockSize < ChannelLayout.MIN_BLOCK_SIZE || blockSize > (1 << 30)) {
            throw new IllegalArgumentException("channel block size must be " + ChannelLayout.MIN_BLOCK_SIZE
                + " bytes to 1 GiB, got " + blockSize);
        }
        Allocation allocation = pool.allocate(ChannelLayout.allocationSize(capacity, blockSize));
        SharedBuffer buffer = allocation.buffer();
        long serial = SERIALS.nextLong();
        int stride = ChannelLayout.slotStride(blockSize);
        buffer.setMemory(0, SLOTS_OFFSET, (byte) 0);
        buffer.putLong(CUID_OFFSET, cuid);
        buffer.putLong(SERIAL_OFFSET, serial);
        buffer.putInt(CAPACITY_OFFSET, capacity);
        buffer.putInt(BLOCK_SIZE_OFFSET, blockSize);
        buffer.putInt(SLOT_STRIDE_OFFSET, stride);
        for (int i = 0; i < capacity; i++) {
            buffer.putLong(SLOTS_OFFSET + (long) i * stride + SLOT_SEQUENCE_OFFSET, i);
        }
        buffer.putLongVolatile(MAGIC_OFFSET, MAGIC);
        return new LocalChannel(new ChannelDescriptor(cuid, allocation.descriptor(), serial), allocation);
    }

    /**
     * Attaches to a channel on this node.
     *
     * @throws ChannelDestroyedException if the channel has been destroyed
     */
    public static LocalChannel attach(ChannelDescriptor descriptor) {
        AllocationDescriptor where = descriptor.allocation();
        if (where.pool().hostId() != HostId.local()) {
            throw new ChannelException("channel " + descriptor.cuid() + " lives on another node; this process can"
                + " only attach to channels of its own node");
        }
        Allocation allocation;
        try {
            allocation = Allocation.attach(where);
        } catch (IllegalArgumentException e) {
            throw new ChannelDestroyedException(descriptor.cuid());
        }
        if (where.size() < ChannelLayout.SLOTS_OFFSET) {
            throw new ChannelDestroyedException(descriptor.cuid());
        }
        SharedBuffer buffer = allocation.buffer();
        if (buffer.getLongVolatile(MAGIC_OFFSET) != MAGIC || buffer.getLong(SERIAL_OFFSET) != descriptor.serial()
            || buffer.getLong(CUID_OFFSET) != descriptor.cuid()) {
            throw new ChannelDestroyedException(descriptor.cuid());
        }
        return new LocalChannel(descriptor, allocation);
    }

    @Override
    public LocalChannel waitMode(WaitMode mode) {
        super.waitMode(mode);
        return this;
    }

    public Pool pool() {
        return pool;
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public int blockSize() {
        return blockSize;
    }

    @Override
    public int size() {
        long size = buffer.getLongVolatile(TAIL_OFFSET) - buffer.getLongVolatile(HEAD_OFFSET);
        return (int) Math.max(0, Math.min(capacity, size));
    }

    @Override
    public boolean canRecv() {
        long position = buffer.getLongVolatile(HEAD_OFFSET);
        return buffer.getLongVolatile(slot(position) + SLOT_SEQUENCE_OFFSET) - (position + 1) >= 0;
    }

    @Override
    public boolean canSend() {
        long position = buffer.getLongVolatile(TAIL_OFFSET);
        return buffer.getLongVolatile(slot(position) + SLOT_SEQUENCE_OFFSET) - position >= 0;
    }

    @Override
    public boolean awaitRecv(long timeout, TimeUnit unit) throws InterruptedException {
        return recvSignal.await(this, CAN_RECV, waitMode(), Deadline.after(timeout, unit));
    }

    @Override
    public boolean awaitSend(long timeout, TimeUnit unit) throws InterruptedException {
        return sendSignal.await(this, CAN_SEND, waitMode(), Deadline.after(timeout, unit));
    }

    // ---- send

    @Override
    public boolean trySend(ByteBuffer src) {
        checkAlive();
        int length = src.remaining();
        if (length <= blockSize) {
            return publish(src, length, PoolLayout.NONE);
        }
        if (!canSend()) {
            return false;
        }
        long side = pool.tryAllocate(checkedSideLength(length));
        if (side == PoolLayout.NONE) {
            return false;
        }
        pool.buffer().putBytes(side, src, length);
        if (publish(src, length, side)) {
            return true;
        }
        pool.free(side);
        return false;
    }

    @Override
    public void send(ByteBuffer src, WaitMode mode, long deadline) throws InterruptedException {
        checkAlive();
        int length = src.remaining();
        if (length <= blockSize) {
            awaitPublish(src, length, PoolLayout.NONE, mode, deadline);
            return;
        }
        long side = pool.allocateOffset(checkedSideLength(length), mode, deadline);
        pool.buffer().putBytes(side, src, length);
        boolean sent = false;
        try {
            awaitPublish(src, length, side, mode, deadline);
            sent = true;
        } finally {
            if (!sent) {
                pool.free(side);
            }
        }
    }

    private void awaitPublish(ByteBuffer src, int length, long side, WaitMode mode, long deadline)
        throws InterruptedException {
        for (;;) {
            if (publish(src, length, side)) {
                return;
            }
            if (!sendSignal.await(this, CAN_SEND, mode, deadline)) {
                if (publish(src, length, side)) {
                    return;
                }
                throw new ChannelFullException("channel " + cuid + " stayed full (" + capacity + " messages) until"
                    + " the deadline: receivers are not keeping up; nothing was sent");
            }
            checkAlive();
        }
    }

    /** Claims the tail position and publishes the message there, or returns false if the ring is full. */
    private boolean publish(ByteBuffer src, int length, long side) {
        for (;;) {
            long position = buffer.getLongVolatile(TAIL_OFFSET);
            long slot = slot(position);
            long gap = buffer.getLongVolatile(slot + SLOT_SEQUENCE_OFFSET) - position;
            if (gap < 0) {
                return false;
            }
            if (gap == 0 && buffer.compareAndSetLong(TAIL_OFFSET, position, position + 1)) {
                buffer.putInt(slot + SLOT_LENGTH_OFFSET, length);
                if (side == PoolLayout.NONE) {
                    buffer.putInt(slot + SLOT_KIND_OFFSET, KIND_INLINE);
                    buffer.putBytes(slot + SLOT_PAYLOAD_OFFSET, src, length);
                } else {
                    buffer.putInt(slot + SLOT_KIND_OFFSET, KIND_SIDE);
                    buffer.putLong(slot + SLOT_PAYLOAD_OFFSET, side);
                }
                buffer.putLongOrdered(slot + SLOT_SEQUENCE_OFFSET, position + 1);
                src.position(src.limit());
                recvSignal.signal();
                return true;
            }
        }
    }

    // ---- receive

    @Override
    public int tryRecv(ByteBuffer dst) {
        checkAlive();
        long position = claim(dst);
        return position < 0 ? -1 : consume(position, dst);
    }

    @Override
    public int recv(ByteBuffer dst, WaitMode mode, long deadline) throws InterruptedException {
        checkAlive();
        return consume(awaitClaim(dst, mode, deadline), dst);
    }

    @Override
    public byte[] tryRecv() {
        checkAlive();
        long position = claim(null);
        return position < 0 ? null : consume(position);
    }

    @Override
    public byte[] recv(WaitMode mode, long deadline) throws InterruptedException {
        checkAlive();
        return consume(awaitClaim(null, mode, deadline));
    }

    private long awaitClaim(ByteBuffer dst, WaitMode mode, long deadline) throws InterruptedException {
        for (;;) {
            long position = claim(dst);
            if (position >= 0) {
                return position;
            }
            if (!recvSignal.await(this, CAN_RECV, mode, deadline)) {
                position = claim(dst);
                if (position >= 0) {
                    return position;
                }
                throw new ChannelEmptyException("no message arrived on channel " + cuid + " before the deadline");
            }
            checkAlive();
        }
    }

    /**
     * Claims the head position if it holds a message that fits {@code dst} (any size if null).
     *
     * <p>The length is read before the claim: if the claim succeeds, no one else has taken the slot since its
     * sequence was read, so the length belongs to the claimed message.
     *
     * @return the claimed position, or -1 if empty
     */
    private long claim(ByteBuffer dst) {
        if (dst != null && dst.isReadOnly()) {
            // Checked before the claim: a failed copy after it would lose the message and never free its slot.
            throw new ReadOnlyBufferException();
        }
        for (;;) {
            long position = buffer.getLongVolatile(HEAD_OFFSET);
            long slot = slot(position);
            long gap = buffer.getLongVolatile(slot + SLOT_SEQUENCE_OFFSET) - (position + 1);
            if (gap < 0) {
                return -1;
            }
            if (gap == 0) {
                int length = buffer.getInt(slot + SLOT_LENGTH_OFFSET);
                if (dst != null && length > dst.remaining()) {
                    if (buffer.getLongVolatile(HEAD_OFFSET) != position) {
                        continue;
                    }
                    throw new MessageTooLargeException("the next message on channel " + cuid + " is " + length
                        + " bytes but the receive buffer has room for " + dst.remaining() + "; it stays in the"
                        + " channel", length);
                }
                if (buffer.compareAndSetLong(HEAD_OFFSET, position, position + 1)) {
                    return position;
                }
            }
        }
    }

    private int consume(long position, ByteBuffer dst) {
        long slot = slot(position);
        int length = buffer.getInt(slot + SLOT_LENGTH_OFFSET);
        if (buffer.getInt(slot + SLOT_KIND_OFFSET) == KIND_INLINE) {
            buffer.getBytes(slot + SLOT_PAYLOAD_OFFSET, dst, length);
            release(slot, position);
        } else {
            long side = buffer.getLong(slot + SLOT_PAYLOAD_OFFSET);
            release(slot, position);
            pool.buffer().getBytes(side, dst, length);
            pool.free(side);
        }
        dst.position(dst.position() + length);
        return length;
    }

    private byte[] consume(long position) {
        byte[] message = new byte[buffer.getInt(slot(position) + SLOT_LENGTH_OFFSET)];
        consume(position, ByteBuffer.wrap(message));
        return message;
    }

    private void release(long slot, long position) {
        buffer.putLongOrdered(slot + SLOT_SEQUENCE_OFFSET, position + capacity);
        sendSignal.signal();
    }

    // ---- lifetime

    @Override
    public void destroy() {
        checkAlive();
        buffer.putLongVolatile(MAGIC_OFFSET, 0);
        buffer.putLongVolatile(SERIAL_OFFSET, 0);
        for (long position = buffer.getLong(HEAD_OFFSET); position < buffer.getLong(TAIL_OFFSET); position++) {
            long slot = slot(position);
            if (buffer.getLongVolatile(slot + SLOT_SEQUENCE_OFFSET) == position + 1
                && buffer.getInt(slot + SLOT_KIND_OFFSET) == KIND_SIDE) {
                pool.free(buffer.getLong(slot + SLOT_PAYLOAD_OFFSET));
            }
        }
        recvSignal.signal();
        sendSignal.signal();
        allocation.free();
    }

    @Override
    public boolean isDestroyed() {
        return !pool.isMapped() || buffer.getLongVolatile(SERIAL_OFFSET) != serial;
    }

    @Override
    public boolean isReady(long event) {
        return (event == CAN_RECV ? canRecv() : canSend()) || isDestroyed();
    }

    @Override
    public String toString() {
        return "channel " + cuid + " (" + capacity + " x " + blockSize + " bytes in " + pool + ")";
    }

    private void checkAlive() {
        if (!pool.isMapped() || buffer.getLong(SERIAL_OFFSET) != serial) {
            throw new ChannelDestroyedException(cuid);
        }
    }

    private long checkedSideLength(int length) {
        if (length > pool.maxAllocation()) {
            throw new MessageTooLargeException("a message of " + length + " bytes is larger than channel " + cuid
                + "'s " + pool + " can ever hold (" + pool.maxAllocation() + " bytes); use a bigger pool or send it"
                + " in parts", length);
        }
        return length;
    }

    private long slot(long position) {
        return SLOTS_OFFSET + (position % capacity) * stride;
    }
}
