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
 * A flag shared by processes that threads can wait for, like Python's {@code multiprocessing.Event}: {@link #set()}
 * wakes every waiter; it stays set until {@link #clear()}.
 *
 * <pre>
 * Body:  offset  size
 *             0     4  state (0 clear, 1 set)
 *             8     8  {@link io.dragon.core.sync.SignalLayout signal}: waiters sleep here
 * </pre>
 */
public final class Event extends SharedObject {
    private static final long serialVersionUID = 1L;
    private static final int STATE_OFFSET = 0;
    private static final int SIGNAL_OFFSET = 8;
    private static final int LENGTH = 16;

    private transient volatile Signal signal;
    private transient Readiness isSet;

    private Event(String name, MemoryPool pool) {
        super(name, LENGTH, pool);
        publish();
    }

    /**
     * A new event, not set, without a name, in this node's shared memory; it lives until {@link #destroy()} or the end
     * of the runtime.
     */
    public static Event create() {
        return create(null, Policy.anywhere());
    }

    /**
     * A new event, not set, that any process of the runtime, on any node, can look up by {@code name}.
     *
     * @throws DragonException if a runtime object already has that name
     */
    public static Event create(String name) {
        return create(name, Policy.anywhere());
    }

    /**
     * {@link #create()} in the default pool of the node {@code policy} places it on (anywhere: this process's
     * node); only the policy's placement applies (see {@link Policy}).
     *
     * @throws IllegalArgumentException if the policy has CPUs or GPUs
     * @throws ObjectNotFoundException if the runtime has no node of the policy's index
     */
    public static Event create(Policy policy) {
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
    public static Event create(String name, Policy policy) {
        return create(name, policy, Event::new);
    }

    /**
     * The event that {@code name} names, made by a process of any node.
     *
     * @throws ObjectNotFoundException if no object has that name
     * @throws DragonException if the name belongs to an object of another kind
     */
    public static Event lookup(String name) {
        return Services.lookup(name, Event.class);
    }

    /** Sets the event and wakes every thread waiting for it, in any process on any node. */
    public void set() {
        if (isRemote()) {
            runOnOwner(0, Event::set);
            return;
        }
        body().putIntVolatile(STATE_OFFSET, 1);
        signal().signal();
    }

    /** Clears the event: later waits wait until the next {@link #set()}. */
    public void clear() {
        if (isRemote()) {
            runOnOwner(0, Event::clear);
            return;
        }
        body().putIntVolatile(STATE_OFFSET, 0);
    }

    /** Whether the event is set now. */
    public boolean isSet() {
        if (isRemote()) {
            return onOwner(0, (Event e) -> e.isSet());
        }
        return body().getIntVolatile(STATE_OFFSET) != 0;
    }

    /** Waits until the event is set. */
    public void await() throws InterruptedException {
        if (isRemote()) {
            runOnOwnerInterruptibly(FOREVER, (Event e) -> e.await());
            return;
        }
        await(Deadline.FOREVER);
    }

    /** Waits until the event is set; false if the timeout passed first. */
    public boolean await(long timeout, TimeUnit unit) throws InterruptedException {
        if (isRemote()) {
            long nanos = timedNanos(timeout, unit);
            return onOwnerInterruptibly(nanos, (Event e) -> e.await(nanos, TimeUnit.NANOSECONDS));
        }
        return await(Deadline.after(timeout, unit));
    }

    /** {@link #await(long, TimeUnit)} with a Duration. */
    public boolean await(Duration timeout) throws InterruptedException {
        return await(TimeUnit.NANOSECONDS.convert(timeout), TimeUnit.NANOSECONDS);
    }

    @Override
    void wakeWaiters() {
        signal().signal();
    }

    private boolean await(long deadline) throws InterruptedException {
        boolean ready = signal().await(isSet, 0, WaitMode.ADAPTIVE, deadline);
        body(); // throws if it was destroyed while we waited
        return ready;
    }

    private Signal signal() {
        Signal s = signal;
        if (s == null) {
            SharedBuffer body = rawBody();
            isSet = ignored -> gone() || body.getIntVolatile(STATE_OFFSET) != 0;
            s = new Signal(body, SIGNAL_OFFSET);
            signal = s;
        }
        return s;
    }
}
