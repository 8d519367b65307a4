package io.dragon.core.channels;

import static io.dragon.core.channels.ChannelLayout.BLOCK_SIZE_OFFSET;
import static io.dragon.core.channels.ChannelLayout.CAPACITY_OFFSET;
import static io.dragon.core.channels.ChannelLayout.CLAIMANT_MASK;
import static io.dragon.core.channels.ChannelLayout.CUID_OFFSET;
import static io.dragon.core.channels.ChannelLayout.HEADER_OFFSET;
import static io.dragon.core.channels.ChannelLayout.HEAD_OFFSET;
import static io.dragon.core.channels.ChannelLayout.KIND_INLINE;
import static io.dragon.core.channels.ChannelLayout.KIND_SIDE;
import static io.dragon.core.channels.ChannelLayout.RECV_SIGNAL_OFFSET;
import static io.dragon.core.channels.ChannelLayout.SEND_SIGNAL_OFFSET;
import static io.dragon.core.channels.ChannelLayout.SLOTS_OFFSET;
import static io.dragon.core.channels.ChannelLayout.SLOT_KIND_OFFSET;
import static io.dragon.core.channels.ChannelLayout.SLOT_LENGTH_OFFSET;
import static io.dragon.core.channels.ChannelLayout.SLOT_PAYLOAD_OFFSET;
import static io.dragon.core.channels.ChannelLayout.SLOT_STATE_OFFSET;
import static io.dragon.core.channels.ChannelLayout.SLOT_STRIDE_OFFSET;
import static io.dragon.core.channels.ChannelLayout.TAIL_OFFSET;
import static io.dragon.core.channels.ChannelLayout.state;

import io.dragon.core.infrastructure.CrashPoints;
import io.dragon.core.infrastructure.HostId;
import io.dragon.core.infrastructure.Pids;
import io.dragon.core.memory.Allocation;
import io.dragon.core.memory.AllocationDescriptor;
import io.dragon.core.memory.MemoryPool;
import io.dragon.core.memory.PoolLayout;
import io.dragon.core.shm.ObjectHeader;
import io.dragon.core.shm.SharedBuffer;
import io.dragon.core.sync.Deadline;
import io.dragon.core.sync.Readiness;
import io.dragon.core.sync.Signal;
import io.dragon.core.sync.WaitMode;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A {@link Channel} in a pool allocation of this node, usable by every thread of every process on the node that
 * has its descriptor. See {@link ChannelLayout}.
 *
 * <p>Send and receive are lock-free: each claims a slot with one compare-and-set that also names the claiming
 * process, moves the tail (head) on and publishes (releases) the slot with ordered stores. A message
 * longer than the block size travels in a side allocation of the same pool, referenced from its slot and freed by the
 * receiver. Messages of one sender reach any one receiver in order.
 *
 * <p>A process killed at any instruction of a send or receive loses only the message it was sending or receiving:
 * a waiter that a claimed slot has kept waiting for {@link #CLAIM_CHECK_NANOS} checks the claimant, and if it has
 * died, repairs the slot (see {@link ChannelLayout}), so the others carry on within about 150 ms (the check, plus the
 * longest sleep of a {@link Signal} waiter). What may leak is the side allocation of a message that was being written
 * into it before the slot was claimed, or whose receiver died between clearing the slot's reference and freeing it.
 *
 * <p>Each operation comes in three forms: {@code try*} (once, never blocks, "full"/"empty" is a return value),
 * with a timeout (throws {@link ChannelFullException}/{@link ChannelEmptyException}), and without one (waits
 * forever). Waiting follows the handle's {@link WaitMode} unless a call names one. No operation allocates on the
 * Java heap, except receives that return a new {@code byte[]}.
 */
public final class LocalChannel extends Channel implements Readiness {
    private static final long CAN_RECV = 0;
    private static final long CAN_SEND = 1;
    /** How long a claimed slot may keep a waiter waiting before the waiter checks that its claimant is alive. */
    static final long CLAIM_CHECK_NANOS = 100_000_000L;
    /** A receive's longest message taken from its side allocation rather than copied: none. */
    private static final int NOT_TAKEN = -1;

    // Crash points (see CrashPoints): one after each write to the channel's memory but the last of an operation.
    /** A sender has filled the side allocation of a long message, and not claimed a slot for it yet. */
    static final String SEND_SIDE_WRITTEN = "channel.send.sideWritten";
    /** A sender has claimed its slot; the tail has not moved yet. */
    static final String SEND_CLAIMED = "channel.send.claimed";
    /** A sender has claimed its slot and moved the tail. */
    static final String SEND_TAIL_MOVED = "channel.send.tailMoved";
    /** A sender has written its message into the slot, and not published it yet. */
    static final String SEND_WRITTEN = "channel.send.written";
    /** A sender has published its message; sleeping receivers are not woken yet. */
    static final String SEND_PUBLISHED = "channel.send.published";
    /** A receiver has claimed the slot at the head; the head has not moved yet. */
    static final String RECV_CLAIMED = "channel.recv.claimed";
    /** A receiver has claimed its slot and moved the head. */
    static final String RECV_HEAD_MOVED = "channel.recv.headMoved";
    /** A receiver (or repairer) has cleared the slot's reference to a side allocation, and not freed it yet. */
    static final String SIDE_CLEARED = "channel.sideCleared";
    /** A receiver has released its slot; sleeping senders are not woken yet. */
    static final String RECV_RELEASED = "channel.recv.released";
    /** A remover has claimed the slot of the message it removes. */
    static final String REMOVE_CLAIMED = "channel.remove.claimed";
    /** A remover has freed the slot of the message it removed for the next lap; senders are not woken yet. */
    static final String REMOVE_RELEASED = "channel.remove.released";
    /** A waiter has taken over the claim of a dead process. */
    static final String REPAIR_CLAIMED = "channel.repair.claimed";
    /** A waiter has freed the slot of a dead claimant; sleeping waiters are not woken yet. */
    static final String REPAIR_RELEASED = "channel.repair.released";
    static final List<String> CRASH_POINTS = List.of(SEND_SIDE_WRITTEN, SEND_CLAIMED, SEND_TAIL_MOVED, SEND_WRITTEN,
        SEND_PUBLISHED, RECV_CLAIMED, RECV_HEAD_MOVED, SIDE_CLEARED, RECV_RELEASED, REMOVE_CLAIMED, REMOVE_RELEASED,
        REPAIR_CLAIMED, REPAIR_RELEASED);

    private final Allocation allocation;
    private final MemoryPool pool;
    private final SharedBuffer buffer;
    private final long cuid;
    private final long serial;
    private final int capacity;
    private final int blockSize;
    private final int stride;
    private final Signal recvSignal;
    private final Signal sendSignal;
    private final ClaimWatch sendWatch = new ClaimWatch();
    private final ClaimWatch recvWatch = new ClaimWatch();

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
    public static LocalChannel create(MemoryPool pool, long cuid, int capacity, int blockSize) {
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
        long serial = ObjectHeader.newSerial();
        int stride = ChannelLayout.slotStride(blockSize);
        buffer.setMemory(0, SLOTS_OFFSET, (byte) 0);
        buffer.putLong(CUID_OFFSET, cuid);
        buffer.putInt(CAPACITY_OFFSET, capacity);
        buffer.putInt(BLOCK_SIZE_OFFSET, blockSize);
        buffer.putInt(SLOT_STRIDE_OFFSET, stride);
        for (int i = 0; i < capacity; i++) {
            long slot = SLOTS_OFFSET + (long) i * stride;
            buffer.putLong(slot + SLOT_STATE_OFFSET, state(i));
            buffer.putInt(slot + SLOT_KIND_OFFSET, KIND_INLINE); // a free slot's kind is inline: senders rely on it
        }
        ObjectHeader.publish(buffer, HEADER_OFFSET, ObjectHeader.CHANNEL, serial);
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
        if (!ObjectHeader.matches(buffer, HEADER_OFFSET, ObjectHeader.CHANNEL, descriptor.serial())
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

    public MemoryPool pool() {
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

    /**
     * Counts the positions from the head to the tail whose message is there or still being written: a message
     * {@link #remove(long) removed} from the middle no longer counts, though its slot is only filled again once the
     * tail reaches it. A destroyed channel holds nothing.
     */
    @Override
    public int size() {
        if (isDestroyed()) {
            return 0; // checked first: its ring may be memory of another object now
        }
        long tail = tail();
        int size = 0;
        for (long position = head(); position < tail; position++) {
            long state = stateAt(slot(position));
            if (state == state(position + 1) || (lap(state, position) == 0 && claimant(state) != 0)) {
                size++;
            }
        }
        return Math.min(capacity, size);
    }

    /** True if the slot at the head holds a message, or is one a receiver must first step past. */
    @Override
    public boolean canRecv() {
        long position = buffer.getLongVolatile(HEAD_OFFSET);
        return lap(stateAt(slot(position)), position + 1) >= 0;
    }

    /** True if the slot at the tail is free, or is one a sender must first step past. */
    @Override
    public boolean canSend() {
        long position = buffer.getLongVolatile(TAIL_OFFSET);
        return lap(stateAt(slot(position)), position) >= 0;
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
            return publish(src, null, length, PoolLayout.NONE);
        }
        if (!canSend()) {
            return false;
        }
        long side = pool.tryAllocate(checkedSideLength(length));
        if (side == PoolLayout.NONE) {
            return false;
        }
        pool.buffer().putBytes(side, src, length);
        CrashPoints.reach(SEND_SIDE_WRITTEN);
        if (publish(src, null, length, side)) {
            return true;
        }
        pool.free(side);
        return false;
    }

    /**
     * Sends the message of {@code length} bytes already written in the side allocation at {@code side} of this
     * channel's {@link #pool}, without copying it, if a slot is free now. Once it is sent the channel owns the
     * allocation (its receiver frees it); until then, and if this returns false, the caller does.
     */
    public boolean trySendSide(long side, int length) {
        checkAlive();
        return publish(null, null, length, side);
    }

    /** {@link #trySendSide}, waiting for a free slot until {@code deadline}; throws ChannelFullException then. */
    public void sendSide(long side, int length, WaitMode mode, long deadline) throws InterruptedException {
        checkAlive();
        awaitPublish(null, null, length, side, mode, deadline);
    }

    /** Always returns once the message is in the channel: {@code when} makes no difference on this node. */
    @Override
    public void send(ByteBuffer src, WaitMode mode, long deadline, SendReturn when) throws InterruptedException {
        send(src, null, mode, deadline);
    }

    /** Nothing to wait for: every send on this node has returned once its message was in the channel. */
    @Override
    public void flush() {
        checkAlive();
    }

    /**
     * Sends the bytes of {@code head} followed by those of {@code tail} (null: none) as one message, without first
     * copying them together; consumes both once sent. Otherwise as {@link #send(ByteBuffer, WaitMode, long)}.
     */
    void send(ByteBuffer head, ByteBuffer tail, WaitMode mode, long deadline) throws InterruptedException {
        checkAlive();
        int length = head.remaining() + (tail == null ? 0 : tail.remaining());
        if (length <= blockSize) {
            awaitPublish(head, tail, length, PoolLayout.NONE, mode, deadline);
            return;
        }
        long side = pool.allocateOffset(checkedSideLength(length), mode, deadline);
        pool.buffer().putBytes(side, head, head.remaining());
        if (tail != null) {
            pool.buffer().putBytes(side + head.remaining(), tail, tail.remaining());
        }
        CrashPoints.reach(SEND_SIDE_WRITTEN);
        boolean sent = false;
        try {
            awaitPublish(head, tail, length, side, mode, deadline);
            sent = true;
        } finally {
            if (!sent) {
                pool.free(side);
            }
        }
    }

    private void awaitPublish(ByteBuffer head, ByteBuffer tail, int length, long side, WaitMode mode,
                              long deadline) throws InterruptedException {
        for (;;) {
            if (publish(head, tail, length, side)) {
                return;
            }
            // Ready may also mean "check a claimant": the deadline is checked either way.
            if (!sendSignal.await(this, CAN_SEND, mode, deadline) || Deadline.hasPassed(deadline)) {
                if (publish(head, tail, length, side)) {
                    return;
                }
                throw new ChannelFullException("channel " + cuid + " stayed full (" + capacity + " messages) until"
                    + " the deadline: receivers are not keeping up; nothing was sent");
            }
            checkAlive();
        }
    }

    /**
     * Claims the slot at the tail and publishes the message there ({@code head} then {@code tail}, inline, or at
     * {@code side}, where they may be null), or returns false if the ring is full.
     */
    private boolean publish(ByteBuffer head, ByteBuffer tail, int length, long side) {
        for (;;) {
            long position = buffer.getLongVolatile(TAIL_OFFSET);
            long slot = slot(position);
            long state = stateAt(slot);
            long lap = lap(state, position);
            if (lap == 0 && claimant(state) == 0) {
                if (buffer.compareAndSetLong(slot + SLOT_STATE_OFFSET, state, state | Pids.MINE)) {
                    CrashPoints.reach(SEND_CLAIMED);
                    buffer.putLongOrdered(TAIL_OFFSET, position + 1); // a hint: see ChannelLayout
                    CrashPoints.reach(SEND_TAIL_MOVED);
                    write(slot, head, tail, length, side);
                    CrashPoints.reach(SEND_WRITTEN);
                    buffer.putLongOrdered(slot + SLOT_STATE_OFFSET, state(position + 1));
                    CrashPoints.reach(SEND_PUBLISHED);
                    if (head != null) {
                        head.position(head.limit());
                    }
                    if (tail != null) {
                        tail.position(tail.limit());
                    }
                    recvSignal.signal();
                    return true;
                }
            } else if (lap >= 0) {
                buffer.compareAndSetLong(TAIL_OFFSET, position, position + 1); // claimed by another: move on
            } else if (!repairIfDead(sendWatch, slot, state, position - capacity)) {
                return false; // the previous lap's message is still there: full
            }
        }
    }

    private void write(long slot, ByteBuffer head, ByteBuffer tail, int length, long side) {
        buffer.putInt(slot + SLOT_LENGTH_OFFSET, length);
        if (side == PoolLayout.NONE) {
            int headLength = head.remaining(); // a free slot's kind is inline
            buffer.putBytes(slot + SLOT_PAYLOAD_OFFSET, head, headLength);
            if (tail != null) {
                buffer.putBytes(slot + SLOT_PAYLOAD_OFFSET + headLength, tail, length - headLength);
            }
        } else {
            buffer.putLong(slot + SLOT_PAYLOAD_OFFSET, side);
            buffer.putIntOrdered(slot + SLOT_KIND_OFFSET, KIND_SIDE); // after the offset: a repairer trusts it
        }
    }

    // ---- receive

    @Override
    public int tryRecv(ByteBuffer dst) {
        checkAlive();
        long position = claim(dst, NOT_TAKEN);
        return position < 0 ? -1 : consume(position, dst, null);
    }

    /**
     * {@link #tryRecv(ByteBuffer)}, except that a message in a side allocation is not copied, if it is at most
     * {@code maxLength} bytes long: the allocation passes to {@code taker}, once the slot is free again, and it must
     * free it. If this process dies before it does, the allocation leaks, as for a receiver that dies while it
     * copies. A longer message stays in the channel (MessageTooLargeException), as does an inline one that does not
     * fit {@code dst}.
     *
     * @return the message's length ({@code dst} has it only if it was inline), or -1 if the channel was empty
     */
    public int tryRecv(ByteBuffer dst, int maxLength, SideTaker taker) {
        checkAlive();
        long position = claim(dst, maxLength);
        return position < 0 ? -1 : consume(position, dst, taker);
    }

    /** {@link #tryRecv(ByteBuffer, int, SideTaker)}, waiting until {@code deadline} as {@link #recv} does. */
    public int recv(ByteBuffer dst, int maxLength, SideTaker taker, WaitMode mode, long deadline)
        throws InterruptedException {
        checkAlive();
        return consume(awaitClaim(dst, maxLength, mode, deadline), dst, taker);
    }

    @Override
    public int recv(ByteBuffer dst, WaitMode mode, long deadline) throws InterruptedException {
        checkAlive();
        return consume(awaitClaim(dst, NOT_TAKEN, mode, deadline), dst, null);
    }

    @Override
    public byte[] tryRecv() {
        checkAlive();
        long position = claim(null, NOT_TAKEN);
        return position < 0 ? null : consume(position);
    }

    @Override
    public byte[] recv(WaitMode mode, long deadline) throws InterruptedException {
        checkAlive();
        return consume(awaitClaim(null, NOT_TAKEN, mode, deadline));
    }

    private long awaitClaim(ByteBuffer dst, int maxTaken, WaitMode mode, long deadline) throws InterruptedException {
        for (;;) {
            long position = claim(dst, maxTaken);
            if (position >= 0) {
                return position;
            }
            if (!recvSignal.await(this, CAN_RECV, mode, deadline) || Deadline.hasPassed(deadline)) {
                position = claim(dst, maxTaken);
                if (position >= 0) {
                    return position;
                }
                throw new ChannelEmptyException("no message arrived on channel " + cuid + " before the deadline");
            }
            checkAlive();
        }
    }

    /**
     * Claims the head position if it holds a message that fits {@code dst} (any size if null), or one in a side
     * allocation of at most {@code maxTaken} bytes, which will be taken rather than copied ({@link #NOT_TAKEN}:
     * none).
     *
     * <p>The length and kind are read before the claim: if the claim succeeds, no one else has taken the slot
     * since its sequence was read, so they belong to the claimed message.
     *
     * @return the claimed position, or -1 if empty
     */
    private long claim(ByteBuffer dst, int maxTaken) {
        if (dst != null && dst.isReadOnly()) {
            // Checked before the claim: a failed copy after it would lose the message and never free its slot.
            throw new ReadOnlyBufferException();
        }
        for (;;) {
            long position = buffer.getLongVolatile(HEAD_OFFSET);
            long slot = slot(position);
            long state = stateAt(slot);
            long lap = lap(state, position + 1);
            if (lap == 0 && claimant(state) == 0) {
                int length = buffer.getInt(slot + SLOT_LENGTH_OFFSET);
                int room = maxTaken != NOT_TAKEN && buffer.getInt(slot + SLOT_KIND_OFFSET) == KIND_SIDE ? maxTaken
                    : dst == null ? Integer.MAX_VALUE : dst.remaining();
                if (length > room) {
                    if (buffer.getLongVolatile(HEAD_OFFSET) != position) {
                        continue;
                    }
                    throw new MessageTooLargeException("the next message on channel " + cuid + " is " + length
                        + " bytes but the receive buffer has room for " + room + "; it stays in the channel",
                        length);
                }
                if (buffer.compareAndSetLong(slot + SLOT_STATE_OFFSET, state, state | Pids.MINE)) {
                    CrashPoints.reach(RECV_CLAIMED);
                    buffer.putLongOrdered(HEAD_OFFSET, position + 1); // a hint: see ChannelLayout
                    CrashPoints.reach(RECV_HEAD_MOVED);
                    return position;
                }
            } else if (lap >= 0) {
                buffer.compareAndSetLong(HEAD_OFFSET, position, position + 1); // claimed by another: move on
            } else if (!repairIfDead(recvWatch, slot, state,
                (state & ~CLAIMANT_MASK) == state(position) ? position : position - capacity)) {
                return -1; // free, or claimed by a sender still writing (or a receiver of the previous lap)
            }
        }
    }

    /**
     * Copies the claimed message into {@code dst} and frees its slot; one in a side allocation goes to
     * {@code taker} instead, if there is one.
     */
    private int consume(long position, ByteBuffer dst, SideTaker taker) {
        long slot = slot(position);
        int length = buffer.getInt(slot + SLOT_LENGTH_OFFSET);
        long side = PoolLayout.NONE;
        if (buffer.getInt(slot + SLOT_KIND_OFFSET) == KIND_INLINE) {
            buffer.getBytes(slot + SLOT_PAYLOAD_OFFSET, dst, length);
            dst.position(dst.position() + length);
        } else if (taker == null) {
            pool.buffer().getBytes(buffer.getLong(slot + SLOT_PAYLOAD_OFFSET), dst, length);
            dst.position(dst.position() + length);
            freeSide(slot);
        } else {
            side = buffer.getLong(slot + SLOT_PAYLOAD_OFFSET);
            buffer.putInt(slot + SLOT_KIND_OFFSET, KIND_INLINE); // the allocation is the taker's now
            CrashPoints.reach(SIDE_CLEARED);
        }
        release(slot, position + capacity);
        CrashPoints.reach(RECV_RELEASED);
        sendSignal.signal();
        if (side != PoolLayout.NONE) {
            taker.take(side, length);
        }
        return length;
    }

    private byte[] consume(long position) {
        byte[] message = new byte[buffer.getInt(slot(position) + SLOT_LENGTH_OFFSET)];
        consume(position, ByteBuffer.wrap(message), null);
        return message;
    }

    /** Frees the slot, which this process has claimed, for the sender of {@code position}. */
    private void release(long slot, long position) {
        buffer.putLongOrdered(slot + SLOT_STATE_OFFSET, state(position));
    }

    /** Frees the side allocation the slot, which this process has claimed, refers to, if any. */
    private void freeSide(long slot) {
        if (buffer.getInt(slot + SLOT_KIND_OFFSET) == KIND_SIDE) {
            long side = buffer.getLong(slot + SLOT_PAYLOAD_OFFSET);
            buffer.putInt(slot + SLOT_KIND_OFFSET, KIND_INLINE); // first: a side allocation is never freed twice
            CrashPoints.reach(SIDE_CLEARED);
            pool.free(side);
        }
    }

    // ---- looking without taking, and removing from anywhere

    /**
     * Copies each message without claiming it, as a seqlock reader would (see {@link #copy}): looking changes
     * nothing in the channel but for moving the head hint past slots already taken, as receivers do.
     */
    @Override
    public Peeked peek(long from, long end, int maxMessages, int maxBytes) {
        checkAlive();
        long stop = Math.min(end, tail());
        long position = Math.max(from, head());
        int room = (int) Math.max(0, Math.min(maxMessages, stop - position));
        long[] positions = new long[room];
        byte[][] messages = new byte[room][];
        int count = 0;
        long bytes = 0;
        for (; position < stop && count < room && bytes < maxBytes; position++) {
            byte[] message = copy(position);
            if (message != null) {
                positions[count] = position;
                messages[count++] = message;
                bytes += message.length;
            }
        }
        return new Peeked(Arrays.copyOf(positions, count), Arrays.copyOf(messages, count), position, stop);
    }

    /**
     * Claims the slot as a receiver would, frees what the message holds and frees the slot for its next lap at
     * once: the slot is then past its position, which receivers step over (see {@link ChannelLayout}).
     */
    @Override
    public boolean remove(long position) {
        checkAlive();
        long slot = slot(position);
        long state = state(position + 1);
        if (!buffer.compareAndSetLong(slot + SLOT_STATE_OFFSET, state, state | Pids.MINE)) {
            return false; // taken, removed, or being taken meanwhile
        }
        CrashPoints.reach(REMOVE_CLAIMED);
        freeSide(slot);
        release(slot, position + capacity);
        CrashPoints.reach(REMOVE_RELEASED);
        sendSignal.signal();
        return true;
    }

    /**
     * A copy of the message of {@code position} if its slot holds it, unclaimed, before and after the copy; null if
     * not. Nothing else writes a slot while it holds a message without a claimant, and the claim that precedes any
     * change (a receive, a removal) changes the state word, so a copy framed by two equal states is the message.
     * The length and the side allocation's offset are checked the same way before they are trusted.
     */
    private byte[] copy(long position) {
        long slot = slot(position);
        long state = state(position + 1);
        if (stateAt(slot) != state) {
            return null;
        }
        int length = buffer.getInt(slot + SLOT_LENGTH_OFFSET);
        long side = buffer.getInt(slot + SLOT_KIND_OFFSET) == KIND_SIDE ? buffer.getLong(slot + SLOT_PAYLOAD_OFFSET)
            : PoolLayout.NONE;
        if (!unchanged(slot, state)) {
            return null;
        }
        byte[] message = new byte[length];
        if (side == PoolLayout.NONE) {
            buffer.getBytes(slot + SLOT_PAYLOAD_OFFSET, message, 0, length);
        } else {
            pool.buffer().getBytes(side, message, 0, length); // freed meanwhile: garbage, caught below
        }
        return unchanged(slot, state) ? message : null;
    }

    /** Whether the slot's state is still {@code state}, after every read before this call (a seqlock's check). */
    private boolean unchanged(long slot, long state) {
        VarHandle.acquireFence();
        return stateAt(slot) == state;
    }

    /** The first position that may hold a message: the head, moved on past slots already taken, as receivers do. */
    private long head() {
        for (;;) {
            long position = buffer.getLongVolatile(HEAD_OFFSET);
            if (lap(stateAt(slot(position)), position + 1) <= 0) {
                return position;
            }
            buffer.compareAndSetLong(HEAD_OFFSET, position, position + 1);
        }
    }

    /** The position the next sender will claim: the tail, read on past positions already claimed. */
    private long tail() {
        long position = buffer.getLongVolatile(TAIL_OFFSET);
        for (int i = 0; i < capacity; i++, position++) {
            long state = stateAt(slot(position));
            long lap = lap(state, position);
            if (lap < 0 || (lap == 0 && claimant(state) == 0)) {
                break;
            }
        }
        return position;
    }

    // ---- repair

    /**
     * If {@code state} is a claim of {@code slot}, for the message of {@code position}, has kept this handle's waiters
     * waiting long enough and its claimant has died, takes the claim over, frees what the message held and frees the
     * slot for the next lap: the dead claimant's message is lost, nothing else.
     *
     * @return true if repaired
     */
    private boolean repairIfDead(ClaimWatch watch, long slot, long state, long position) {
        if (claimant(state) == 0 || !watch.overdue(state)) {
            return false;
        }
        if (Pids.isAlive(claimant(state))) {
            watch.restart();
            return false;
        }
        if (!buffer.compareAndSetLong(slot + SLOT_STATE_OFFSET, state, (state & ~CLAIMANT_MASK) | Pids.MINE)) {
            return false;
        }
        CrashPoints.reach(REPAIR_CLAIMED);
        freeSide(slot);
        release(slot, position + capacity);
        CrashPoints.reach(REPAIR_RELEASED);
        recvSignal.signal();
        sendSignal.signal();
        return true;
    }

    /** True if the slot at {@code position} is claimed by a process that has kept a waiter of this handle waiting. */
    private boolean claimOverdue(ClaimWatch watch, long position) {
        long state = stateAt(slot(position));
        return claimant(state) != 0 && watch.overdue(state);
    }

    /**
     * The claim that last kept this handle's senders (or receivers) waiting, and since when. Threads sharing the
     * handle race on it harmlessly: at worst a claimant is checked a little early or late.
     */
    private static final class ClaimWatch {
        private long claim;
        private long since;

        /** True once {@code state} has been seen for {@link #CLAIM_CHECK_NANOS}. */
        boolean overdue(long state) {
            long now = System.nanoTime();
            if (state != claim) {
                claim = state;
                since = now;
                return false;
            }
            return now - since >= CLAIM_CHECK_NANOS;
        }

        /** The claimant was alive: check again later. */
        void restart() {
            since = System.nanoTime();
        }
    }

    // ---- lifetime

    @Override
    public void destroy() {
        checkAlive();
        if (!ObjectHeader.retire(buffer, HEADER_OFFSET, serial)) {
            throw new ChannelDestroyedException(cuid); // destroyed meanwhile, by another thread or process
        }
        // An unclaimed slot of kind SIDE holds an unreceived message (receivers and repairers clear the kind first).
        for (int i = 0; i < capacity; i++) {
            long slot = slot(i);
            if (claimant(stateAt(slot)) == 0 && buffer.getInt(slot + SLOT_KIND_OFFSET) == KIND_SIDE) {
                pool.free(buffer.getLong(slot + SLOT_PAYLOAD_OFFSET));
            }
        }
        recvSignal.signal();
        sendSignal.signal();
        allocation.free();
    }

    @Override
    public boolean isDestroyed() {
        // A pool destroyed whole does not destroy its channels one by one: its waiters must see it too.
        return pool.isDestroyed() || !ObjectHeader.isLive(buffer, HEADER_OFFSET, serial);
    }

    /** Ready to act: the condition holds, a dead claimant may need repair, or the channel is gone. */
    @Override
    public boolean isReady(long event) {
        if (isDestroyed()) {
            return true; // checked first: the ring of a destroyed channel may be unmapped memory
        }
        return event == CAN_RECV
            ? canRecv() || claimOverdue(recvWatch, buffer.getLongVolatile(HEAD_OFFSET))
            : canSend() || claimOverdue(sendWatch, buffer.getLongVolatile(TAIL_OFFSET));
    }

    @Override
    public String toString() {
        return "channel " + cuid + " (" + capacity + " x " + blockSize + " bytes in " + pool + ")";
    }

    private void checkAlive() {
        if (isDestroyed()) {
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

    private long stateAt(long slot) {
        return buffer.getLongVolatile(slot + SLOT_STATE_OFFSET);
    }

    /**
     * How far the slot's sequence is from {@code sequence}, scaled (modulo 2^40, so the sign is right across the
     * wrap): 0 at that sequence, negative before it, positive past it.
     */
    private static long lap(long state, long sequence) {
        return (state & ~CLAIMANT_MASK) - state(sequence);
    }

    private static int claimant(long state) {
        return (int) (state & CLAIMANT_MASK);
    }
}
