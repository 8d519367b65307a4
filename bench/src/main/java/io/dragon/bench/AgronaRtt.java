package io.dragon.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;

/**
 * The peer of {@link ChannelRtt}: the same ping-pong over two Agrona {@link OneToOneRingBuffer}s in a /dev/shm file,
 * busy-spinning with the same {@link Spin} step. Received messages are copied out, as a channel receive does.
 *
 * <p>Options as for {@link ChannelRtt}, except {@code wait}; {@code capacity} is in ring bytes (128 KiB).
 */
final class AgronaRtt {
    static final String NAME = "agrona-rtt";
    private static final int WARMUP_BATCH = 10_000;
    static final int MSG_TYPE = 1;

    private AgronaRtt() {
    }

    /** Copies each message it is handed into its buffer. */
    static final class Copier implements MessageHandler {
        final UnsafeBuffer into;
        int length;

        Copier(int size) {
            this.into = new UnsafeBuffer(Codec.direct(size));
        }

        @Override
        public void onMessage(int msgTypeId, MutableDirectBuffer buffer, int index, int length) {
            buffer.getBytes(index, into, 0, length);
            this.length = length;
        }
    }

    static void ping(Options options) throws Exception {
        String runtimeId = options.get("rid");
        int size = options.getInt("size", 64);
        int capacity = options.getInt("capacity", AgronaRings.DEFAULT_CAPACITY);
        long warmup = options.getLong("warmup", 200_000);
        long warmupNanos = Protocol.nanos(Double.parseDouble(options.get("warmup_s", "3")));
        long measureNanos = Protocol.nanos(Double.parseDouble(options.get("seconds", "2")));
        Latencies latencies = new Latencies(options.getInt("rounds", 1_000_000));
        Latencies warmupLatencies = new Latencies((int) Math.max(1, Math.min(WARMUP_BATCH, warmup)));

        Path path = AgronaRings.path(runtimeId);
        try {
            OneToOneRingBuffer[] rings = AgronaRings.create(path, capacity, 2);
            Options pongOptions = new Options().put("path", path).put("capacity", capacity).put("size", size);
            try (Pong pong = Pong.start(NAME, pongOptions)) {
                long deadline = Spin.deadline();
                UnsafeBuffer src = new UnsafeBuffer(Codec.direct(size));
                Copier copier = new Copier(size);
                long warmupEnd = System.nanoTime() + warmupNanos;
                long sequence = 0;
                do {
                    warmupLatencies.reset();
                    sequence = rounds(rings[0], rings[1], src, size, copier, sequence, warmupLatencies,
                        warmupEnd, deadline);
                } while (sequence < warmup && System.nanoTime() - warmupEnd < 0);
                rounds(rings[0], rings[1], src, size, copier, sequence, latencies, System.nanoTime() + measureNanos,
                    deadline);
                src.putLong(0, Protocol.END);
                write(rings[0], src, size, deadline);
                pong.awaitExit(60, TimeUnit.SECONDS);
            }
        } finally {
            Files.deleteIfExists(path);
        }
        latencies.sort();
        BenchMain.report("median_us", Codec.micros(latencies.quantile(0.5)), "p99_us",
            Codec.micros(latencies.quantile(0.99)), "p999_us", Codec.micros(latencies.quantile(0.999)), "rounds",
            String.valueOf(latencies.count()));
    }

    private static long rounds(OneToOneRingBuffer out, OneToOneRingBuffer in, UnsafeBuffer src, int size,
        Copier copier, long sequence, Latencies latencies, long stopAt, long deadline) {
        while (!latencies.isFull()) {
            src.putLong(0, sequence);
            long start = System.nanoTime();
            long spins = 0;
            while (!out.write(MSG_TYPE, src, 0, size)) {
                Spin.idle(++spins, deadline);
            }
            while (in.read(copier, 1) == 0) {
                Spin.idle(++spins, deadline);
            }
            long end = System.nanoTime();
            if (copier.into.getLong(0) != sequence) {
                throw new IllegalStateException("round " + sequence + " got the echo of " + copier.into.getLong(0));
            }
            latencies.record(end - start);
            sequence++;
            if (end - stopAt > 0) {
                break;
            }
        }
        return sequence;
    }

    static void write(OneToOneRingBuffer ring, UnsafeBuffer src, int length, long deadline) {
        long spins = 0;
        while (!ring.write(MSG_TYPE, src, 0, length)) {
            Spin.idle(++spins, deadline);
        }
    }

    static void pong(Options options) throws Exception {
        OneToOneRingBuffer[] rings = AgronaRings.attach(Path.of(options.get("path")),
            options.getInt("capacity", AgronaRings.DEFAULT_CAPACITY), 2);
        echo(rings[0], rings[1], new Copier(options.getInt("size", 64)), Spin.deadline());
    }

    private static void echo(OneToOneRingBuffer in, OneToOneRingBuffer out, Copier copier, long deadline) {
        for (;;) {
            long spins = 0;
            while (in.read(copier, 1) == 0) {
                Spin.idle(++spins, deadline);
            }
            if (copier.into.getLong(0) == Protocol.END) {
                return;
            }
            while (!out.write(MSG_TYPE, copier.into, 0, copier.length)) {
                Spin.idle(++spins, deadline);
            }
        }
    }
}
