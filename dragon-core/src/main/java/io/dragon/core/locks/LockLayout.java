package io.dragon.core.locks;

/**
 * Layout of a {@link SharedLock} in shared memory (320 bytes, 64-byte aligned).
 *
 * <pre>
 *  offset  size
 *       0     4  next ticket      (taken with fetch-and-add by each locker)
 *       4     4  now serving      (the ticket that holds the lock)
 *       8     4  holder pid       (0 while free)
 *      12     4  (padding)
 *      16     8  {@link io.dragon.core.sync.SignalLayout signal}: waiters sleep here
 *      24    40  (padding to the cache line)
 *      64   256  abandoned tickets: 32 slots of 8 bytes, slot = ticket mod 32, holding
 *                (1 &lt;&lt; 32 | ticket) for a ticket whose waiter gave up, 0 when empty
 * </pre>
 */
public final class LockLayout {
    public static final int NEXT_TICKET_OFFSET = 0;
    public static final int SERVING_OFFSET = 4;
    public static final int HOLDER_PID_OFFSET = 8;
    public static final int SIGNAL_OFFSET = 16;
    public static final int ABANDONED_OFFSET = 64;
    public static final int ABANDONED_SLOTS = 32;
    public static final int LENGTH = ABANDONED_OFFSET + ABANDONED_SLOTS * 8;
    public static final int ALIGNMENT = 64;

    private LockLayout() {
    }
}
