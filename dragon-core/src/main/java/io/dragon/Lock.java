package io.dragon;

import static io.dragon.core.channels.GatewayLayout.FOREVER;

import io.dragon.core.infrastructure.LaunchParameters;
import io.dragon.core.locks.LockLayout;
import io.dragon.core.locks.OwnerDeadException;
import io.dragon.core.locks.SharedLock;
import io.dragon.core.memory.MemoryPool;
import io.dragon.core.sync.Deadline;
import io.dragon.core.sync.WaitMode;
import io.dragon.internal.Services;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;

/**
 * A mutual-exclusion lock shared by processes: {@link java.util.concurrent.locks.Lock} across processes. It is
 * held by a process (any thread of the holder may unlock it; no other process may) and is not reentrant. If the
 * holder dies while holding it, the next waiter gets {@link LockOwnerDeadException} instead of waiting forever, and
 * may {@link #recover} it.
 *
 * <p>Across nodes, a process of another node locks through the transport agent of the lock's node, which holds it
 * on its behalf, recording which process it holds it for (node index and pid), under a lease of
 * {@link #LEASE_MILLIS} that the process renews while it holds the lock, every third of the lease, on one daemon
 * thread: only that process can unlock it, and if it dies, or its node does, the lease runs out and the next waiter
 * gets {@link LockOwnerDeadException} as for a holder of the lock's own node.
 *
 * <p>Body: one {@link LockLayout} (64 bytes).
 */
public final class Lock extends SharedObject implements java.util.concurrent.locks.Lock {
    private static final long serialVersionUID = 1L;
    /** Longer than SharedLock's holder check (100 ms), so that each slice also looks for a dead holder. */
    private static final long DESTROY_CHECK_NANOS = 250_000_000L;
    /** How long a holder on another node counts as alive without renewing its lease (renewed every third of it). */
    static final long LEASE_MILLIS = 3_000;
    /** This process as the holder of a lock of another node, once known (see {@link #thisProcess}). */
    private static volatile long identity;
    private transient SharedLock lock;

    private Lock(String name, MemoryPool pool) {
        super(name, LockLayout.LENGTH, pool);
        publish();
    }

    /** A new lock without a name. */
    public static Lock create() {
        return create(null, Policy.anywhere());
    }

    /** A new lock that any process can look up by {@code name}. */
    public static Lock create(String name) {
        return create(name, Policy.anywhere());
    }

    /**
     * {@link #create()} in the default pool of the node {@code policy} places it on (anywhere: this process's
     * node); only the policy's placement applies (see {@link Policy}).
     *
     * @throws IllegalArgumentException if the policy has CPUs or GPUs
     * @throws ObjectNotFoundException if the runtime has no node of the policy's index
     */
    public static Lock create(Policy policy) {
        return create(null, policy);
    }

    /**
     * {@link #create(String)} in the default pool of the node {@code policy} places it on (anywhere: this process's
     * node); only the policy's placement applies (see {@link Policy}). Any process of the runtime can look it up
     * by {@code name}.
     *
     * @throws IllegalArgumentException if the policy has CPUs or GPUs
     * @throws ObjectNotFoundException if the runtime has no node of the policy's index
     * @throws DragonException if a runtime object already has that name (the new object is destroyed)
     */
    public static Lock create(String name, Policy policy) {
        return create(name, policy, Lock::new);
    }

    /** The lock named {@code name}. */
    public static Lock lookup(String name) {
        return Services.lookup(name, Lock.class);
    }

    @Override
    public void lock() {
        if (isRemote()) {
            long me = thisProcess();
            runOnOwner(FOREVER, (Lock l) -> l.lockForAnotherNode(me));
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
            long me = thisProcess();
            runOnOwnerInterruptibly(FOREVER, (Lock l) -> l.lockForAnotherNode(me));
            LeaseRenewal.held(this);
            return;
        }
        lockUntil(Deadline.FOREVER);
    }

    @Override
    public boolean tryLock() {
        if (isRemote()) {
            long me = thisProcess();
            return leasedIf(onOwner(0, (Lock l) -> l.tryLockForAnotherNode(me, 0)));
        }
        try {
            return sharedLock().tryLock();
        } catch (OwnerDeadException e) {
            throw ownerDead(e);
        }
    }

    @Override
    public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
        if (isRemote()) {
            long me = thisProcess();
            long nanos = timedNanos(time, unit);
            return leasedIf(onOwnerInterruptibly(nanos, (Lock l) -> l.tryLockForAnotherNode(me, nanos)));
        }
        return lockUntil(Deadline.after(time, unit));
    }

    /** {@link #tryLock(long, TimeUnit)} with a Duration. */
    public boolean tryLock(Duration timeout) throws InterruptedException {
        return tryLock(TimeUnit.NANOSECONDS.convert(timeout), TimeUnit.NANOSECONDS);
    }

    /**
     * Releases the lock, which this process holds: any of its threads may, whichever took it.
     *
     * @throws IllegalMonitorStateException if this process does not hold the lock (it is free, or another process
     *     holds it, on this node or another), and then the lock stays as it was: a process that never locked it
     *     cannot let a waiter in while the holder is in its critical section
     */
    @Override
    public void unlock() {
        if (isRemote()) {
            LeaseRenewal.released(this);
            long me = thisProcess();
            runOnOwner(0, (Lock l) -> l.sharedLock().unlockFor(me));
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

    /** Whether some process holds the lock (by the time the answer is used, that may have changed). */
    public boolean isLocked() {
        if (isRemote()) {
            return onOwner(0, (Lock l) -> l.isLocked());
        }
        return sharedLock().isLocked();
    }

    /**
     * Renews the lease of this process on the lock, which it holds through the lock's node (see LeaseRenewal below).
     */
    void renewLease() {
        long me = thisProcess();
        runOnOwner(0, (Lock l) -> l.sharedLock().renewLease(me, System.currentTimeMillis() + LEASE_MILLIS));
    }

    /**
     * On the lock's node, for process {@code holder} of another node: takes it, under a lease that process renews.
     * Interruptible even for {@link #lock()}: the agent interrupts it only if the holder is gone or cancelled it.
     */
    private void lockForAnotherNode(long holder) throws InterruptedException {
        lockUntil(Deadline.FOREVER);
        sharedLock().holdFor(holder, System.currentTimeMillis() + LEASE_MILLIS);
    }

    private boolean tryLockForAnotherNode(long holder, long nanos) throws InterruptedException {
        boolean taken = nanos == 0 ? tryLock() : tryLock(nanos, TimeUnit.NANOSECONDS);
        if (taken) {
            sharedLock().holdFor(holder, System.currentTimeMillis() + LEASE_MILLIS);
        }
        return taken;
    }

    /**
     * This process as the holder of a lock of another node: its node index and pid, which the lock's node records
     * so that no other process can unlock it (the job's processes are trusted not to lie about who they are; the
     * check catches mistakes, as it does on one node).
     */
    private static long thisProcess() {
        long me = identity;
        if (me == 0) {
            me = SharedLock.remoteHolder(LaunchParameters.fromEnvironment().nodeIndex(),
                (int) ProcessHandle.current().pid());
            identity = me;
        }
        return me;
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
            try {
                if (sharedLock().lock(WaitMode.ADAPTIVE, Deadline.after(slice, TimeUnit.NANOSECONDS))) {
                    return true;
                }
            } catch (OwnerDeadException e) {
                throw ownerDead(e);
            }
            if (Deadline.hasPassed(deadline)) {
                return false;
            }
        }
    }

    private static LockOwnerDeadException ownerDead(OwnerDeadException e) {
        return new LockOwnerDeadException(e.getMessage(), e.deadPid());
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

    /**
     * Renews the leases of the locks this process holds on other nodes (see {@link Lock}), on one daemon thread,
     * every third of {@link #LEASE_MILLIS}. A lock that cannot be renewed (destroyed, or its node gone) is
     * dropped from the list; its lease then runs out there, as it should.
     */
    private static final class LeaseRenewal {
        private static final Map<Long, Lock> HELD = new ConcurrentHashMap<>();
        private static Thread renewer;

        private LeaseRenewal() {
        }

        static synchronized void held(Lock lock) {
            HELD.put(lock.id(), lock);
            if (renewer == null) {
                renewer = new Thread(LeaseRenewal::renewForever, "dragon-lock-leases");
                renewer.setDaemon(true);
                renewer.start();
            }
        }

        static void released(Lock lock) {
            HELD.remove(lock.id());
        }

        private static void renewForever() {
            for (;;) {
                LockSupport.parkNanos(Lock.LEASE_MILLIS * 1_000_000L / 3);
                for (Lock lock : HELD.values()) {
                    try {
                        lock.renewLease();
                    } catch (RuntimeException e) {
                        HELD.remove(lock.id(), lock);
                    }
                }
            }
        }
    }
}
