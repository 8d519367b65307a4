package io.dragon.core.sync;

import io.dragon.core.shm.Futex;
import java.util.concurrent.locks.LockSupport;

/**
 * A futex sleep during which the sleeping thread is parked ({@link LockSupport}), so that a thread dump and
 * {@link Thread#getState()} show it WAITING or TIMED_WAITING, as a thread blocked in a {@code java.util.concurrent}
 * queue, and not RUNNABLE in a system call: a helper thread sleeps on the futex in its stead and unparks it once
 * the sleep ends. Nothing spins meanwhile, and an interrupt wakes the parked thread at once.
 *
 * <p>The handover costs a thread wake-up on top of the futex's (tens of microseconds on a busy node), so
 * {@link Signal} uses it only for waits that have already slept {@link Signal#PARK_AFTER_NANOS}. Helpers are
 * daemon threads kept for the next sleep, as many as threads of the process have slept at once; a sleep allocates
 * nothing once they exist.
 */
final class ParkedSleep {
    /** Idle helpers, linked through {@link Helper#next}; guarded by the class. */
    private static Helper idle;

    private ParkedSleep() {
    }

    /**
     * Sleeps as {@link Futex#await} does (returns on a wake-up of the word, a timeout, or at once if the word
     * differs), parked, with {@code blocker} as the object a thread dump says it waits for. An interrupt ends the
     * sleep early and stays set; the helper is woken with every other sleeper on the word, which re-check their
     * conditions, as after any wake-up.
     *
     * @param timed whether the caller waits until a deadline (TIMED_WAITING) or for ever (WAITING)
     */
    static void await(Object blocker, long address, int expected, long timeoutNanos, boolean timed) {
        Helper helper = borrow();
        helper.start(address, expected, timeoutNanos);
        boolean interrupted = false;
        while (!helper.done) {
            if (timed) {
                LockSupport.parkNanos(blocker, timeoutNanos);
            } else {
                LockSupport.park(blocker);
            }
            if (!interrupted && Thread.interrupted()) {
                interrupted = true;
                Futex.wake(address, Integer.MAX_VALUE);
            }
        }
        release(helper);
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static Helper borrow() {
        synchronized (ParkedSleep.class) {
            Helper helper = idle;
            if (helper != null) {
                idle = helper.next;
                helper.next = null;
                return helper;
            }
        }
        return new Helper();
    }

    private static void release(Helper helper) {
        synchronized (ParkedSleep.class) {
            helper.next = idle;
            idle = helper;
        }
    }

    /** A thread that sleeps on a futex for one parked thread at a time. */
    private static final class Helper implements Runnable {
        private final Thread thread;
        private long address;
        private int expected;
        private long timeoutNanos;
        /** The thread to unpark once the sleep ends; set (last) by {@link #start}, null while idle. */
        private volatile Thread sleeper;
        private volatile boolean done;
        private Helper next;

        Helper() {
            thread = new Thread(this, "dragon-futex-sleep");
            thread.setDaemon(true);
            thread.start();
        }

        /** Has the helper sleep on {@code address} for the calling thread. */
        void start(long address, int expected, long timeoutNanos) {
            this.address = address;
            this.expected = expected;
            this.timeoutNanos = timeoutNanos;
            done = false;
            sleeper = Thread.currentThread();
            LockSupport.unpark(thread);
        }

        @Override
        public void run() {
            for (;;) {
                Thread parked = sleeper;
                if (parked == null) {
                    LockSupport.park(this);
                    continue;
                }
                Futex.await(address, expected, timeoutNanos);
                sleeper = null; // before done: once done, the next borrower may set it
                done = true;
                LockSupport.unpark(parked);
            }
        }
    }
}
