package io.dragon.core.bcast;

import static io.dragon.core.bcast.BroadcastLayout.COLLECTED_SIGNAL_OFFSET;
import static io.dragon.core.bcast.BroadcastLayout.GRANTS_OFFSET;
import static io.dragon.core.bcast.BroadcastLayout.LOCK_OFFSET;
import static io.dragon.core.bcast.BroadcastLayout.MAGIC;
import static io.dragon.core.bcast.BroadcastLayout.MAGIC_OFFSET;
import static io.dragon.core.bcast.BroadcastLayout.MAX_PAYLOAD_OFFSET;
import static io.dragon.core.bcast.BroadcastLayout.PAYLOAD_LENGTH_OFFSET;
import static io.dragon.core.bcast.BroadcastLayout.PAYLOAD_OFFSET;
import static io.dragon.core.bcast.BroadcastLayout.ROUND_OFFSET;
import static io.dragon.core.bcast.BroadcastLayout.SERIAL_OFFSET;
import static io.dragon.core.bcast.BroadcastLayout.TRIGGERED_SIGNAL_OFFSET;
import static io.dragon.core.bcast.BroadcastLayout.USERS_OFFSET;
import static io.dragon.core.bcast.BroadcastLayout.WAITING_OFFSET;

import io.dragon.core.infrastructure.CorruptDescriptorException;
import io.dragon.core.locks.SharedLock;
import io.dragon.core.memory.Allocation;
import io.dragon.core.memory.AllocationDescriptor;
import io.dragon.core.memory.Pool;
import io.dragon.core.memory.PoolDestroyedException;
import io.dragon.core.memory.PoolFullException;
import io.dragon.core.memory.PoolLayout;
import io.dragon.core.shm.SharedBuffer;
import io.dragon.core.sync.Deadline;
import io.dragon.core.sync.Readiness;
import io.dragon.core.sync.Signal;
import io.dragon.core.sync.WaitMode;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Any-to-many event trigger in managed memory: processes wait, and a trigger releases one of them
 * ({@link #triggerOne}) or all of them ({@link #triggerAll}) with a payload of at most {@link #maxPayload()} bytes.
 * Only waiters already waiting when a trigger happens can receive it; a trigger with nobody waiting is lost.
 * Layout: {@link BroadcastLayout}.
 *
 * <p>Protocol, all bookkeeping under one {@link SharedLock}: a waiter registers ({@code waiting++}) and remembers the
 * current round. A trigger writes the payload, sets {@code grants} to the number it releases and bumps the round,
 * then signals. A woken waiter whose registration round is older than the current round takes a grant if one is
 * left, copies the payload and deregisters; otherwise (another waiter took the only grant) it waits for the next
 * round. There is one payload area, so a trigger first waits until the previous trigger's grants are all collected.
 * A waiter that times out or is interrupted while a grant is available to it takes the grant rather than leave it
 * uncollected, so grants are always collected unless a released waiter dies.
 *
 * <p>Timeouts throw {@link BroadcastTimeoutException} (a checked {@link java.util.concurrent.TimeoutException}), so a
 * payload is never confused with "nothing arrived"; an empty payload is an empty array.
 */
public final class Broadcast {
    private static final long DRAIN_NANOS = 1_000_000_000L;

    private final Pool pool;
    private final SharedBuffer segment;
    private final BroadcastDescriptor descriptor;
    private final long serial;
    private final int maxPayload;
    private final SharedLock lock;
    private final Signal triggered;
    private final Signal collected;
    private final long magicAt;
    private final long serialAt;
    private final long payloadLengthAt;
    private final long waitingAt;
    private final long grantsAt;
    private final long roundAt;
    private final long usersAt;
    private final long payloadAt;
    /** Long-lived conditions, so that waiting allocates nothing. */
    private final Readiness roundMoved;
    private final Readiness grantsCollected;

    private Broadcast(Pool pool, long offset, long serial, int maxPayload) {
        this.pool = pool;
        this.segment = pool.buffer();
        this.descriptor = new BroadcastDescriptor(
            new AllocationDescriptor(pool.descriptor(), offset, BroadcastLayout.length(maxPayload)), serial);
        this.serial = serial;
        this.maxPayload = maxPayload;
        this.lock = new SharedLock(segment, offset + LOCK_OFFSET, "lock of broadcast " + Long.toHexString(serial));
        this.triggered = new Signal(segment, offset + TRIGGERED_SIGNAL_OFFSET);
        this.collected = new Signal(segment, offset + COLLECTED_SIGNAL_OFFSET);
        this.magicAt = offset + MAGIC_OFFSET;
        this.serialAt = offset + SERIAL_OFFSET;
        this.payloadLengthAt = offset + PAYLOAD_LENGTH_OFFSET;
        this.waitingAt = offset + WAITING_OFFSET;
        this.grantsAt = offset + GRANTS_OFFSET;
        this.roundAt = offset + ROUND_OFFSET;
        this.usersAt = offset + USERS_OFFSET;
        this.payloadAt = offset + PAYLOAD_OFFSET;
        this.roundMoved = round -> segment.getLongVolatile(roundAt) != round || !isLive();
        this.grantsCollected = unused -> segment.getLongVolatile(grantsAt) == 0 || !isLive();
    }

    /**
     * Creates a broadcast in {@code pool} whose payloads hold at most {@code maxPayload} bytes.
     *
     * @throws PoolFullException if the pool has no room for it now
     */
    public static Broadcast create(Pool pool, int maxPayload) {
        if (maxPayload < 0) {
            throw new IllegalArgumentException("maximum payload must not be negative, got " + maxPayload);
        }
        long length = BroadcastLayout.length(maxPayload);
        long offset = pool.tryAllocate(length);
        if (offset == PoolLayout.NONE) {
            throw new PoolFullException(pool + " has no free block for a broadcast of " + length + " bytes now: "
                + pool.freeBytes() + " bytes free, largest free block " + pool.largestFreeBlock() + " bytes. Free"
                + " objects you no longer need, or use a bigger pool.");
        }
        SharedBuffer segment = pool.buffer();
        segment.setMemory(offset, PAYLOAD_OFFSET, (byte) 0);
        SharedLock.initialize(segment, offset + LOCK_OFFSET);
        long serial = ThreadLocalRandom.current().nextLong() | 1; // never 0, the value of a zeroed header
        segment.putLong(offset + SERIAL_OFFSET, serial);
        segment.putInt(offset + MAX_PAYLOAD_OFFSET, maxPayload);
        segment.putLongVolatile(offset + MAGIC_OFFSET, MAGIC); // publishes the rest
        return new Broadcast(pool, offset, serial, maxPayload);
    }

    /** The broadcast described by a serialized descriptor, from any process on this node. */
    public static Broadcast attach(byte[] serializedDescriptor) {
        return attach(BroadcastDescriptor.deserialize(serializedDescriptor));
    }

    /**
     * The broadcast described, from any process on this node.
     *
     * @throws BroadcastDestroyedException if the broadcast or its pool has been destroyed
     * @throws CorruptDescriptorException if the descriptor cannot be a broadcast's
     */
    public static Broadcast attach(BroadcastDescriptor descriptor) {
        AllocationDescriptor allocation = descriptor.allocation();
        if (allocation.size() < PAYLOAD_OFFSET || allocation.size() - PAYLOAD_OFFSET > Integer.MAX_VALUE) {
            throw new CorruptDescriptorException("broadcast descriptor names an allocation of " + allocation.size()
                + " bytes, which cannot hold a broadcast");
        }
        Pool pool;
        try {
            pool = Pool.attach(allocation.pool());
        } catch (PoolDestroyedException e) {
            throw new BroadcastDestroyedException("cannot attach broadcast " + Long.toHexString(descriptor.serial())
                + ": " + e.getMessage(), e);
        }
        try {
            Allocation.attach(allocation);
        } catch (IllegalArgumentException e) {
            throw new BroadcastDestroyedException("no broadcast at offset " + allocation.offset() + " of " + pool
                + ": it was destroyed (its block is free)", e);
        }
        int maxPayload = (int) (allocation.size() - PAYLOAD_OFFSET);
        Broadcast broadcast = new Broadcast(pool, allocation.offset(), descriptor.serial(), maxPayload);
        broadcast.checkLive();
        if (pool.buffer().getInt(allocation.offset() + MAX_PAYLOAD_OFFSET) != maxPayload) {
            throw new CorruptDescriptorException("broadcast descriptor's size does not match " + broadcast);
        }
        return broadcast;
    }

    public BroadcastDescriptor descriptor() {
        return descriptor;
    }

    /** The serialized descriptor, for another process to {@link #attach(byte[])}. */
    public byte[] serialize() {
        return descriptor.serialize();
    }

    public int maxPayload() {
        return maxPayload;
    }

    /**
     * Waiters that a trigger would release now: registered and not released by an earlier trigger. A snapshot,
     * taken under the lock so that a waiter collecting its payload is never counted twice or not at all.
     */
    public int waiters() {
        checkLive();
        lock.lock();
        try {
            checkLive();
            return (int) (segment.getLong(waitingAt) - segment.getLong(grantsAt));
        } finally {
            lock.unlock();
        }
    }

    /**
     * Releases one current waiter with {@code payload}.
     *
     * @return 1, or 0 if nobody was waiting (the payload is then dropped)
     * @throws BroadcastTimeoutException if the previous trigger's payload was still uncollected at the timeout
     */
    public int triggerOne(byte[] payload, long timeout, TimeUnit unit)
        throws InterruptedException, BroadcastTimeoutException {
        return trigger(payload, false, timeout, unit);
    }

    /**
     * Releases every process waiting now with {@code payload}; later waiters do not receive it.
     *
     * @return the number of waiters released (0 if nobody was waiting)
     * @throws BroadcastTimeoutException if the previous trigger's payload was still uncollected at the timeout
     */
    public int triggerAll(byte[] payload, long timeout, TimeUnit unit)
        throws InterruptedException, BroadcastTimeoutException {
        return trigger(payload, true, timeout, unit);
    }

    /** Waits adaptively (spin, yield, sleep) for a trigger; see {@link #await(WaitMode, long, TimeUnit)}. */
    public byte[] await(long timeout, TimeUnit unit) throws InterruptedException, BroadcastTimeoutException {
        return await(WaitMode.ADAPTIVE, timeout, unit);
    }

    /**
     * Waits for a trigger that happens after this call starts, and returns its payload. If interrupted while a
     * payload is already granted to it, returns that payload with the thread's interrupt status set.
     *
     * @throws BroadcastTimeoutException if no trigger released this waiter within the timeout
     * @throws BroadcastDestroyedException if the broadcast is destroyed while waiting
     */
    public byte[] await(WaitMode mode, long timeout, TimeUnit unit)
        throws InterruptedException, BroadcastTimeoutException {
        long deadline = Deadline.after(timeout, unit);
        enter();
        try {
            int length = takeGrant(mode, deadline, timeout, unit);
            byte[] payload;
            try {
                payload = new byte[length];
                segment.getBytes(payloadAt, payload, 0, length);
            } finally {
                releaseGrantLock();
            }
            return payload;
        } finally {
            exit();
        }
    }

    /**
     * Waits like {@link #await(WaitMode, long, TimeUnit)} but copies the payload into {@code dst} at its position and
     * advances the position, without allocating. {@code dst} must have {@link #maxPayload()} bytes remaining, since
     * a collected payload cannot be handed back.
     *
     * @return the payload's length
     */
    public int await(ByteBuffer dst, WaitMode mode, long timeout, TimeUnit unit)
        throws InterruptedException, BroadcastTimeoutException {
        if (dst.isReadOnly()) {
            throw new ReadOnlyBufferException();
        }
        if (dst.remaining() < maxPayload) {
            throw new IllegalArgumentException("buffer has " + dst.remaining() + " bytes remaining, fewer than the"
                + " maximum payload of " + this + " (" + maxPayload + " bytes)");
        }
        long deadline = Deadline.after(timeout, unit);
        enter();
        try {
            int length = takeGrant(mode, deadline, timeout, unit);
            try {
                segment.getBytes(payloadAt, dst, length);
            } finally {
                releaseGrantLock();
            }
            dst.position(dst.position() + length);
            return length;
        } finally {
            exit();
        }
    }

    /**
     * Frees the broadcast. Threads waiting in it (in any process) are woken and get
     * {@link BroadcastDestroyedException}; the memory is freed once they have left, or after a second if some never
     * do (a stopped process). It must be the last use of the broadcast.
     */
    public void destroy() {
        checkLive();
        lock.lock();
        try {
            if (!isLive()) {
                throw destroyed();
            }
            segment.putLongVolatile(magicAt, 0);
        } finally {
            lock.unlock();
        }
        triggered.signal();
        collected.signal();
        long until = System.nanoTime() + DRAIN_NANOS;
        while ((segment.getLongVolatile(usersAt) != 0 || lock.isLocked()) && System.nanoTime() - until < 0) {
            Thread.yield();
        }
        pool.free(descriptor.allocation().offset());
    }

    public boolean isDestroyed() {
        return !isLive();
    }

    @Override
    public String toString() {
        return "broadcast " + Long.toHexString(serial) + " in " + pool;
    }

    private int trigger(byte[] payload, boolean all, long timeout, TimeUnit unit)
        throws InterruptedException, BroadcastTimeoutException {
        Objects.requireNonNull(payload, "payload");
        if (payload.length > maxPayload) {
            throw new IllegalArgumentException("payload of " + payload.length + " bytes exceeds the maximum of "
                + maxPayload + " bytes that " + this + " was created with");
        }
        long deadline = Deadline.after(timeout, unit);
        enter();
        try {
            for (;;) {
                // One payload area: wait (without the lock) until the previous trigger's waiters have copied it.
                if (!collected.await(grantsCollected, 0, WaitMode.ADAPTIVE, deadline)) {
                    throw new BroadcastTimeoutException(this + ": " + segment.getLongVolatile(grantsAt) + " waiter(s)"
                        + " released by the previous trigger had not collected its payload within " + timeout + " "
                        + unit + " (a released waiter may have died or be stopped)");
                }
                checkLive();
                if (!lock.lock(WaitMode.ADAPTIVE, deadline)) {
                    throw new BroadcastTimeoutException(this + ": its lock was not free within " + timeout + " "
                        + unit);
                }
                int released = -1;
                try {
                    checkLive();
                    if (segment.getLong(grantsAt) == 0) { // else another trigger got in first: wait again
                        long waiting = segment.getLongVolatile(waitingAt);
                        released = waiting == 0 ? 0 : all ? (int) Math.min(waiting, Integer.MAX_VALUE) : 1;
                        if (released > 0) {
                            segment.putBytes(payloadAt, payload, 0, payload.length);
                            segment.putInt(payloadLengthAt, payload.length);
                            segment.putLongOrdered(grantsAt, released);
                            segment.putLongVolatile(roundAt, segment.getLong(roundAt) + 1);
                        }
                    }
                } finally {
                    lock.unlock();
                }
                if (released > 0) {
                    triggered.signal();
                }
                if (released >= 0) {
                    return released;
                }
            }
        } finally {
            exit();
        }
    }

    /** Registers, waits for a grant and takes it; returns the payload length with the lock still held. */
    private int takeGrant(WaitMode mode, long deadline, long timeout, TimeUnit unit)
        throws InterruptedException, BroadcastTimeoutException {
        long round = register(mode, deadline, timeout, unit);
        for (;;) {
            boolean interrupted = false;
            try {
                triggered.await(roundMoved, round, mode, deadline);
            } catch (InterruptedException e) {
                interrupted = true;
            }
            checkLive(); // destroyed: leave without touching the lock; nobody counts waiters any more
            lockUninterruptibly();
            int length = -1;
            boolean leaving = false;
            try {
                checkLive();
                long now = segment.getLong(roundAt);
                long grants = segment.getLong(grantsAt);
                if (now != round && grants > 0) {
                    segment.putLongOrdered(grantsAt, grants - 1);
                    segment.getAndAddLong(waitingAt, -1);
                    length = segment.getInt(payloadLengthAt);
                } else if (interrupted || Deadline.hasPassed(deadline)) {
                    segment.getAndAddLong(waitingAt, -1);
                    leaving = true;
                } else {
                    round = now; // another waiter took the only grant of that round: wait for the next one
                }
            } catch (RuntimeException e) {
                lock.unlock();
                throw e;
            }
            if (length >= 0) {
                if (interrupted) {
                    Thread.currentThread().interrupt(); // the payload was ours: deliver it, keep the interrupt
                }
                return length;
            }
            lock.unlock();
            if (interrupted) {
                throw new InterruptedException();
            }
            if (leaving) {
                throw new BroadcastTimeoutException(this + ": no trigger released this waiter within " + timeout
                    + " " + unit);
            }
        }
    }

    private long register(WaitMode mode, long deadline, long timeout, TimeUnit unit)
        throws InterruptedException, BroadcastTimeoutException {
        if (!lock.lock(mode, deadline)) {
            throw new BroadcastTimeoutException(this + ": its lock was not free within " + timeout + " " + unit);
        }
        try {
            checkLive();
            segment.getAndAddLong(waitingAt, 1);
            return segment.getLong(roundAt);
        } finally {
            lock.unlock();
        }
    }

    /** Takes the lock even if interrupted meanwhile (keeping the interrupt): a registered waiter must deregister. */
    private void lockUninterruptibly() {
        boolean interrupted = false;
        for (;;) {
            try {
                lock.lock(WaitMode.ADAPTIVE, Deadline.FOREVER);
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Ends a {@link #takeGrant}: the payload has been copied. */
    private void releaseGrantLock() {
        boolean allCollected = segment.getLong(grantsAt) == 0;
        lock.unlock();
        if (allCollected) {
            collected.signal();
        }
    }

    /** Counts the caller in {@code users}, so that destroy frees nothing while it is inside. */
    private void enter() {
        checkLive();
        segment.getAndAddLong(usersAt, 1);
        if (!isLive()) {
            segment.getAndAddLong(usersAt, -1);
            throw destroyed();
        }
    }

    private void exit() {
        segment.getAndAddLong(usersAt, -1);
    }

    private boolean isLive() {
        return segment.getLongVolatile(magicAt) == MAGIC && segment.getLongVolatile(serialAt) == serial;
    }

    private void checkLive() {
        if (!isLive()) {
            throw destroyed();
        }
    }

    private BroadcastDestroyedException destroyed() {
        return new BroadcastDestroyedException(this + " has been destroyed (or its descriptor is stale)");
    }
}
