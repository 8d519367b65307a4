package io.dragon.core.bcast;

import static io.dragon.core.bcast.BroadcastLayout.COLLECTED_SIGNAL_OFFSET;
import static io.dragon.core.bcast.BroadcastLayout.GRANTS_OFFSET;
import static io.dragon.core.bcast.BroadcastLayout.LOCK_OFFSET;
import static io.dragon.core.bcast.BroadcastLayout.MAX_PAYLOAD_OFFSET;
import static io.dragon.core.bcast.BroadcastLayout.MAX_WAITERS_OFFSET;
import static io.dragon.core.bcast.BroadcastLayout.PAYLOAD_LENGTH_OFFSET;
import static io.dragon.core.bcast.BroadcastLayout.ROUND_OFFSET;
import static io.dragon.core.bcast.BroadcastLayout.SLOTS_OFFSET;
import static io.dragon.core.bcast.BroadcastLayout.SLOT_GRANTED_OFFSET;
import static io.dragon.core.bcast.BroadcastLayout.SLOT_LENGTH;
import static io.dragon.core.bcast.BroadcastLayout.SLOT_PID_OFFSET;
import static io.dragon.core.bcast.BroadcastLayout.TRIGGERED_SIGNAL_OFFSET;
import static io.dragon.core.bcast.BroadcastLayout.USERS_OFFSET;
import static io.dragon.core.bcast.BroadcastLayout.WAITING_OFFSET;

import io.dragon.core.infrastructure.CorruptDescriptorException;
import io.dragon.core.infrastructure.CrashPoints;
import io.dragon.core.infrastructure.Pids;
import io.dragon.core.locks.SharedLock;
import io.dragon.core.memory.Allocation;
import io.dragon.core.memory.AllocationDescriptor;
import io.dragon.core.memory.MemoryPool;
import io.dragon.core.memory.PoolDestroyedException;
import io.dragon.core.memory.PoolFullException;
import io.dragon.core.memory.PoolLayout;
import io.dragon.core.shm.ObjectGoneException;
import io.dragon.core.shm.ObjectHeader;
import io.dragon.core.shm.SharedBuffer;
import io.dragon.core.sync.Deadline;
import io.dragon.core.sync.Readiness;
import io.dragon.core.sync.Signal;
import io.dragon.core.sync.WaitMode;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Any-to-many event trigger in managed memory: processes wait, and a trigger releases one of them
 * ({@link #triggerOne}) or all of them ({@link #triggerAll}) with a payload of at most {@link #maxPayload()} bytes.
 * Only waiters already waiting when a trigger happens can receive it; a trigger with nobody waiting is lost.
 * Layout: {@link BroadcastLayout}.
 *
 * <p>Protocol, all bookkeeping under one {@link SharedLock}: a waiter registers by taking a free waiter slot (at most
 * {@link #maxWaiters()} wait at once). A trigger writes the payload, marks the slots it releases (one, or every
 * waiting one) with the next round, counts them in {@code grants}, and commits by storing that round; then it
 * signals. A woken waiter whose slot is granted copies the payload, frees its slot and counts its grant collected.
 * There is one payload area, so a trigger first waits until the previous trigger's grants are all collected. A waiter
 * that times out or is interrupted after its slot was granted takes the grant rather than leave it uncollected.
 *
 * <p>Crash-safe (see {@link BroadcastLayout}): a process killed at any instruction loses at most its own trigger or
 * wait. The next locker repairs what a dead lock holder left; a waiter that died registered or released is dropped
 * by the next trigger within about 100 ms, so no trigger waits forever for a dead waiter to collect its payload.
 *
 * <p>Timeouts throw {@link BroadcastTimeoutException} (a checked {@link java.util.concurrent.TimeoutException}), so a
 * payload is never confused with "nothing arrived"; an empty payload is an empty array.
 */
public final class Broadcast {
    /** Waiter slots of a broadcast made by {@link #create(MemoryPool, int)}. */
    public static final int DEFAULT_MAX_WAITERS = 64;
    private static final long DRAIN_NANOS = 1_000_000_000L;
    /** How often a trigger waiting for grants to be collected drops the slots of waiters that died. */
    private static final long REAP_NANOS = 100_000_000L;

    // Crash points (see CrashPoints): one after each write to shared memory but the last of an operation.
    /** A waiter has taken a slot; waiting is not counted yet. */
    static final String SLOT_TAKEN = "bcast.slotTaken";
    /** A waiter is registered (slot and count); the lock is not released yet. */
    static final String REGISTERED = "bcast.registered";
    /** A trigger has written the payload, no slot granted yet. */
    static final String PAYLOAD_WRITTEN = "bcast.payloadWritten";
    /** A trigger has granted its first slot. */
    static final String GRANTED = "bcast.granted";
    /** A trigger has counted its grants; the round is not stored yet. */
    static final String GRANTS_COUNTED = "bcast.grantsCounted";
    /** A trigger has committed (stored the round); the lock is not released yet. */
    static final String COMMITTED = "bcast.committed";
    /** A trigger has released the lock; the waiters are not signalled yet. */
    static final String TRIGGER_UNLOCKED = "bcast.triggerUnlocked";
    /** A waiter leaving (with or without its payload) has freed its slot; the counts are not updated yet. */
    static final String SLOT_FREED = "bcast.slotFreed";
    /** A released waiter has counted its grant collected; waiting is not updated yet. */
    static final String COLLECTED = "bcast.collected";
    /** A waiter has left; the lock is not released yet. */
    static final String LEFT = "bcast.left";
    /** A repair has fixed the slots; the counts are not recounted yet. */
    static final String SLOTS_REPAIRED = "bcast.slotsRepaired";
    static final List<String> CRASH_POINTS = List.of(SLOT_TAKEN, REGISTERED, PAYLOAD_WRITTEN, GRANTED, GRANTS_COUNTED,
        COMMITTED, TRIGGER_UNLOCKED, SLOT_FREED, COLLECTED, LEFT, SLOTS_REPAIRED);

    private final MemoryPool pool;
    private final SharedBuffer segment;
    private final BroadcastDescriptor descriptor;
    private final long serial;
    private final int maxPayload;
    private final int maxWaiters;
    private final SharedLock lock;
    private final Signal triggered;
    private final Signal collected;
    private final long headerAt;
    private final long payloadLengthAt;
    private final long waitingAt;
    private final long grantsAt;
    private final long roundAt;
    private final long usersAt;
    private final long slotsAt;
    private final long payloadAt;
    /** Long-lived conditions and repair, so that waiting allocates nothing. */
    private final Readiness granted;
    private final Readiness grantsCollected;
    private final Runnable repair = this::repair;

    private Broadcast(MemoryPool pool, long offset, long serial, int maxPayload, int maxWaiters) {
        this.pool = pool;
        this.segment = pool.buffer();
        this.descriptor = new BroadcastDescriptor(
            new AllocationDescriptor(pool.descriptor(), offset, BroadcastLayout.length(maxPayload, maxWaiters)),
            serial);
        this.serial = serial;
        this.maxPayload = maxPayload;
        this.maxWaiters = maxWaiters;
        this.lock = new SharedLock(segment, offset + LOCK_OFFSET, "lock of broadcast " + Long.toHexString(serial));
        this.triggered = new Signal(segment, offset + TRIGGERED_SIGNAL_OFFSET);
        this.collected = new Signal(segment, offset + COLLECTED_SIGNAL_OFFSET);
        this.headerAt = offset;
        this.payloadLengthAt = offset + PAYLOAD_LENGTH_OFFSET;
        this.waitingAt = offset + WAITING_OFFSET;
        this.grantsAt = offset + GRANTS_OFFSET;
        this.roundAt = offset + ROUND_OFFSET;
        this.usersAt = offset + USERS_OFFSET;
        this.slotsAt = offset + SLOTS_OFFSET;
        this.payloadAt = offset + BroadcastLayout.payloadOffset(maxWaiters);
        this.granted = slot -> isGranted((int) slot) || !isLive();
        this.grantsCollected = unused -> segment.getLongVolatile(grantsAt) == 0 || !isLive();
    }

    /**
     * Creates a broadcast in {@code pool} whose payloads hold at most {@code maxPayload} bytes, for at most
     * {@link #DEFAULT_MAX_WAITERS} waiters at once.
     *
     * @throws PoolFullException if the pool has no room for it now
     */
    public static Broadcast create(MemoryPool pool, int maxPayload) {
        return create(pool, maxPayload, DEFAULT_MAX_WAITERS);
    }

    /**
     * Creates a broadcast in {@code pool} whose payloads hold at most {@code maxPayload} bytes, for at most
     * {@code maxWaiters} waiting threads at once (16 bytes each).
     *
     * @throws PoolFullException if the pool has no room for it now
     */
    public static Broadcast create(MemoryPool pool, int maxPayload, int maxWaiters) {
        if (maxPayload < 0 || maxWaiters < 1) {
            throw new IllegalArgumentException("maximum payload must not be negative and maximum waiters positive,"
                + " got " + maxPayload + " and " + maxWaiters);
        }
        long length = BroadcastLayout.length(maxPayload, maxWaiters);
        long offset = pool.tryAllocate(length);
        if (offset == PoolLayout.NONE) {
            throw new PoolFullException(pool + " has no free block for a broadcast of " + length + " bytes now: "
                + pool.freeBytes() + " bytes free, largest free block " + pool.largestFreeBlock() + " bytes. Free"
                + " objects you no longer need, or use a bigger pool.");
        }
        SharedBuffer segment = pool.buffer();
        segment.setMemory(offset, BroadcastLayout.payloadOffset(maxWaiters), (byte) 0);
        SharedLock.initialize(segment, offset + LOCK_OFFSET);
        long serial = ObjectHeader.newSerial();
        segment.putInt(offset + MAX_PAYLOAD_OFFSET, maxPayload);
        segment.putInt(offset + MAX_WAITERS_OFFSET, maxWaiters);
        ObjectHeader.publish(segment, offset, ObjectHeader.BROADCAST, serial);
        return new Broadcast(pool, offset, serial, maxPayload, maxWaiters);
    }

    /** The broadcast described by a serialized descriptor, from any process on this node. */
    public static Broadcast attach(byte[] serializedDescriptor) {
        return attach(BroadcastDescriptor.deserialize(serializedDescriptor));
    }

    /**
     * The broadcast described, from any process on this node.
     *
     * @throws ObjectGoneException if the broadcast or its pool has been destroyed
     * @throws CorruptDescriptorException if the descriptor cannot be a broadcast's
     */
    public static Broadcast attach(BroadcastDescriptor descriptor) {
        AllocationDescriptor allocation = descriptor.allocation();
        if (allocation.size() < BroadcastLayout.payloadOffset(1)) {
            throw new CorruptDescriptorException("broadcast descriptor names an allocation of " + allocation.size()
                + " bytes, which cannot hold a broadcast");
        }
        MemoryPool pool;
        try {
            pool = MemoryPool.attach(allocation.pool());
        } catch (PoolDestroyedException e) {
            throw new ObjectGoneException("cannot attach broadcast " + Long.toHexString(descriptor.serial())
                + ": " + e.getMessage(), e);
        }
        try {
            Allocation.attach(allocation);
        } catch (IllegalArgumentException e) {
            throw new ObjectGoneException("no broadcast at offset " + allocation.offset() + " of " + pool
                + ": it was destroyed (its block is free)", e);
        }
        SharedBuffer segment = pool.buffer();
        long offset = allocation.offset();
        ObjectHeader.check(segment, offset, ObjectHeader.BROADCAST, descriptor.serial(),
            "broadcast " + Long.toHexString(descriptor.serial()) + " in " + pool);
        int maxPayload = segment.getInt(offset + MAX_PAYLOAD_OFFSET);
        int maxWaiters = segment.getInt(offset + MAX_WAITERS_OFFSET);
        if (BroadcastLayout.length(maxPayload, maxWaiters) != allocation.size()) {
            throw new CorruptDescriptorException("broadcast descriptor's size does not match broadcast "
                + Long.toHexString(descriptor.serial()) + " in " + pool);
        }
        return new Broadcast(pool, offset, descriptor.serial(), maxPayload, maxWaiters);
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

    /** How many threads may wait at once (the number of waiter slots). */
    public int maxWaiters() {
        return maxWaiters;
    }

    /**
     * Waiters that a trigger would release now: registered and not released by an earlier trigger. A snapshot,
     * taken under the lock so that a waiter collecting its payload is never counted twice or not at all.
     */
    public int waiters() {
        checkLive();
        lockUninterruptibly();
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
     * @throws ObjectGoneException if the broadcast is destroyed while waiting
     */
    public byte[] await(WaitMode mode, long timeout, TimeUnit unit)
        throws InterruptedException, BroadcastTimeoutException {
        long deadline = Deadline.after(timeout, unit);
        enter();
        try {
            int slot = takeGrant(mode, deadline, timeout, unit);
            byte[] payload;
            try {
                payload = new byte[segment.getInt(payloadLengthAt)];
                segment.getBytes(payloadAt, payload, 0, payload.length);
            } finally {
                collect(slot);
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
            int slot = takeGrant(mode, deadline, timeout, unit);
            int length = segment.getInt(payloadLengthAt);
            try {
                segment.getBytes(payloadAt, dst, length);
            } finally {
                collect(slot);
            }
            dst.position(dst.position() + length);
            return length;
        } finally {
            exit();
        }
    }

    /**
     * Frees the broadcast. Threads waiting in it (in any process) are woken and get
     * {@link ObjectGoneException}; the memory is freed once they have left, or after a second if some never
     * do (a stopped process). It must be the last use of the broadcast.
     */
    public void destroy() {
        checkLive();
        lockUninterruptibly();
        try {
            if (!ObjectHeader.retire(segment, headerAt, serial)) {
                throw destroyed();
            }
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
                awaitCollected(deadline, timeout, unit);
                checkLive();
                if (!lock(WaitMode.ADAPTIVE, deadline)) {
                    throw new BroadcastTimeoutException(this + ": its lock was not free within " + timeout + " "
                        + unit);
                }
                int released = -1;
                try {
                    checkLive();
                    if (segment.getLong(grantsAt) == 0) { // else another trigger got in first: wait again
                        released = grant(payload, all);
                    }
                } finally {
                    lock.unlock();
                }
                if (released > 0) {
                    CrashPoints.reach(TRIGGER_UNLOCKED);
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

    /**
     * Waits (without the lock) until the previous trigger's waiters have copied the payload: there is one payload
     * area. A released waiter that died never collects, so every {@link #REAP_NANOS} the slots of dead waiters are
     * dropped.
     */
    private void awaitCollected(long deadline, long timeout, TimeUnit unit)
        throws InterruptedException, BroadcastTimeoutException {
        for (;;) {
            long reapAt = System.nanoTime() + REAP_NANOS;
            long wakeAt = deadline == Deadline.FOREVER || deadline - reapAt > 0 ? reapAt : deadline;
            if (collected.await(grantsCollected, 0, WaitMode.ADAPTIVE, wakeAt)) {
                return;
            }
            if (Deadline.hasPassed(deadline)) {
                throw new BroadcastTimeoutException(this + ": " + segment.getLongVolatile(grantsAt) + " waiter(s)"
                    + " released by the previous trigger had not collected its payload within " + timeout + " "
                    + unit + " (a released waiter may be stopped)");
            }
            checkLive();
            if (lock(WaitMode.ADAPTIVE, deadline)) {
                try {
                    repair();
                } finally {
                    lock.unlock();
                }
            }
        }
    }

    /**
     * Releases waiters with {@code payload}, holding the lock while no grant is uncollected: every waiting slot, or
     * the first of a live process. Returns how many.
     */
    private int grant(byte[] payload, boolean all) {
        long round = segment.getLong(roundAt) + 1;
        int released = 0;
        for (int slot = 0; slot < maxWaiters && (all || released == 0); slot++) {
            long at = slotAt(slot);
            int pid = segment.getInt(at + SLOT_PID_OFFSET);
            if (pid == 0 || segment.getLong(at + SLOT_GRANTED_OFFSET) != 0 || !all && !Pids.isAlive(pid)) {
                continue;
            }
            if (released == 0) {
                segment.putBytes(payloadAt, payload, 0, payload.length);
                segment.putInt(payloadLengthAt, payload.length);
                CrashPoints.reach(PAYLOAD_WRITTEN);
            }
            segment.putLong(at + SLOT_GRANTED_OFFSET, round);
            released++;
            CrashPoints.reach(GRANTED);
        }
        if (released > 0) {
            segment.putLongOrdered(grantsAt, released);
            CrashPoints.reach(GRANTS_COUNTED);
            segment.putLongVolatile(roundAt, round); // the commit: the grants count from now on
            CrashPoints.reach(COMMITTED);
        }
        return released;
    }

    /** Registers, waits for a grant and takes it; returns the slot with the lock still held. */
    private int takeGrant(WaitMode mode, long deadline, long timeout, TimeUnit unit)
        throws InterruptedException, BroadcastTimeoutException {
        int slot = register(mode, deadline, timeout, unit);
        for (;;) {
            boolean interrupted = false;
            try {
                triggered.await(granted, slot, mode, deadline);
            } catch (InterruptedException e) {
                interrupted = true;
            }
            checkLive(); // destroyed: leave without touching the lock; nobody counts waiters any more
            lockUninterruptibly();
            boolean taken = false;
            try {
                checkLive();
                if (isGranted(slot)) {
                    taken = true;
                } else if (interrupted || Deadline.hasPassed(deadline)) {
                    leave(slot, false);
                }
            } catch (RuntimeException e) {
                lock.unlock();
                throw e;
            }
            if (taken) {
                if (interrupted) {
                    Thread.currentThread().interrupt(); // the payload was ours: deliver it, keep the interrupt
                }
                return slot;
            }
            lock.unlock();
            if (interrupted) {
                throw new InterruptedException();
            }
            if (Deadline.hasPassed(deadline)) {
                throw new BroadcastTimeoutException(this + ": no trigger released this waiter within " + timeout
                    + " " + unit);
            }
        }
    }

    /** Takes a free waiter slot; returns its index. */
    private int register(WaitMode mode, long deadline, long timeout, TimeUnit unit)
        throws InterruptedException, BroadcastTimeoutException {
        if (!lock(mode, deadline)) {
            throw new BroadcastTimeoutException(this + ": its lock was not free within " + timeout + " " + unit);
        }
        try {
            checkLive();
            int slot = freeSlot();
            if (slot < 0) {
                repair(); // the slots of waiters that died are free after it
                slot = freeSlot();
                if (slot < 0) {
                    throw new IllegalStateException(this + " has " + maxWaiters + " waiters already, the most it"
                        + " was created for");
                }
            }
            long at = slotAt(slot);
            segment.putLong(at + SLOT_GRANTED_OFFSET, 0);
            segment.putIntVolatile(at + SLOT_PID_OFFSET, Pids.MINE);
            CrashPoints.reach(SLOT_TAKEN);
            segment.putLongOrdered(waitingAt, segment.getLong(waitingAt) + 1);
            CrashPoints.reach(REGISTERED);
            return slot;
        } finally {
            lock.unlock();
        }
    }

    private int freeSlot() {
        for (int slot = 0; slot < maxWaiters; slot++) {
            if (segment.getInt(slotAt(slot) + SLOT_PID_OFFSET) == 0) {
                return slot;
            }
        }
        return -1;
    }

    /** Frees {@code slot} and updates the counts, holding the lock: its grant collected, or no grant. */
    private void leave(int slot, boolean collected) {
        segment.putIntVolatile(slotAt(slot) + SLOT_PID_OFFSET, 0);
        CrashPoints.reach(SLOT_FREED);
        if (collected) {
            segment.putLongOrdered(grantsAt, segment.getLong(grantsAt) - 1);
            CrashPoints.reach(COLLECTED);
        }
        segment.putLongOrdered(waitingAt, segment.getLong(waitingAt) - 1);
        CrashPoints.reach(LEFT);
    }

    /** Ends a {@link #takeGrant}: the payload has been copied. */
    private void collect(int slot) {
        leave(slot, true);
        boolean allCollected = segment.getLong(grantsAt) == 0;
        lock.unlock();
        if (allCollected) {
            collected.signal();
        }
    }

    /**
     * Brings the slots and counts back to a consistent state, holding the lock (taken over from a dead holder, or to
     * drop dead waiters): grants of a trigger that died before its commit are withdrawn, slots of dead processes
     * freed, and waiting and grants recounted. Idempotent.
     */
    private void repair() {
        long round = segment.getLong(roundAt);
        long waiting = 0;
        long grants = 0;
        for (int slot = 0; slot < maxWaiters; slot++) {
            long at = slotAt(slot);
            int pid = segment.getInt(at + SLOT_PID_OFFSET);
            if (pid == 0) {
                continue;
            }
            long grantedIn = segment.getLong(at + SLOT_GRANTED_OFFSET);
            if (grantedIn > round) {
                segment.putLong(at + SLOT_GRANTED_OFFSET, 0);
                grantedIn = 0;
            }
            if (!Pids.isAlive(pid)) {
                segment.putIntVolatile(at + SLOT_PID_OFFSET, 0);
                continue;
            }
            waiting++;
            if (grantedIn != 0) {
                grants++;
            }
        }
        CrashPoints.reach(SLOTS_REPAIRED);
        segment.putLongOrdered(waitingAt, waiting);
        segment.putLongVolatile(grantsAt, grants);
    }

    /** Whether the trigger that released {@code slot} has committed. */
    private boolean isGranted(int slot) {
        long grantedIn = segment.getLongVolatile(slotAt(slot) + SLOT_GRANTED_OFFSET);
        return grantedIn != 0 && grantedIn <= segment.getLongVolatile(roundAt);
    }

    private long slotAt(int slot) {
        return slotsAt + (long) slot * SLOT_LENGTH;
    }

    /** Takes the lock, repairing the broadcast if it takes the lock over from a dead holder. */
    private boolean lock(WaitMode mode, long deadline) throws InterruptedException {
        return lock.lock(mode, deadline, repair);
    }

    /** Takes the lock even if interrupted meanwhile (keeping the interrupt): a registered waiter must deregister. */
    private void lockUninterruptibly() {
        boolean interrupted = false;
        for (;;) {
            try {
                lock(WaitMode.ADAPTIVE, Deadline.FOREVER);
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
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
        return ObjectHeader.isLive(segment, headerAt, serial);
    }

    private void checkLive() {
        if (!isLive()) {
            throw destroyed();
        }
    }

    private ObjectGoneException destroyed() {
        return ObjectHeader.gone(toString());
    }
}
