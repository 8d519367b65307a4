package io.dragon.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;

/**
 * The peer of {@link ChannelStream#THROUGHPUT}: the same one-way stream, stop request and timed window through an
 * Agrona {@link OneToOneRingBuffer} (a second ring carries the stop request). The receiver drains whatever is there
 * with {@code read(handler)} (Agrona's batching: one head update per batch), copying each message out and checking
 * its number.
 *
 * <p>Options: {@code size} (64), {@code capacity} (ring bytes, 128 KiB), {@code warmup_s} (0.5), {@code seconds}
 * (1.5).
 */
final class AgronaThroughput {
    static final String NAME = "agrona-throughput";

    private AgronaThroughput() {
    }

    /** Copies each message out and checks that messages arrive numbered 0, 1, 2, ... up to {@link Protocol#END}. */
    static final class Checker implements MessageHandler {
        final UnsafeBuffer into;
        long next;
        boolean ended;

        Checker(int size) {
            this.into = new UnsafeBuffer(Codec.direct(size));
        }

        @Override
        public void onMessage(int msgTypeId, MutableDirectBuffer buffer, int index, int length) {
            buffer.getBytes(index, into, 0, length);
            long number = into.getLong(0);
            if (number == Protocol.END) {
                ended = true;
                return;
            }
            if (number != next) {
                throw new IllegalStateException("expected message " + next + ", got " + number);
            }
            next++;
        }
    }

    static void ping(Options options) throws Exception {
        String runtimeId = options.get("rid");
        int size = options.getInt("size", 64);
        int capacity = options.getInt("capacity", AgronaRings.DEFAULT_CAPACITY);
        long warmupNanos = Protocol.nanos(Double.parseDouble(options.get("warmup_s", "0.5")));
        long measureNanos = Protocol.nanos(Double.parseDouble(options.get("seconds", "1.5")));
        long received;
        long elapsed;

        Path path = AgronaRings.path(runtimeId);
        try {
            OneToOneRingBuffer[] rings = AgronaRings.create(path, capacity, 2);
            Options pongOptions = new Options().put("path", path).put("capacity", capacity).put("size", size);
            try (Pong pong = Pong.start(NAME, pongOptions)) {
                long deadline = Spin.deadline();
                Checker checker = new Checker(size);
                receiveFor(rings[0], checker, warmupNanos, deadline);
                long start = System.nanoTime();
                long first = checker.next;
                receiveFor(rings[0], checker, measureNanos, deadline);
                elapsed = System.nanoTime() - start;
                received = checker.next - first;
                UnsafeBuffer stop = new UnsafeBuffer(Codec.direct(8));
                stop.putLong(0, Protocol.END);
                AgronaRtt.write(rings[1], stop, 8, deadline);
                long spins = 0;
                while (!checker.ended) {
                    if (rings[0].read(checker) == 0) {
                        Spin.idle(++spins, deadline);
                    }
                }
                pong.awaitExit(60, TimeUnit.SECONDS);
            }
        } finally {
            Files.deleteIfExists(path);
        }
        BenchMain.report("msgs_per_s", String.format(Locale.ROOT, "%.0f", received * 1e9 / elapsed), "messages",
            String.valueOf(received));
    }

    /** Receives until {@code nanos} have passed, reading the clock once per {@link Protocol#CLOCK_CHECK_EVERY}. */
    private static void receiveFor(OneToOneRingBuffer ring, Checker checker, long nanos, long deadline) {
        long until = System.nanoTime() + nanos;
        long checkAt = checker.next + Protocol.CLOCK_CHECK_EVERY;
        long spins = 0;
        for (;;) {
            if (ring.read(checker) == 0) {
                Spin.idle(++spins, deadline);
            } else if (checker.next >= checkAt) {
                if (System.nanoTime() - until >= 0) {
                    return;
                }
                checkAt = checker.next + Protocol.CLOCK_CHECK_EVERY;
            }
        }
    }

    static void pong(Options options) throws Exception {
        int size = options.getInt("size", 64);
        OneToOneRingBuffer[] rings = AgronaRings.attach(Path.of(options.get("path")),
            options.getInt("capacity", AgronaRings.DEFAULT_CAPACITY), 2);
        UnsafeBuffer src = new UnsafeBuffer(Codec.direct(size));
        long deadline = Spin.deadline();
        send(rings[0], rings[1], src, size, deadline);
        src.putLong(0, Protocol.END);
        AgronaRtt.write(rings[0], src, size, deadline);
    }

    private static void send(OneToOneRingBuffer ring, OneToOneRingBuffer control, UnsafeBuffer src, int size,
        long deadline) {
        MessageHandler ignore = (msgTypeId, buffer, index, length) -> { };
        long spins = 0;
        for (long sequence = 0; ; sequence++) {
            if (sequence % Protocol.STOP_CHECK_EVERY == 0 && control.read(ignore, 1) > 0) {
                return;
            }
            src.putLong(0, sequence);
            while (!ring.write(AgronaRtt.MSG_TYPE, src, 0, size)) {
                Spin.idle(++spins, deadline);
            }
        }
    }
}
