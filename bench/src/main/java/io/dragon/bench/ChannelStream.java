package io.dragon.bench;

import io.dragon.core.channels.Channel;
import io.dragon.core.memory.MemoryPool;
import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * One-way streaming through a {@link Channel}: pong sends numbered messages as fast as the channel takes them until
 * ping asks it to stop; ping receives each into a preallocated direct buffer, checks its number, and counts how many
 * arrive in a timed window after a warm-up. Two benchmarks share it:
 * <ul>
 *   <li>{@value #THROUGHPUT}: 64-byte messages, stored inline in the ring; reports messages/s.
 *   <li>{@value #BANDWIDTH}: 1 MiB messages, larger than the block, so each goes through a side allocation of the
 *       pool (the sender copies it in, the receiver copies it out and frees it); reports GB/s (10^9 bytes/s).
 * </ul>
 *
 * <p>Options: {@code wait} (poll, spin, adaptive, sleep; default poll), {@code size}, {@code capacity} (messages),
 * {@code block} (inline bytes per slot), {@code pool} (bytes), {@code warmup_s} (0.5), {@code seconds} (1.5),
 * {@code clock_every} (messages between clock reads), {@code stop_every} (messages between looks at the control
 * channel).
 */
final class ChannelStream {
    static final String THROUGHPUT = "channel-throughput";
    static final String BANDWIDTH = "channel-bw";

    private ChannelStream() {
    }

    static void ping(String name, Options options) throws Exception {
        boolean bandwidth = name.equals(BANDWIDTH);
        String runtimeId = options.get("rid");
        Wait wait = Wait.parse(options.get("wait", "poll"));
        int size = options.getInt("size", bandwidth ? 1 << 20 : 64);
        int capacity = options.getInt("capacity", bandwidth ? 4 : 1024);
        int block = options.getInt("block", 64);
        long poolSize = options.getLong("pool", bandwidth ? 64L << 20 : 4L << 20);
        int clockEvery = options.getInt("clock_every", bandwidth ? 4 : Protocol.CLOCK_CHECK_EVERY);
        int stopEvery = options.getInt("stop_every", bandwidth ? 1 : Protocol.STOP_CHECK_EVERY);
        long warmupNanos = Protocol.nanos(Double.parseDouble(options.get("warmup_s", "0.5")));
        long measureNanos = Protocol.nanos(Double.parseDouble(options.get("seconds", "1.5")));
        long received;
        long elapsed;

        MemoryPool pool = MemoryPool.create(runtimeId, 1, poolSize);
        Cleanup.unlinkSegment(pool.descriptor().segmentName());
        try {
            Channel data = Channel.create(pool, 1, capacity, block);
            Channel control = Channel.create(pool, 2, 4, 8);
            Options pongOptions = new Options().put("wait", wait).put("size", size).put("stop_every", stopEvery)
                .put("out", Codec.base64(data.serialize())).put("stop", Codec.base64(control.serialize()));
            try (Pong pong = Pong.start(name, pongOptions)) {
                long deadline = Spin.deadline();
                ChannelEnd in = new ChannelEnd(data, wait, deadline);
                ByteBuffer dst = Codec.direct(size);
                long next = receiveFor(in, dst, 0, clockEvery, warmupNanos);
                long start = System.nanoTime();
                long first = next;
                next = receiveFor(in, dst, next, clockEvery, measureNanos);
                elapsed = System.nanoTime() - start;
                received = next - first;
                ByteBuffer stop = Codec.direct(8);
                stop.putLong(0, Protocol.END);
                new ChannelEnd(control, Wait.POLL, deadline).send(stop);
                drain(in, dst, next);
                pong.awaitExit(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.destroy();
        }
        BenchMain.report("msgs_per_s", String.format(Locale.ROOT, "%.0f", received * 1e9 / elapsed), "gbps",
            String.format(Locale.ROOT, "%.3f", (double) received * size / elapsed), "messages",
            String.valueOf(received), "wait", wait.name().toLowerCase(Locale.ROOT));
    }

    /** Receives batches of {@code clockEvery} messages until {@code nanos} have passed; returns the next number. */
    private static long receiveFor(ChannelEnd in, ByteBuffer dst, long next, int clockEvery, long nanos)
        throws InterruptedException {
        long until = System.nanoTime() + nanos;
        do {
            for (int i = 0; i < clockEvery; i++, next++) {
                dst.clear();
                in.recv(dst);
                if (dst.getLong(0) != next) {
                    throw new IllegalStateException("expected message " + next + ", got " + dst.getLong(0));
                }
            }
        } while (System.nanoTime() - until < 0);
        return next;
    }

    /** Receives what the sender sent before it saw the stop request, up to its last message. */
    private static void drain(ChannelEnd in, ByteBuffer dst, long next) throws InterruptedException {
        for (;; next++) {
            dst.clear();
            in.recv(dst);
            long number = dst.getLong(0);
            if (number == Protocol.END) {
                return;
            }
            if (number != next) {
                throw new IllegalStateException("expected message " + next + ", got " + number);
            }
        }
    }

    static void pong(Options options) throws Exception {
        Wait wait = Wait.parse(options.get("wait"));
        Channel data = Channel.attach(Codec.unbase64(options.get("out")));
        Channel control = Channel.attach(Codec.unbase64(options.get("stop")));
        ByteBuffer src = Codec.direct(options.getInt("size", 64));
        long deadline = Spin.deadline();
        ChannelEnd out = new ChannelEnd(data, wait, deadline);
        send(out, control, src, options.getInt("stop_every", Protocol.STOP_CHECK_EVERY));
        src.clear();
        src.putLong(0, Protocol.END);
        out.send(src);
    }

    private static void send(ChannelEnd out, Channel control, ByteBuffer src, int stopEvery)
        throws InterruptedException {
        ByteBuffer stop = Codec.direct(8);
        for (long sequence = 0; ; sequence++) {
            if (sequence % stopEvery == 0) {
                stop.clear();
                if (control.tryRecv(stop) >= 0) {
                    return;
                }
            }
            src.clear();
            src.putLong(0, sequence);
            out.send(src);
        }
    }
}
