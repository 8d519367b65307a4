package io.dragon;

import static io.dragon.core.channels.GatewayLayout.FOREVER;

import io.dragon.core.locks.LockLayout;
import io.dragon.core.locks.LockOwnerDeadException;
import io.dragon.core.locks.SharedLock;
import io.dragon.core.sync.Deadline;
import io.dragon.core.sync.WaitMode;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;

/**
 * A mutual-exclusion lock shared by processes: {@link java.util.concurrent.locks.Lock} across processes. It is
 * held by a process (any thread of the holder may unlock it) and is not reentrant. If the holder dies while holding
 * it, the next waiter gets {@link LockOwnerDeadException} instead of waiting forever, and may {@link #recover} it.
 *
 * <p>Across nodes, a process of another node locks through the transport agent of the lock's node, which holds it
 * on its behalf: mutual exclusion is the same, but the death of such a holder is not detected.
 *
 * <p>Body: one {@link LockLayout} (64 bytes).
 */
public final class Lock extends SharedObject implements java.util.concurrent.locks.Lock {
    private static final long serialVersionUID = 1L;
    /** Longer than SharedLock's holder check (100 ms), so that each slice also looks for a dead holder. */
    private static final long DESTROY_CHECK_NANOS = 250_000_000L;
    private transient SharedLock lock;

    private Lock(String name) {
        super(name, LockLayout.LENGTH);
        publish();
    }

    /** A new lock without a name. */
    public static Lock create() {
        return new Lock(null);
    }

    /** A new lock that any process can look up by {@code name}. */
    public static Lock create(String name) {
        return new Lock(name);
    }

    /** The lock named {@code name}. */
    public static Lock lookup(String name) {
        return Services.lookup(name, Lock.class);
    }

    @Override
    public void lock() {
        if (isRemote()) {
            runOnOwner(FOREVER, Lock::lock);
            return;
        }
        boolean interrupted = false;
        for (;;) {
            try {
                lockUntil(Deadline.FOREVER);
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void lockInterruptibly() throws InterruptedException {
        if (isRemote()) {
            lock();
            return;
        }
        lockUntil(Deadline.FOREVER);
    }

    @Override
    public boolean tryLock() {
        if (isRemote()) {
            return onOwner(0, (Lock l) -> l.tryLock());
        }
        return sharedLock().tryLock();
    }

    @Override
    public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
        if (isRemote()) {
            long nanos = unit.toNanos(time);
            return onOwner(nanos, (Lock l) -> l.tryLock(nanos, TimeUnit.NANOSECONDS));
        }
        return lockUntil(Deadline.after(time, unit));
    }

    @Override
    public void unlock() {
        if (isRemote()) {
            runOnOwner(0, Lock::unlock);
            return;
        }
        sharedLock().unlock();
    }

    /** Releases the lock of a holder that died (see {@link LockOwnerDeadException#deadPid()}). */
    public void recover(int deadPid) {
        if (isRemote()) {
            runOnOwner(0, (Lock l) -> l.recover(deadPid));
            return;
        }
        sharedLock().recover(deadPid);
    }

    public boolean isLocked() {
        if (isRemote()) {
            return onOwner(0, (Lock l) -> l.isLocked());
        }
        return sharedLock().isLocked();
    }

    /** Conditions would need a wait queue across processes; use an {@link Event} or a {@link Queue} instead. */
    @Override
    public Condition newCondition() {
        throw new UnsupportedOperationException("a Lock shared by processes has no conditions; use an Event or a"
            + " Queue to wait for a state change");
    }

    @Override
    void wakeWaiters() {
        // Waiters look at the object between slices of their wait (lockUntil).
    }

    /** Waits in slices, so that a waiter notices within one slice that the lock was destroyed. */
    private boolean lockUntil(long deadline) throws InterruptedException {
        for (;;) {
            long slice = Math.min(Deadline.remaining(deadline), DESTROY_CHECK_NANOS);
            if (sharedLock().lock(WaitMode.ADAPTIVE, Deadline.after(slice, TimeUnit.NANOSECONDS))) {
                return true;
            }
            if (Deadline.hasPassed(deadline)) {
                return false;
            }
        }
    }

    private SharedLock sharedLock() {
        SharedLock shared = lock;
        var buffer = body();
        if (shared == null) {
            shared = new SharedLock(buffer, 0, toString());
            lock = shared;
        }
        return shared;
    }
}
