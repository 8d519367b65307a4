package io.dragon.core.sync;

/**
 * How a thread waits for a shared-memory condition (a message to arrive, a block to free, a lock to pass).
 *
 * <p>On the virtual machines this runtime targets, a futex sleep and wake-up costs 40–110 µs while a spinning
 * waiter sees a change within a fraction of a microsecond, so the spin phase decides latency and the sleep phase
 * decides how much CPU an idle waiter burns.
 */
public enum WaitMode {
    /** Busy-spin until ready or the deadline: lowest latency, one core per waiter. */
    SPIN,
    /** Spin for a while, then yield, then sleep on a futex: low latency when busy, no CPU when idle. */
    ADAPTIVE,
    /** Sleep on a futex at once: no CPU while waiting, a wake-up costs tens of microseconds. */
    SLEEP
}
