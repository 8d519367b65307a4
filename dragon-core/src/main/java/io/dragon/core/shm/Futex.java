package io.dragon.core.shm;

import static io.dragon.core.shm.UnsafeAccess.UNSAFE;

/**
 * futex(2) on a 32-bit word in shared memory. The operations are the shared (not {@code _PRIVATE}) ones, so that
 * waiters and wakers may be in different processes.
 */
public final class Futex {
    private static final int FUTEX_WAIT = 0;
    private static final int FUTEX_WAKE = 1;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    /** One {@code struct timespec} per thread, so that a timed wait allocates nothing. */
    private static final ThreadLocal<Timespec> TIMESPEC = ThreadLocal.withInitial(Timespec::new);

    private Futex() {
    }

    /**
     * Sleeps while the word at {@code address} holds {@code expected}, for at most {@code timeoutNanos}. Returns on
     * a wake-up, a timeout, a signal, or at once if the word differs: callers always re-check their condition.
     */
    public static void await(long address, int expected, long timeoutNanos) {
        long timespec = TIMESPEC.get().set(timeoutNanos);
        LibC.syscall(LibC.SYS_FUTEX, address, FUTEX_WAIT, expected, timespec, 0, 0);
    }

    /** Wakes up to {@code count} waiters on the word at {@code address}. */
    public static void wake(long address, int count) {
        LibC.syscall(LibC.SYS_FUTEX, address, FUTEX_WAKE, count, 0, 0, 0);
    }

    private static final class Timespec {
        private final long address = UNSAFE.allocateMemory(16);

        long set(long nanos) {
            UNSAFE.putLong(address, nanos / NANOS_PER_SECOND);
            UNSAFE.putLong(address + 8, nanos % NANOS_PER_SECOND);
            return address;
        }
    }
}
