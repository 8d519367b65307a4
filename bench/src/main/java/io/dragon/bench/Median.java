package io.dragon.bench;

import java.util.Arrays;

/** The median of a benchmark's blocks, pairs or rounds: what it reports. */
final class Median {
    private Median() {
    }

    /** The middle value, or the mean of the two middle ones; {@code values} is left as it was. */
    static double of(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
