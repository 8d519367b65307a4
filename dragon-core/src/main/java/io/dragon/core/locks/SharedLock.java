package io.dragon.core.locks;

import static io.dragon.core.locks.LockLayout.LEASE_OFFSET;
import static io.dragon.core.locks.LockLayout.PRIORITY_OFFSET;
import static io.dragon.core.locks.LockLayout.REMOTE_HOLDER_OFFSET;
import static io.dragon.core.locks.LockLayout.SIGNAL_OFFSET;
import static io.dragon.core.locks.LockLayout.WORD_OFFSET;

import io.dragon.core.infrastructure.CrashPoints;
import io.dragon.core.infrastructure.Pids;
import io.dragon.core.shm.SharedBuffer;
import io.dragon.core.sync.Deadline;
import io.dragon.core.sync.Readiness;
import io.dragon.core.sync.Signal;
import io.dragon.core.sync.WaitMode;
import java.util.List;

/**
 * A mutual-exclusion lock in shared memory, usable by every thread of every process that maps it.
 *
 * <p>Uncontended, {@code lock} is one compare-and-set and {@code unlock} one ordered store plus a fence (and a wake-up
 * only if a waiter sleeps). Contended waiters spin, then sleep on a futex (see {@link Signal}). Whoever finds the lock
 * free takes it, which keeps the lock busy when there are more threads than cores (a strict FIFO hand-off would wait
 * for the next thread in line to be scheduled, tens of microseconds per hand-off on a busy machine). So that no waiter
 * starves, a waiter that has waited {@link #PRIORITY_AFTER_NANOS} claims priority: from then on nobody else takes the
 * lock before it. One waiter holds priority at a time; the others keep waiting for their turn to claim it.
 *
 * <p>The lock word is the holder's pid (see {@link LockLayout}), so a process killed at any instruction leaves the
 * lock free or held by that pid, never held by nobody. A waiter checks the holder every 100 ms while it waits and
 * throws {@link OwnerDeadException} if it has died, instead of waiting forever. Only the holding process may
 * release the lock. A process that holds the lock for a process of another node (a transport agent) records that
 * process and gives it a lease ({@link #holdFor}): from then on only {@link #unlockFor} with that process's identity
 * releases it, and once the lease runs out unrenewed, the holder counts as dead the same way. A dead priority
 * claimant is cleared by the next waiter that notices. The lock is not reentrant.
 */
public final class SharedLock {
    /** How long a waiter competes before it claims priority. */
    public static final long PRIORITY_AFTER_NANOS = 1_000_000L;
    private static final long HOLDER_CHECK_NANOS = 100_000_000L;
    private static final long PID_BITS = 0xffff_ffffL;
    private static final long ONE_GENERATION = 1L << 32;
    private static final long ANYONE = 0;
    private static final long PRIORITY_HOLDER = 1;

    // Crash points (see CrashPoints): one after each write to the lock's memory but the last of an operation.
    /** A waiter has claimed priority; another process holds the lock. */
    static final String PRIORITY_CLAIMED = "lock.priorityClaimed";
    /** The lock word names this process (and, for a waiter with priority, so does the priority claim). */
    static final String TAKEN = "lock.taken";
    /** The waiter that took the lock with priority has dropped its claim, and not yet woken the others. */
    static final String PRIORITY_DROPPED = "lock.priorityDropped";
    /** {@link #holdFor}: the remote holder is written, the lease not yet. */
    static final String REMOTE_HOLDER_WRITTEN = "lock.remoteHolderWritten";
    /** {@link #recover} or {@link #takeFromDead}: the lock word names the taker; the dead holder's record remains. */
    static final String RECOVER_TAKEN = "recover.taken";
    /** {@link #unlockFor}, {@link #recover}, {@link #takeFromDead}: the remote holder is cleared, the lease not yet. */
    static final String REMOTE_HOLDER_CLEARED = "unlock.remoteHolderCleared";
    /** The lease is cleared; the lock is still held. */
    static final String LEASE_CLEARED = "unlock.leaseCleared";
    /** The lock word is free; sleeping waiters are not yet woken. */
    static final String RELEASED = "unlock.released";
    static final List<String> CRASH_POINTS = List.of(PRIORITY_CLAIMED, TAKEN, PRIORITY_DROPPED, REMOTE_HOLDER_WRITTEN,
        RECOVER_TAKEN, REMOTE_HOLDER_CLEARED, LEASE_CLEARED, RELEASED);

    private final SharedBuffer buffer;
    private final long offset;
    private final Signal signal;
    private final String name;
    /** When a waiter may take the lock: if free and nobody has priority ({@code ANYONE}), or if free. */
    private final Readiness free;

    /** A view of the lock at {@code offset}, which must be {@link LockLayout#ALIGNMENT}-aligned. */
    public SharedLock(SharedBuffer buffer, long offset, String name) {
        if ((buffer.address() + offset) % LockLayout.ALIGNMENT != 0) {
            throw new IllegalArgumentException("a shared lock must be 64-byte aligned, offset " + offset);
        }
        this.buffer = buffer;
        this.offset = offset;
        this.signal = new Signal(buffer, offset + SIGNAL_OFFSET);
        this.name = name;
        this.free = who -> holder(buffer.getLongVolatile(offset + WORD_OFFSET)) == 0
            && (who == PRIORITY_HOLDER || buffer.getIntVolatile(offset + PRIORITY_OFFSET) == 0);
    }

    /** Sets a fresh lock's memory to the unlocked state. Only the creator calls this, before sharing it. */
    public static void initialize(SharedBuffer buffer, long offset) {
        buffer.setMemory(offset, LockLayout.LENGTH, (byte) 0);
    }

    public void lock() {
        try {
            lock(WaitMode.ADAPTIVE, Deadline.FOREVER);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + name, e);
        }
    }

    /** Takes the lock if it is free right now and no waiter has priority. */
    public boolean tryLock() {
        return buffer.getIntVolatile(offset + PRIORITY_OFFSET) == 0 && take();
    }

    /**
     * Takes the lock, waiting until the deadline at most.
     *
     * @return true if taken, false if the deadline passed first
     * @throws OwnerDeadException if the holder died while holding the lock
     * @throws InterruptedException if interrupted while waiting (the lock is not taken)
     */
    public boolean lock(WaitMode mode, long deadline) throws InterruptedException {
        if (tryLock()) {
            return true;
        }
        long priorityAt = System.nanoTime() + PRIORITY_AFTER_NANOS;
        boolean priority = false;
        try {
            for (;;) {
                if (priority ? take() : tryLock()) {
                    return true;
                }
                if (!priority && System.nanoTime() - priorityAt >= 0
                    && buffer.compareAndSetInt(offset + PRIORITY_OFFSET, 0, Pids.MINE)) {
                    priority = true;
                    CrashPoints.reach(PRIORITY_CLAIMED);
                    continue;
                }
                // Before its time to claim priority, a waiter wakes to claim it; after, it waits for a release.
                long wakeAt = priority || System.nanoTime() - priorityAt >= 0 ? deadline
                    : Math.min(priorityAt, deadline);
                if (!signal.await(free, priority ? PRIORITY_HOLDER : ANYONE, mode, slice(wakeAt))) {
                    if (Deadline.hasPassed(deadline)) {
                        return false;
                    }
                    checkHolderAlive();
                    clearDeadPriority();
                }
            }
        } finally {
            if (priority) {
                buffer.putIntVolatile(offset + PRIORITY_OFFSET, 0);
                CrashPoints.reach(PRIORITY_DROPPED);
                signal.signal();
            }
        }
    }

    /**
     * Releases the lock, which this process holds for itself.
     *
     * @throws IllegalMonitorStateException if it does not (the lock is free, held by another process, or held by this
     *     one for a process of another node)
     */
    public void unlock() {
        long word = word();
        if (holder(word) != Pids.MINE || remoteHolder() != 0) {
            throw notHeldBy("this process (" + Pids.MINE + ")");
        }
        // A store is enough (4 ns less than a compare-and-set): while the word names a live process without a lease,
        // nobody else changes it (recover needs a dead holder or an expired lease).
        buffer.putLongOrdered(offset + WORD_OFFSET, word & ~PID_BITS);
        released();
    }

    /**
     * The identity of process {@code pid} of node {@code node} as the holder of a lock of another node: the node in
     * the high 32 bits, the pid in the low 32 bits (never 0, as no process has pid 0).
     */
    public static long remoteHolder(int node, int pid) {
        return (long) node << 32 | pid & 0xffff_ffffL;
    }

    /**
     * Holds the lock, which this process has just taken, for process {@code remoteHolder} of another node (see
     * {@link #remoteHolder(int, int)}): from now on only {@link #unlockFor} with that identity releases it, and that
     * process counts as alive only until {@code untilMillis} (wall clock) unless it {@linkplain #renewLease renews}
     * the lease.
     */
    public void holdFor(long remoteHolder, long untilMillis) {
        if (holderPid() != Pids.MINE) {
            throw notHeldBy("this process (" + Pids.MINE + ")");
        }
        // A kill between the two leaves a lock held by a dead pid, which waiters report whatever the record says.
        buffer.putLongVolatile(offset + REMOTE_HOLDER_OFFSET, remoteHolder);
        CrashPoints.reach(REMOTE_HOLDER_WRITTEN);
        buffer.putLongVolatile(offset + LEASE_OFFSET, untilMillis);
    }

    /**
     * Extends to {@code untilMillis} the lease of {@code remoteHolder}, for which this process holds the lock.
     *
     * @throws IllegalMonitorStateException if the lock is not held for it (any more)
     */
    public void renewLease(long remoteHolder, long untilMillis) {
        // From the lease seen while remoteHolder held the lock, by compare-and-set: a renewal that crosses the release
        // must not give the next holder a lease (a holder of this node would then count as dead once it ran out).
        long lease = buffer.getLongVolatile(offset + LEASE_OFFSET);
        if (lease == 0 || holderPid() != Pids.MINE || remoteHolder() != remoteHolder
            || !buffer.compareAndSetLong(offset + LEASE_OFFSET, lease, untilMillis)) {
            throw notHeldBy(describe(remoteHolder));
        }
    }

    /**
     * Releases the lock that this process holds for {@code remoteHolder} (see {@link #holdFor}).
     *
     * @throws IllegalMonitorStateException if it holds the lock for another process, or not at all
     */
    public void unlockFor(long remoteHolder) {
        // Clearing the record by compare-and-set lets one release through even if the holder unlocks from two threads.
        long word = word();
        if (holder(word) != Pids.MINE || remoteHolder == 0 || !clearRemoteHolder(remoteHolder)
            || !clearLeaseAndRelease(word)) {
            throw notHeldBy(describe(remoteHolder));
        }
    }

    /**
     * Releases a lock whose holder has died (reported by {@link OwnerDeadException}), once the caller has
     * repaired or discarded what it protects. Does nothing if {@code deadPid} no longer holds it.
     */
    public void recover(int deadPid) {
        long taken = takeFromDeadHolder(deadPid);
        if (taken != 0) {
            clearLeaseAndRelease(taken);
        }
        clearDeadPriority();
    }

    /**
     * Takes for this process a lock whose holder has died (reported by {@link OwnerDeadException}), so that the
     * caller repairs what it protects before anyone else sees it, then {@linkplain #unlock unlocks} it. If this
     * process dies before it unlocks, the lock is held by a dead process again, and the next taker repairs again.
     *
     * @return false if {@code deadPid} no longer holds the lock (another process took it over first): lock again
     */
    public boolean takeFromDead(int deadPid) {
        long taken = takeFromDeadHolder(deadPid);
        if (taken == 0) {
            return false;
        }
        buffer.putLongOrdered(offset + LEASE_OFFSET, 0);
        clearDeadPriority();
        return true;
    }

    /**
     * Takes the lock held by the dead {@code deadPid} and clears its remote holder, leaving the lease (the caller
     * clears it, then releases or keeps the lock): the word taken, or 0 if {@code deadPid} no longer holds it.
     */
    private long takeFromDeadHolder(int deadPid) {
        long word = word();
        if (deadPid == 0 || holder(word) != deadPid) {
            return 0;
        }
        if (Pids.isAlive(deadPid) && !leaseExpired()) {
            throw new IllegalStateException("process " + deadPid + " holding " + name + " is alive");
        }
        // Taken from the dead holding (the generation rules out a later one by the same pid), then released or kept as
        // the holder would, so that a kill of this process on the way leaves the lock held by a dead pid again.
        long taken = taken(word);
        if (!buffer.compareAndSetLong(offset + WORD_OFFSET, word, taken)) {
            return 0;
        }
        CrashPoints.reach(RECOVER_TAKEN);
        long remote = remoteHolder();
        if (remote != 0) {
            clearRemoteHolder(remote); // fails only if a late unlockFor of the dead holding cleared it first
        }
        return taken;
    }

    /**
     * Takes the lock like {@link #lock(WaitMode, long)}, but a holder that died is not reported: this process takes
     * the lock over from it and runs {@code repair} holding it, to bring what the lock protects back to a consistent
     * state, before returning true. A process killed during the repair leaves the lock held by a dead pid again, and
     * the next waiter takes over and repairs in turn, so {@code repair} must be idempotent. If it throws, the lock is
     * released and the exception propagates.
     */
    public boolean lock(WaitMode mode, long deadline, Runnable repair) throws InterruptedException {
        for (;;) {
            try {
                return lock(mode, deadline);
            } catch (OwnerDeadException e) {
                if (takeFromDead(e.deadPid())) {
                    try {
                        repair.run();
                    } catch (RuntimeException | Error failure) {
                        unlock();
                        throw failure;
                    }
                    return true;
                }
                // another waiter took it over first: wait for that one like for any holder
            }
        }
    }

    public boolean isLocked() {
        return holderPid() != 0;
    }

    /** The pid of the holding process, or 0 if free. */
    public int holderPid() {
        return holder(word());
    }

    /** The process of another node for which the holder holds the lock (see {@link #holdFor}), or 0. */
    public long remoteHolder() {
        return buffer.getLongVolatile(offset + REMOTE_HOLDER_OFFSET);
    }

    @Override
    public String toString() {
        return name;
    }

    private long word() {
        return buffer.getLongVolatile(offset + WORD_OFFSET);
    }

    private static int holder(long word) {
        return (int) word;
    }

    /** The lock word once this process has taken the lock that was free or held as {@code word}. */
    private static long taken(long word) {
        return ((word & ~PID_BITS) + ONE_GENERATION) | (Pids.MINE & PID_BITS);
    }

    private boolean take() {
        long word = word();
        if (holder(word) == 0 && buffer.compareAndSetLong(offset + WORD_OFFSET, word, taken(word))) {
            CrashPoints.reach(TAKEN);
            return true;
        }
        return false;
    }

    private boolean clearRemoteHolder(long remoteHolder) {
        if (buffer.compareAndSetLong(offset + REMOTE_HOLDER_OFFSET, remoteHolder, 0)) {
            CrashPoints.reach(REMOTE_HOLDER_CLEARED);
            return true;
        }
        return false;
    }

    /**
     * Releases the holding {@code word}, whose remote holder is cleared, after its lease (a free lock has none). By
     * compare-and-set, as a process may have recovered it from an expired lease meanwhile: false then.
     */
    private boolean clearLeaseAndRelease(long word) {
        buffer.putLongOrdered(offset + LEASE_OFFSET, 0);
        CrashPoints.reach(LEASE_CLEARED);
        if (!buffer.compareAndSetLong(offset + WORD_OFFSET, word, word & ~PID_BITS)) {
            return false;
        }
        released();
        return true;
    }

    private void released() {
        CrashPoints.reach(RELEASED);
        signal.signal();
    }

    private IllegalMonitorStateException notHeldBy(String who) {
        int pid = holderPid();
        if (pid == 0) {
            return new IllegalMonitorStateException(name + " is not locked, so " + who + " cannot unlock it");
        }
        long remote = remoteHolder();
        String holder = remote != 0 ? describe(remote) : "process " + pid + " of its own node";
        return new IllegalMonitorStateException(name + " is held by " + holder + ", not by " + who
            + ": only the process that locked it may unlock it");
    }

    private static String describe(long remoteHolder) {
        return "process " + (int) remoteHolder + " of node " + (int) (remoteHolder >>> 32);
    }

    private void checkHolderAlive() {
        long word = word();
        int holder = holder(word);
        // A holder that released the lock and exited since we read the word is not to blame: it is dead-while-holding
        // only if the word is unchanged, the generation included (so the lease read was of that very holding).
        if (holder != 0 && (leaseExpired() || holder != Pids.MINE && !Pids.isAlive(holder)) && word() == word) {
            throw new OwnerDeadException(name, holder);
        }
    }

    /** Whether the lock is held for a process elsewhere that has stopped renewing its lease (died, or cut off). */
    private boolean leaseExpired() {
        long lease = buffer.getLongVolatile(offset + LEASE_OFFSET);
        return lease != 0 && lease < System.currentTimeMillis();
    }

    /** A waiter that claimed priority and died would block everyone: its claim is dropped. */
    private void clearDeadPriority() {
        int claimant = buffer.getIntVolatile(offset + PRIORITY_OFFSET);
        if (claimant != 0 && claimant != Pids.MINE && !Pids.isAlive(claimant)
            && buffer.compareAndSetInt(offset + PRIORITY_OFFSET, claimant, 0)) {
            signal.signal();
        }
    }


    private static long slice(long deadline) {
        long checkAt = System.nanoTime() + HOLDER_CHECK_NANOS;
        return deadline == Deadline.FOREVER || deadline - checkAt > 0 ? checkAt : deadline;
    }
}
