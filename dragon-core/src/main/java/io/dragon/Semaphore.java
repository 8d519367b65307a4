package io.dragon;

import static io.dragon.core.channels.GatewayLayout.FOREVER;

import io.dragon.core.memory.MemoryPool;
import io.dragon.core.shm.SharedBuffer;
import io.dragon.core.sync.Deadline;
import io.dragon.core.sync.Readiness;
import io.dragon.core.sync.Signal;
import io.dragon.core.sync.WaitMode;
import io.dragon.internal.Services;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A counting semaphore shared by processes, like {@link java.util.concurrent.Semaphore} (not fair: a release wakes
 * every waiter and the first to take the permits has them). Like that one it has no owner: any process may release
 * permits, including permits it never acquired; where only the process that entered may leave, use a {@link Lock}.
 *
 * <pre>
 * Body:  offset  size
 *             0     8  permits
 *             8     8  {@link io.dragon.core.sync.SignalLayout signal}: waiters for permits sleep here
 * </pre>
 */
public final class Semaphore extends SharedObject {
    private static final long serialVersionUID = 1L;
    private static final int PERMITS_OFFSET = 0;
    private static final int SIGNAL_OFFSET = 8;
    private static final int LENGTH = 16;

    private transient volatile Signal signal;
    /** Ready when at least {@code arg} permits are there, or the semaphore is gone. */
    private transient Readiness enough;

    private Semaphore(String name, long permits, MemoryPool pool) {
        super(name, LENGTH, pool);
        rawBody().putLongVolatile(PERMITS_OFFSET, permits);
        publish();
    }

    /**
     * A new semaphore with {@code permits} permits without a name, in this node's shared memory; it lives until {@link
     * #destroy()} or the end of the runtime.
     */
    public static Semaphore create(long permits) {
        return create(null, permits, Policy.anywhere());
    }

    /**
     * A new semaphore with {@code permits} permits that any process of the runtime, on any node, can look up by {@code
     * name}.
     *
     * @throws DragonException if a runtime object already has that name
     */
    public static Semaphore create(String name, long permits) {
        return create(name, permits, Policy.anywhere());
    }

    /**
     * {@link #create(long)} in the default pool of the node {@code policy} places it on (anywhere: this process's
     * node); only the policy's placement applies (see {@link Policy}).
     *
     * @throws IllegalArgumentException if the policy has CPUs or GPUs
     * @throws ObjectNotFoundException if the runtime has no node of the policy's index
     */
    public static Semaphore create(long permits, Policy policy) {
        return create(null, permits, policy);
    }

    /**
     * {@link #create(String, long)} in the default pool of the node {@code policy} places it on (anywhere: this
     * process's node); only the policy's placement applies (see {@link Policy}). Any process of the runtime can look
     * it up by {@code name}.
     *
     * @throws IllegalArgumentException if the policy has CPUs or GPUs
     * @throws ObjectNotFoundException if the runtime has no node of the policy's index
     * @throws DragonException if a runtime object already has that name (the new object is destroyed)
     */
    public static Semaphore create(String name, long permits, Policy policy) {
        return create(name, policy, (n, pool) -> new Semaphore(n, permits, pool));
    }

    /**
     * The semaphore that {@code name} names, made by a process of any node.
     *
     * @throws ObjectNotFoundException if no object has that name
     * @throws DragonException if the name belongs to an object of another kind
     */
    public static Semaphore lookup(String name) {
        return Services.lookup(name, Semaphore.class);
    }

    /**
     * Takes one permit, waiting until there is one.
     *
     * @throws InterruptedException if interrupted while waiting; nothing was taken
     */
    public void acquire() throws InterruptedException {
        acquire(1);
    }

    /**
     * Takes {@code permits} permits at once, waiting until there are that many.
     *
     * @throws InterruptedException if interrupted while waiting; nothing was taken
     */
    public void acquire(long permits) throws InterruptedException {
        if (isRemote()) {
            runOnOwnerInterruptibly(FOREVER, (Semaphore s) -> s.acquire(permits));
            return;
        }
        acquireUntil(permits, Deadline.FOREVER);
    }

    /**
     * Takes one permit if there is one now.
     *
     * @return whether it took it
     */
    public boolean tryAcquire() {
        return tryAcquire(1);
    }

    /**
     * Takes {@code permits} permits if there are that many now.
     *
     * @return whether it took them
     */
    public boolean tryAcquire(long permits) {
        if (isRemote()) {
            return onOwner(0, (Semaphore s) -> s.tryAcquire(permits));
        }
        checkPermits(permits);
        SharedBuffer body = body();
        for (;;) {
            long available = body.getLongVolatile(PERMITS_OFFSET);
            if (available < permits) {
                return false;
            }
            if (body.compareAndSetLong(PERMITS_OFFSET, available, available - permits)) {
                return true;
            }
        }
    }

    /**
     * Takes one permit, waiting up to {@code timeout} for it.
     *
     * @return whether it took it
     * @throws InterruptedException if interrupted while waiting; nothing was taken
     */
    public boolean tryAcquire(long timeout, TimeUnit unit) throws InterruptedException {
        return tryAcquire(1, timeout, unit);
    }

    /**
     * Takes {@code permits} permits at once, waiting up to {@code timeout} for that many.
     *
     * @return whether it took them
     * @throws InterruptedException if interrupted while waiting; nothing was taken
     */
    public boolean tryAcquire(long permits, long timeout, TimeUnit unit) throws InterruptedException {
        if (isRemote()) {
            long nanos = timedNanos(timeout, unit);
            return onOwnerInterruptibly(nanos, (Semaphore s) -> s.tryAcquire(permits, nanos, TimeUnit.NANOSECONDS));
        }
        return acquireUntil(permits, Deadline.after(timeout, unit));
    }

    /** {@link #tryAcquire(long, TimeUnit)} with a Duration. */
    public boolean tryAcquire(Duration timeout) throws InterruptedException {
        return tryAcquire(TimeUnit.NANOSECONDS.convert(timeout), TimeUnit.NANOSECONDS);
    }

    /** {@link #tryAcquire(long, long, TimeUnit)} with a Duration. */
    public boolean tryAcquire(long permits, Duration timeout) throws InterruptedException {
        return tryAcquire(permits, TimeUnit.NANOSECONDS.convert(timeout), TimeUnit.NANOSECONDS);
    }

    /** Adds one permit (see {@link #release(long)}). */
    public void release() {
        release(1);
    }

    /** Adds {@code permits} permits, whoever acquired them (a semaphore has no owner). */
    public void release(long permits) {
        if (isRemote()) {
            runOnOwner(0, (Semaphore s) -> s.release(permits));
            return;
        }
        checkPermits(permits);
        body().getAndAddLong(PERMITS_OFFSET, permits);
        signal().signal();
    }

    /** The permits there now (by the time the answer is used, that may have changed). */
    public long availablePermits() {
        if (isRemote()) {
            return onOwner(0, (Semaphore s) -> s.availablePermits());
        }
        return body().getLongVolatile(PERMITS_OFFSET);
    }

    @Override
    void wakeWaiters() {
        signal().signal();
    }

    private boolean acquireUntil(long permits, long deadline) throws InterruptedException {
        for (;;) {
            if (tryAcquire(permits)) {
                return true;
            }
            if (!signal().await(enough, permits, WaitMode.ADAPTIVE, deadline)) {
                return false;
            }
        }
    }

    private Signal signal() {
        Signal s = signal;
        if (s == null) {
            SharedBuffer body = rawBody();
            enough = permits -> gone() || body.getLongVolatile(PERMITS_OFFSET) >= permits;
            s = new Signal(body, SIGNAL_OFFSET);
            signal = s;
        }
        return s;
    }

    private static void checkPermits(long permits) {
        if (permits <= 0) {
            throw new IllegalArgumentException("permits must be positive, got " + permits);
        }
    }
}
