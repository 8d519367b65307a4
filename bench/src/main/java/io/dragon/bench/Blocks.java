package io.dragon.bench;

import java.util.Locale;

/**
 * Timed blocks of the DDict benchmarks ({@link MapRates}, {@link DDictRates}): {@code warmup} uncounted blocks, then
 * the counted ones, each logged on stderr; what they report is the median of the counted ones.
 */
final class Blocks {
    private Blocks() {
    }

    /** One block: runs and times itself, and returns its figure (a rate). */
    @FunctionalInterface
    interface Block {
        double run() throws Exception;
    }

    /** The median figure of {@code blocks} runs of {@code block} after {@code warmup}, each logged as LABEL. */
    static double median(String label, int warmup, int blocks, Block block) throws Exception {
        double[] figures = new double[blocks];
        for (int b = -warmup; b < blocks; b++) {
            double figure = block.run();
            if (b >= 0) {
                figures[b] = figure;
            }
            System.err.printf(Locale.ROOT, "  %s %s %d: %.1f%n", label, b < 0 ? "warm-up block" : "block",
                b < 0 ? b + warmup + 1 : b + 1, figure);
        }
        return Median.of(figures);
    }

    /** MiB per second of {@code bytes} moved since {@code startNanos}. */
    static double mibs(long bytes, long startNanos) {
        return bytes / (double) (1 << 20) / ((System.nanoTime() - startNanos) / 1e9);
    }
}
