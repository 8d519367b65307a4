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
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A cyclic barrier shared by processes, like {@link java.util.concurrent.CyclicBarrier} without a barrier action:
 * {@code parties} threads (in any processes) wait until all have arrived, then all go on and the barrier is ready
 * for the next round. A waiter that times out or is interrupted breaks the barrier for the others, who get
 * {@link BrokenBarrierException}, until {@link #reset()}.
 *
 * <pre>
 * Body:  offset  size
 *             0     4  parties
 *             8     8  state: generation (high 32 bits), broken flag (bit 31), arrived in this generation (bits 0-30)
 *            16     8  the last generation that reset() broke (-1 if none)
 *            24     8  {@link io.dragon.core.sync.SignalLayout signal}: waiters sleep here
 * </pre>
 * The last arrival and a breaking waiter both change {@code state} by compare-and-set, so exactly one wins.
 */
public final class Barrier extends SharedObject {
    private static final long serialVersionUID = 1L;
    private static final int PARTIES_OFFSET = 0;
    private static final int STATE_OFFSET = 8;
    private static final int RESET_GENERATION_OFFSET = 16;
    private static final int SIGNAL_OFFSET = 24;
    private static final int LENGTH = 32;
    private static final long BROKEN = 1L << 31;
    private static final long ARRIVED_MASK = BROKEN - 1;

    private final int parties;
    private transient volatile Signal signal;
    /** Ready when the generation {@code arg} has ended or is broken, or the barrier is gone. */
    private transient Readiness released;

    private Barrier(String name, int parties, MemoryPool pool) {
        super(name, LENGTH, pool);
        this.parties = parties;
        SharedBuffer body = rawBody();
        body.putInt(PARTIES_OFFSET, parties);
        body.putLongVolatile(RESET_GENERATION_OFFSET, -1);
        publish();
    }

    /**
     * A new barrier for {@code parties} parties without a name, in this node's shared memory; it lives until {@link
     * #destroy()} or the end of the runtime.
     */
    public static Barrier create(int parties) {
        return create(null, parties, Policy.anywhere());
    }

    /**
     * A new barrier for {@code parties} parties that any process of the runtime, on any node, can look up by {@code
     * name}.
     *
     * @throws DragonException if a runtime object already has that name
     */
    public static Barrier create(String name, int parties) {
        return create(name, parties, Policy.anywhere());
    }

    /**
     * {@link #create(int)} in the default pool of the node {@code policy} places it on (anywhere: this process's
     * node); only the policy's placement applies (see {@link Policy}).
     *
     * @throws IllegalArgumentException if the policy has CPUs or GPUs
     * @throws ObjectNotFoundException if the runtime has no node of the policy's index
     */
    public static Barrier create(int parties, Policy policy) {
        return create(null, parties, policy);
    }

    /**
     * {@link #create(String, int)} in the default pool of the node {@code policy} places it on (anywhere: this
     * process's node); only the policy's placement applies (see {@link Policy}). Any process of the runtime can look
     * it up by {@code name}.
     *
     * @throws IllegalArgumentException if the policy has CPUs or GPUs
     * @throws ObjectNotFoundException if the runtime has no node of the policy's index
     * @throws DragonException if a runtime object already has that name (the new object is destroyed)
     */
    public static Barrier create(String name, int parties, Policy policy) {
        if (parties <= 0) { // before the allocation, which would leak
            throw new IllegalArgumentException("a barrier needs at least one party, got " + parties);
        }
        return create(name, policy, (n, pool) -> new Barrier(n, parties, pool));
    }

    /**
     * The barrier that {@code name} names, made by a process of any node.
     *
     * @throws ObjectNotFoundException if no object has that name
     * @throws DragonException if the name belongs to an object of another kind
     */
    public static Barrier lookup(String name) {
        return Services.lookup(name, Barrier.class);
    }

    /** The number of parties that must arrive to trip the barrier. */
    public int parties() {
        return parties;
    }

    /**
     * Waits until all parties have arrived.
     *
     * @return the arrival index: {@code parties() - 1} for the first to arrive, 0 for the last
     */
    public int await() throws InterruptedException, BrokenBarrierException {
        if (isRemote()) {
            return onOwnerInterruptibly(FOREVER, (Barrier b) -> b.await());
        }
        try {
            return await(Deadline.FOREVER);
        } catch (TimeoutException e) {
            throw new AssertionError("a wait without deadline timed out", e);
        }
    }

    /** Like {@link #await()}, but breaks the barrier and throws TimeoutException if the timeout passes first. */
    public int await(long timeout, TimeUnit unit) throws InterruptedException, BrokenBarrierException,
        TimeoutException {
        if (isRemote()) {
            long nanos = timedNanos(timeout, unit);
            return onOwnerInterruptibly(nanos, (Barrier b) -> b.await(nanos, TimeUnit.NANOSECONDS));
        }
        return await(Deadline.after(timeout, unit));
    }

    /** {@link #await(long, TimeUnit)} with a Duration. */
    public int await(Duration timeout) throws InterruptedException, BrokenBarrierException, TimeoutException {
        return await(TimeUnit.NANOSECONDS.convert(timeout), TimeUnit.NANOSECONDS);
    }

    /** Whether the barrier is broken: a waiter timed out or was interrupted since the last {@link #reset()}. */
    public boolean isBroken() {
        if (isRemote()) {
            return onOwner(0, (Barrier b) -> b.isBroken());
        }
        return (body().getLongVolatile(STATE_OFFSET) & BROKEN) != 0;
    }

    /** Parties waiting now. */
    public int getNumberWaiting() {
        if (isRemote()) {
            return onOwner(0, (Barrier b) -> b.getNumberWaiting());
        }
        return (int) (body().getLongVolatile(STATE_OFFSET) & ARRIVED_MASK);
    }

    /** Breaks the current round (its waiters get BrokenBarrierException) and starts a fresh one. */
    public void reset() {
        if (isRemote()) {
            runOnOwner(0, Barrier::reset);
            return;
        }
        SharedBuffer body = body();
        for (;;) {
            long state = body.getLongVolatile(STATE_OFFSET);
            long generation = state >>> 32;
            body.putLongVolatile(RESET_GENERATION_OFFSET, generation);
            if (body.compareAndSetLong(STATE_OFFSET, state, nextGeneration(generation))) {
                signal().signal();
                return;
            }
        }
    }

    @Override
    void wakeWaiters() {
        signal().signal();
    }

    private int await(long deadline) throws InterruptedException, BrokenBarrierException, TimeoutException {
        SharedBuffer body = body();
        long state;
        long arrived;
        for (;;) {
            state = body.getLongVolatile(STATE_OFFSET);
            if ((state & BROKEN) != 0) {
                throw new BrokenBarrierException();
            }
            arrived = state & ARRIVED_MASK;
            long next = arrived + 1 == parties ? nextGeneration(state >>> 32) : state + 1;
            if (body.compareAndSetLong(STATE_OFFSET, state, next)) {
                break;
            }
        }
        int index = (int) (parties - 1 - arrived);
        if (index == 0) {
            signal().signal();
            return 0;
        }
        long generation = state >>> 32;
        boolean ready;
        try {
            ready = signal().await(released, generation, WaitMode.ADAPTIVE, deadline);
        } catch (InterruptedException e) {
            if (breakGeneration(body, generation)) {
                throw e;
            }
            Thread.currentThread().interrupt(); // the round completed anyway: keep the interrupt, return normally
            ready = true;
        }
        body();
        if (!ready && breakGeneration(body, generation)) {
            throw new TimeoutException("not all " + parties + " parties arrived at " + this + " in time");
        }
        long now = body.getLongVolatile(STATE_OFFSET);
        boolean sameGeneration = now >>> 32 == generation;
        if (sameGeneration ? (now & BROKEN) != 0 : body.getLongVolatile(RESET_GENERATION_OFFSET) == generation) {
            throw new BrokenBarrierException();
        }
        return index;
    }

    /** Marks {@code generation} broken if it is still running; false if it ended first. */
    private boolean breakGeneration(SharedBuffer body, long generation) {
        for (;;) {
            long state = body.getLongVolatile(STATE_OFFSET);
            if (state >>> 32 != generation) {
                return false;
            }
            if ((state & BROKEN) != 0 || body.compareAndSetLong(STATE_OFFSET, state, state | BROKEN)) {
                signal().signal();
                return true;
            }
        }
    }

    private static long nextGeneration(long generation) {
        return ((generation + 1) & 0xffff_ffffL) << 32;
    }

    private Signal signal() {
        Signal s = signal;
        if (s == null) {
            SharedBuffer body = rawBody();
            released = generation -> gone() || body.getLongVolatile(STATE_OFFSET) >>> 32 != generation
                || (body.getLongVolatile(STATE_OFFSET) & BROKEN) != 0;
            s = new Signal(body, SIGNAL_OFFSET);
            signal = s;
        }
        return s;
    }
}
