package io.dragon.backend;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The threads using shared memory that is to be unmapped, counted, so that it is unmapped only once none is:
 * touching unmapped memory kills the JVM (SIGSEGV), it does not throw. A user {@link #enter}s before it touches the
 * memory and {@link #exit}s after; once {@link #close}d nobody enters any more, and the unmap action runs when the
 * last user exits (at once if there is none), on that thread. Entering and exiting allocate nothing.
 */
public final class MemoryUsers {
    /** The state's sign bit: closed. The other bits count the users inside. */
    private static final long CLOSED = Long.MIN_VALUE;

    private final AtomicLong state = new AtomicLong();
    private final Runnable unmap;
    private final CountDownLatch unmapped = new CountDownLatch(1);

    /** Users of memory that {@code unmap} unmaps (it runs once, after {@link #close}, when no user is inside). */
    public MemoryUsers(Runnable unmap) {
        this.unmap = unmap;
    }

    /** Enters, unless closed: then the memory must not be touched (it may be unmapped already). */
    public boolean enter() {
        for (;;) {
            long current = state.get();
            if (current < 0) {
                return false;
            }
            if (state.compareAndSet(current, current + 1)) {
                return true;
            }
        }
    }

    /** Leaves, after a successful {@link #enter}; the last user out of closed memory unmaps it. */
    public void exit() {
        if (state.decrementAndGet() == CLOSED) {
            unmapNow();
        }
    }

    /** Lets nobody in any more; unmaps now if nobody is inside, else when the last user exits. Idempotent. */
    public void close() {
        for (;;) {
            long current = state.get();
            if (current < 0) {
                return;
            }
            if (state.compareAndSet(current, current | CLOSED)) {
                if (current == 0) {
                    unmapNow();
                }
                return;
            }
        }
    }

    /** Whether {@link #close} was called. */
    public boolean isClosed() {
        return state.get() < 0;
    }

    /** Waits until the unmap action has run (after {@link #close}); false if it had not within the timeout. */
    public boolean awaitUnmapped(long timeout, TimeUnit unit) throws InterruptedException {
        return unmapped.await(timeout, unit);
    }

    private void unmapNow() {
        try {
            unmap.run();
        } finally {
            unmapped.countDown();
        }
    }
}
