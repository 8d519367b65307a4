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
 * on its behalf under a lease of {@link #LEASE_MILLIS} that the process renews while it holds the lock (see
 * {@link LeaseRenewal}): if it dies, or its node does, the lease runs out and the next waiter gets
 * {@link LockOwnerDeadException} as for a holder of the lock's own node.
 *
 * <p>Body: one {@link LockLayout} (64 bytes).
 */
public final class Lock extends SharedObject implements java.util.concurrent.locks.Lock {
    private static final long serialVersionUID = 1L;
    /** Longer than SharedLock's holder check (100 ms), so that each slice also looks for a dead holder. */
    private static final long DESTROY_CHECK_NANOS = 250_000_000L;
    /** How long a holder on another node counts as alive without renewing its lease (renewed every third of it). */
    static final long LEASE_MILLIS = 3_000;
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
            runOnOwner(FOREVER, Lock::lockForAnotherNode);
            LeaseRenewal.held(this);
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
            return leasedIf(onOwner(0, (Lock l) -> l.tryLockForAnotherNode(0)));
        }
        return sharedLock().tryLock();
    }

    @Override
    public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
        if (isRemote()) {
            long nanos = unit.toNanos(time);
            return leasedIf(onOwner(nanos, (Lock l) -> l.tryLockForAnotherNode(nanos)));
        }
        return lockUntil(Deadline.after(time, unit));
    }

    @Override
    public void unlock() {
        if (isRemote()) {
            LeaseRenewal.released(this);
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

    /** Renews the lease of this process on the lock, which it holds through the lock's node (see LeaseRenewal). */
    void renewLease() {
        runOnOwner(0, (Lock l) -> l.sharedLock().lease(System.currentTimeMillis() + LEASE_MILLIS));
    }

    /** On the lock's node, for a process of another node: takes it, under a lease that process renews. */
    private void lockForAnotherNode() {
        lock();
        sharedLock().lease(System.currentTimeMillis() + LEASE_MILLIS);
    }

    private boolean tryLockForAnotherNode(long nanos) throws InterruptedException {
        boolean taken = nanos == 0 ? tryLock() : tryLock(nanos, TimeUnit.NANOSECONDS);
        if (taken) {
            sharedLock().lease(System.currentTimeMillis() + LEASE_MILLIS);
        }
        return taken;
    }

    private boolean leasedIf(boolean taken) {
        if (taken) {
            LeaseRenewal.held(this);
        }
        return taken;
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
