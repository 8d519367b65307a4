package io.dragon.core.locks;

import static io.dragon.core.locks.LockLayout.ABANDONED_OFFSET;
import static io.dragon.core.locks.LockLayout.ABANDONED_SLOTS;
import static io.dragon.core.locks.LockLayout.HOLDER_PID_OFFSET;
import static io.dragon.core.locks.LockLayout.NEXT_TICKET_OFFSET;
import static io.dragon.core.locks.LockLayout.SERVING_OFFSET;
import static io.dragon.core.locks.LockLayout.SIGNAL_OFFSET;

import io.dragon.core.shm.SharedBuffer;
import io.dragon.core.sync.Deadline;
import io.dragon.core.sync.Readiness;
import io.dragon.core.sync.Signal;
import io.dragon.core.sync.WaitMode;

/**
 * A FIFO (ticket) lock in shared memory, usable by every thread of every process that maps it.
 *
 * <p>Uncontended, {@code lock} is one fetch-and-add and {@code unlock} one ordered store plus a fence. Contended
 * waiters spin, then sleep on a futex (see {@link Signal}). Tickets are served in order, so no process starves.
 * A waiter that times out marks its ticket abandoned and whoever serves that ticket skips it.
 *
 * <p>The holder's pid is recorded; a waiter that has slept for a while checks it and throws
 * {@link LockOwnerDeadException} if the holder has died, instead of waiting forever. The lock is not reentrant.
 */
public final class SharedLock implements Readiness {
    private static final long HOLDER_CHECK_NANOS = 100_000_000L;
    private static final long ABANDONED_MARK = 1L << 32;
    private static final int MY_PID = (int) ProcessHandle.current().pid();

    private final SharedBuffer buffer;
    private final long offset;
    private final Signal signal;
    private final String name;

    /** A view of the lock at {@code offset}, which must be {@link LockLayout#ALIGNMENT}-aligned. */
    public SharedLock(SharedBuffer buffer, long offset, String name) {
        if ((buffer.address() + offset) % LockLayout.ALIGNMENT != 0) {
            throw new IllegalArgumentException("a shared lock must be 64-byte aligned, offset " + offset);
        }
        this.buffer = buffer;
        this.offset = offset;
        this.signal = new Signal(buffer, offset + SIGNAL_OFFSET);
        this.name = name;
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

    /** Takes the lock if it is free right now. */
    public boolean tryLock() {
        int serving = buffer.getIntVolatile(offset + SERVING_OFFSET);
        if (buffer.compareAndSetInt(offset + NEXT_TICKET_OFFSET, serving, serving + 1)) {
            buffer.putIntOrdered(offset + HOLDER_PID_OFFSET, MY_PID);
            return true;
        }
        return false;
    }

    /**
     * Takes the lock, waiting until the deadline at most.
     *
     * @return true if taken, false if the deadline passed first
     * @throws LockOwnerDeadException if the holder died while holding the lock
     * @throws InterruptedException if interrupted while waiting (the lock is not taken)
     */
    public boolean lock(WaitMode mode, long deadline) throws InterruptedException {
        int ticket = buffer.getAndAddInt(offset + NEXT_TICKET_OFFSET, 1);
        try {
            while (!signal.await(this, ticket, mode, slice(deadline))) {
                if (Deadline.hasPassed(deadline)) {
                    abandon(ticket);
                    return false;
                }
                checkHolderAlive();
                mode = WaitMode.SLEEP;
            }
        } catch (InterruptedException | RuntimeException e) {
            abandon(ticket);
            throw e;
        }
        buffer.putIntOrdered(offset + HOLDER_PID_OFFSET, MY_PID);
        return true;
    }

    public void unlock() {
        int holder = buffer.getIntVolatile(offset + HOLDER_PID_OFFSET);
        if (holder != MY_PID) {
            throw new IllegalMonitorStateException(name + " is held by process " + holder + ", not by this one ("
                + MY_PID + ")");
        }
        release();
    }

    /**
     * Releases a lock whose holder has died (reported by {@link LockOwnerDeadException}), once the caller has
     * repaired or discarded what it protects. Does nothing if {@code deadPid} no longer holds it.
     */
    public void recover(int deadPid) {
        if (ProcessHandle.of(deadPid).map(ProcessHandle::isAlive).orElse(false)) {
            throw new IllegalStateException("process " + deadPid + " holding " + name + " is alive");
        }
        if (buffer.compareAndSetInt(offset + HOLDER_PID_OFFSET, deadPid, MY_PID)) {
            release();
        }
    }

    public boolean isLocked() {
        return buffer.getIntVolatile(offset + NEXT_TICKET_OFFSET) != buffer.getIntVolatile(offset + SERVING_OFFSET);
    }

    /** The pid of the holding process, or 0 if free (or just being taken). */
    public int holderPid() {
        return buffer.getIntVolatile(offset + HOLDER_PID_OFFSET);
    }

    @Override
    public boolean isReady(long ticket) {
        return buffer.getIntVolatile(offset + SERVING_OFFSET) == (int) ticket;
    }

    @Override
    public String toString() {
        return name;
    }

    private void release() {
        buffer.putIntOrdered(offset + HOLDER_PID_OFFSET, 0);
        serve(buffer.getInt(offset + SERVING_OFFSET) + 1);
    }

    /** Passes the lock to {@code ticket}, skipping abandoned tickets, and wakes the sleepers. */
    private void serve(int ticket) {
        for (;;) {
            buffer.putIntVolatile(offset + SERVING_OFFSET, ticket);
            if (!buffer.compareAndSetLong(slotOf(ticket), mark(ticket), 0)) {
                break;
            }
            ticket++;
        }
        signal.signal();
    }

    /**
     * Gives up a ticket. Marking and the server's skip both use the slot with a compare-and-set, so exactly one of
     * them clears the mark and that one moves the lock on.
     */
    private void abandon(int ticket) {
        if (isReady(ticket)) {
            // Our turn came as we gave up: pass it on.
            serve(ticket + 1);
            return;
        }
        long slot = slotOf(ticket);
        while (!buffer.compareAndSetLong(slot, 0, mark(ticket))) {
            // The slot holds a ticket 32 places earlier (more than 32 waiters gave up at once): wait for it to clear.
            if (isReady(ticket)) {
                serve(ticket + 1);
                return;
            }
            Thread.onSpinWait();
        }
        if (isReady(ticket) && buffer.compareAndSetLong(slot, mark(ticket), 0)) {
            serve(ticket + 1);
        }
    }

    private void checkHolderAlive() {
        int holder = holderPid();
        if (holder != 0 && holder != MY_PID && !ProcessHandle.of(holder).map(ProcessHandle::isAlive).orElse(false)) {
            throw new LockOwnerDeadException(name, holder);
        }
    }

    private long slotOf(int ticket) {
        return offset + ABANDONED_OFFSET + (long) Math.floorMod(ticket, ABANDONED_SLOTS) * 8;
    }

    private static long mark(int ticket) {
        return ABANDONED_MARK | (ticket & 0xFFFF_FFFFL);
    }

    private static long slice(long deadline) {
        long checkAt = System.nanoTime() + HOLDER_CHECK_NANOS;
        return deadline == Deadline.FOREVER || deadline - checkAt > 0 ? checkAt : deadline;
    }
}
