package io.dragon.core.sync;

import java.util.concurrent.TimeUnit;

/** Absolute deadlines on the {@link System#nanoTime()} clock, as plain longs so that waits allocate nothing. */
public final class Deadline {
    /** A deadline that never passes. */
    public static final long FOREVER = Long.MAX_VALUE;

    private Deadline() {
    }

    /** The deadline {@code timeout} from now; a negative timeout means now, a huge one means {@link #FOREVER}. */
    public static long after(long timeout, TimeUnit unit) {
        long nanos = unit.toNanos(Math.max(0, timeout));
        if (nanos >= Long.MAX_VALUE / 2) {
            return FOREVER;
        }
        return System.nanoTime() + nanos;
    }

    /** Nanoseconds left before {@code deadline}: zero or less once it has passed. */
    public static long remaining(long deadline) {
        return deadline == FOREVER ? Long.MAX_VALUE : deadline - System.nanoTime();
    }

    public static boolean hasPassed(long deadline) {
        return deadline != FOREVER && deadline - System.nanoTime() <= 0;
    }
}
