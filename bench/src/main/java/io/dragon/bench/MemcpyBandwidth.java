package io.dragon.bench;

import java.nio.ByteBuffer;
import java.util.Locale;

/**
 * The peer of {@link ChannelStream#BANDWIDTH}: copies of {@code size} bytes between the same two direct buffers in
 * one process and one thread ({@code ByteBuffer.put(ByteBuffer)}, a memcpy), both staying in cache; one process.
 *
 * <p>Options: {@code size} (1 MiB), {@code warmup_s} (0.5), {@code seconds} (1.5).
 */
final class MemcpyBandwidth {
    static final String NAME = "memcpy-bw";

    private MemcpyBandwidth() {
    }

    static void ping(Options options) {
        int size = options.getInt("size", 1 << 20);
        long warmupNanos = Protocol.nanos(Double.parseDouble(options.get("warmup_s", "0.5")));
        long measureNanos = Protocol.nanos(Double.parseDouble(options.get("seconds", "1.5")));
        ByteBuffer src = Codec.direct(size);
        ByteBuffer dst = Codec.direct(size);
        long next = copyFor(src, dst, 0, warmupNanos);
        long start = System.nanoTime();
        long copies = copyFor(src, dst, next, measureNanos) - next;
        long elapsed = System.nanoTime() - start;
        BenchMain.report("gbps", String.format(Locale.ROOT, "%.3f", (double) copies * size / elapsed), "copies",
            String.valueOf(copies));
    }

    /** Copies until {@code nanos} have passed; returns the next copy number. */
    private static long copyFor(ByteBuffer src, ByteBuffer dst, long next, long nanos) {
        long until = System.nanoTime() + nanos;
        do {
            src.clear();
            src.putLong(0, next);
            dst.clear();
            dst.put(src);
            if (dst.getLong(0) != next) {
                throw new IllegalStateException("copy " + next + " lost bytes");
            }
            next++;
        } while (System.nanoTime() - until < 0);
        return next;
    }
}
