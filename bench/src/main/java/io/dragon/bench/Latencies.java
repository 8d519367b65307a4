package io.dragon.bench;

import java.util.Arrays;

/** Per-round-trip latencies in a preallocated array, so that recording allocates nothing. */
final class Latencies {
    private final long[] nanos;
    private int count;

    Latencies(int capacity) {
        this.nanos = new long[capacity];
        Arrays.fill(nanos, 1); // touch every page before timing starts
    }

    void record(long elapsedNanos) {
        nanos[count++] = elapsedNanos;
    }

    void reset() {
        count = 0;
    }

    boolean isFull() {
        return count == nanos.length;
    }

    int count() {
        return count;
    }

    /** Sorts what was recorded; call once, after the run. */
    Latencies sort() {
        Arrays.sort(nanos, 0, count);
        return this;
    }

    /** The {@code p}-quantile (0 &lt; p &lt;= 1) of sorted latencies, nearest rank, in nanoseconds. */
    long quantile(double p) {
        int rank = (int) Math.ceil(p * count);
        return nanos[Math.max(0, Math.min(count - 1, rank - 1))];
    }
}
