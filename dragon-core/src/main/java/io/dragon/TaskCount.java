package io.dragon;

import static io.dragon.core.channels.GatewayLayout.FOREVER;

import io.dragon.core.memory.MemoryPool;
import io.dragon.core.shm.SharedBuffer;
import io.dragon.core.sync.Deadline;
import io.dragon.core.sync.Readiness;
import io.dragon.core.sync.Signal;
import io.dragon.core.sync.WaitMode;
import java.util.concurrent.TimeUnit;

/**
 * The unfinished tasks of a {@link JoinableQueue}, shared by processes: elements put and not yet marked done.
 *
 * <pre>
 * Body:  offset  size
 *             0     8  unfinished tasks
 *             8     8  {@link io.dragon.core.sync.SignalLayout signal}: joiners sleep here until the count is 0
 * </pre>
 */
final class TaskCount extends SharedObject {
    private static final long serialVersionUID = 1L;
    private static final int COUNT_OFFSET = 0;
    private static final int SIGNAL_OFFSET = 8;
    private static final int LENGTH = 16;

    private transient volatile Signal signal;
    private transient Readiness finished;

    private TaskCount(String name, MemoryPool pool) {
        super(name, LENGTH, pool);
        publish();
    }

    /** A new count of 0, on the node {@code policy} places it on (its queue's). */
    static TaskCount create(Policy policy) {
        return create(null, policy, TaskCount::new);
    }

    /** Counts a task about to be put (1), or one whose put failed (-1). */
    void add(long delta) {
        if (isRemote()) {
            runOnOwner(0, (TaskCount c) -> c.add(delta));
            return;
        }
        if (body().getAndAddLong(COUNT_OFFSET, delta) + delta == 0) {
            signal().signal();
        }
    }

    /**
     * Marks a task done.
     *
     * @throws IllegalStateException if no task is unfinished
     */
    void done() {
        if (isRemote()) {
            runOnOwner(0, TaskCount::done);
            return;
        }
        SharedBuffer body = body();
        for (;;) {
            long count = body.getLongVolatile(COUNT_OFFSET);
            if (count <= 0) {
                throw new IllegalStateException("taskDone() called more times than elements were put");
            }
            if (body.compareAndSetLong(COUNT_OFFSET, count, count - 1)) {
                if (count == 1) {
                    signal().signal();
                }
                return;
            }
        }
    }

    /** Unfinished tasks now. */
    long count() {
        if (isRemote()) {
            return onOwner(0, (TaskCount c) -> c.count());
        }
        return body().getLongVolatile(COUNT_OFFSET);
    }

    /** Waits until no task is unfinished, at most {@code nanos} ({@link FOREVER}: no limit); false on timeout. */
    boolean await(long nanos) throws InterruptedException {
        if (isRemote()) {
            return onOwnerInterruptibly(nanos, (TaskCount c) -> c.await(nanos));
        }
        long deadline = nanos == FOREVER ? Deadline.FOREVER : Deadline.after(nanos, TimeUnit.NANOSECONDS);
        boolean ready = signal().await(finished, 0, WaitMode.ADAPTIVE, deadline);
        body(); // throws if it was destroyed while we waited
        return ready;
    }

    @Override
    void wakeWaiters() {
        signal().signal();
    }

    private Signal signal() {
        Signal s = signal;
        if (s == null) {
            SharedBuffer body = rawBody();
            finished = ignored -> gone() || body.getLongVolatile(COUNT_OFFSET) <= 0;
            s = new Signal(body, SIGNAL_OFFSET);
            signal = s;
        }
        return s;
    }
}
