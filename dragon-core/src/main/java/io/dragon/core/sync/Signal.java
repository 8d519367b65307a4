package io.dragon.core.sync;

import static io.dragon.core.sync.SignalLayout.SEQUENCE_OFFSET;
import static io.dragon.core.sync.SignalLayout.SLEEPERS_OFFSET;

import io.dragon.core.infrastructure.Settings;
import io.dragon.core.shm.Futex;
import io.dragon.core.shm.SharedBuffer;

/**
 * A wake-up point in shared memory: threads of any process wait here for a {@link Readiness} to hold, and whoever
 * makes it hold calls {@link #signal()}.
 *
 * <p>The futex system call is avoided in the common case: a waiter announces itself in {@code sleepers}, re-reads
 * its condition and sleeps on the sequence value it saw; a signaller, after its store, wakes only if someone has
 * announced. The kernel re-checks the sequence, so no wake-up is lost (the store-load fence on both sides makes
 * "waiter saw not ready" and "signaller saw no sleeper" impossible together). A thread that has slept for
 * {@link #PARK_AFTER_NANOS} is parked ({@link ParkedSleep}): thread dumps show it WAITING or TIMED_WAITING, as for a
 * {@code java.util.concurrent} wait. Before that it sleeps in the futex call itself (RUNNABLE to the JVM), since the
 * parked sleep's hand-over costs every wake-up: 6 µs -> 55 µs for channel_rtt_blocking_us on 2 cores.
 */
public final class Signal {
    /**
     * Spins (about 25 ns each) before an adaptive waiter starts to yield. Short, because runtimes usually have more
     * busy processes than cores (a pool's head, dispatcher and workers on one node): a long spin steals the core
     * of the very thread that would make the condition hold; a yield hands it over and, on an idle core, returns
     * at once. With 20,000 spins and 100 yields a pool ran tasks about 1.5x slower on 2 cores.
     */
    public static final int SPINS = Settings.waitSpins();
    /** Yields (a fraction of a microsecond each on an idle core) before an adaptive waiter sleeps. */
    public static final int YIELDS = Settings.waitYields();
    /** Longest single sleep, so that interrupts and deadlines are noticed even without a wake-up. */
    private static final long MAX_SLEEP_NANOS = 50_000_000L;
    /**
     * How long a wait sleeps in the futex call before it sleeps parked: a thread a dump catches blocked for longer
     * shows WAITING, and a wait that long pays the hand-over's few tens of microseconds only once it ends.
     */
    static final long PARK_AFTER_NANOS = 10_000_000L;
    private static final int CHECK_EVERY = 1023;

    private final SharedBuffer buffer;
    private final long offset;
    private final long sequenceAddress;

    /** A view of the signal at {@code offset} in {@code buffer} (see {@link SignalLayout}). */
    public Signal(SharedBuffer buffer, long offset) {
        if ((buffer.address() + offset) % 4 != 0) {
            throw new IllegalArgumentException("a signal must be 4-byte aligned, offset " + offset);
        }
        this.buffer = buffer;
        this.offset = offset;
        this.sequenceAddress = buffer.address() + offset + SEQUENCE_OFFSET;
    }

    /** Wakes every sleeping waiter, if any. Call after the store that made a condition hold. */
    public void signal() {
        SharedBuffer.fullFence();
        if (buffer.getIntVolatile(offset + SLEEPERS_OFFSET) > 0) {
            buffer.getAndAddInt(offset + SEQUENCE_OFFSET, 1);
            Futex.wake(sequenceAddress, Integer.MAX_VALUE);
        }
    }

    /**
     * Waits until {@code readiness.isReady(arg)} or the deadline passes.
     *
     * @return true if ready, false on timeout
     * @throws InterruptedException if the thread is interrupted while waiting
     */
    public boolean await(Readiness readiness, long arg, WaitMode mode, long deadline) throws InterruptedException {
        long parkAt = 0; // when this wait's sleeps become parked ones; 0 until its first sleep
        for (long round = 0; ; round++) {
            if (readiness.isReady(arg)) {
                return true;
            }
            if (mode == WaitMode.SLEEP || (mode == WaitMode.ADAPTIVE && round >= SPINS + YIELDS)) {
                if (parkAt == 0) {
                    parkAt = System.nanoTime() + PARK_AFTER_NANOS;
                }
                if (!sleep(readiness, arg, deadline, parkAt)) {
                    return readiness.isReady(arg);
                }
            } else {
                if ((round & CHECK_EVERY) == CHECK_EVERY) {
                    if (Thread.interrupted()) {
                        throw new InterruptedException();
                    }
                    if (Deadline.hasPassed(deadline)) {
                        return readiness.isReady(arg);
                    }
                }
                if (round < SPINS || mode == WaitMode.SPIN) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
            }
        }
    }

    /** One announced sleep, parked from {@code parkAt} on; false once the deadline has passed. */
    private boolean sleep(Readiness readiness, long arg, long deadline, long parkAt) throws InterruptedException {
        long remaining = Deadline.remaining(deadline);
        if (remaining <= 0) {
            return false;
        }
        buffer.getAndAddInt(offset + SLEEPERS_OFFSET, 1);
        try {
            int sequence = buffer.getIntVolatile(offset + SEQUENCE_OFFSET);
            if (!readiness.isReady(arg)) {
                long timeout = Math.min(remaining, MAX_SLEEP_NANOS);
                long beforeParking = parkAt - System.nanoTime();
                if (beforeParking > 0) {
                    Futex.await(sequenceAddress, sequence, Math.min(timeout, beforeParking));
                } else {
                    ParkedSleep.await(this, sequenceAddress, sequence, timeout, deadline != Deadline.FOREVER);
                }
            }
        } finally {
            buffer.getAndAddInt(offset + SLEEPERS_OFFSET, -1);
        }
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        return true;
    }
}
