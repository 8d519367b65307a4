package io.dragon.bench;

/** The busy-wait step shared by every poll loop, ours and Agrona's alike, with a safety deadline. */
final class Spin {
    /** No benchmark phase may wait longer than this for its peer (system property {@code bench.timeout.seconds}). */
    static final long TIMEOUT_NANOS = Long.getLong("bench.timeout.seconds", 120) * 1_000_000_000L;
    private static final long CHECK_EVERY = (1 << 20) - 1;

    private Spin() {
    }

    /** The safety deadline of a phase starting now, on the {@link System#nanoTime()} clock. */
    static long deadline() {
        return System.nanoTime() + TIMEOUT_NANOS;
    }

    /** The other process of the pair, if this is the ping process. */
    private static volatile Process peer;

    static void watch(Process process) {
        peer = process;
    }

    /** One idle step of a busy loop; {@code spins} counts the failed polls so far. */
    static void idle(long spins, long deadline) {
        Thread.onSpinWait();
        if ((spins & CHECK_EVERY) == 0) {
            check(deadline);
        }
    }

    private static void check(long deadline) {
        Process process = peer;
        if (process != null && !process.isAlive()) {
            throw new IllegalStateException("the pong process exited (status " + process.exitValue() + ") while this"
                + " one was waiting for it");
        }
        if (System.nanoTime() - deadline > 0) {
            throw new IllegalStateException("the benchmark did not finish within " + TIMEOUT_NANOS / 1_000_000_000L
                + " s: its peer has died or stalled");
        }
    }
}
