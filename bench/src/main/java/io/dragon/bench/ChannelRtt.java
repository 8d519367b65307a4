package io.dragon.bench;

import io.dragon.core.channels.Channel;
import io.dragon.core.memory.MemoryPool;
import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Round-trip latency through two {@link Channel}s of one pool, one each way: ping sends a message carrying its
 * round number, pong echoes it, ping times send-to-reply with {@link System#nanoTime()} into a preallocated array.
 *
 * <p>Options: {@code wait} (poll, spin, adaptive, sleep; default poll), {@code size} (message bytes, 64),
 * {@code warmup} (untimed round trips, 200,000, in batches of at most 10,000, for at most {@code warmup_s} = 3 s),
 * {@code rounds} (timed round trips, at most 1,000,000, for at most {@code seconds} = 2 s), {@code capacity}
 * (messages per channel, 1024).
 */
final class ChannelRtt {
    static final String NAME = "channel-rtt";
    private static final long POOL_SIZE = 4L << 20;
    private static final int WARMUP_BATCH = 10_000;

    private ChannelRtt() {
    }

    static void ping(Options options) throws Exception {
        String runtimeId = options.get("rid");
        Wait wait = Wait.parse(options.get("wait", "poll"));
        int size = options.getInt("size", 64);
        int capacity = options.getInt("capacity", 1024);
        long warmup = options.getLong("warmup", 200_000);
        long warmupNanos = Protocol.nanos(Double.parseDouble(options.get("warmup_s", "3")));
        long measureNanos = Protocol.nanos(Double.parseDouble(options.get("seconds", "2")));
        Latencies latencies = new Latencies(options.getInt("rounds", 1_000_000));
        Latencies warmupLatencies = new Latencies((int) Math.max(1, Math.min(WARMUP_BATCH, warmup)));

        MemoryPool pool = MemoryPool.create(runtimeId, 1, POOL_SIZE);
        Cleanup.unlinkSegment(pool.descriptor().segmentName());
        try {
            Channel toPong = Channel.create(pool, 1, capacity, size);
            Channel toPing = Channel.create(pool, 2, capacity, size);
            Options pongOptions = new Options().put("wait", wait).put("size", size)
                .put("in", Codec.base64(toPong.serialize())).put("out", Codec.base64(toPing.serialize()));
            try (Pong pong = Pong.start(NAME, pongOptions)) {
                long deadline = Spin.deadline();
                ChannelEnd out = new ChannelEnd(toPong, wait, deadline);
                ChannelEnd in = new ChannelEnd(toPing, wait, deadline);
                ByteBuffer src = Codec.direct(size);
                ByteBuffer dst = Codec.direct(size);
                long warmupEnd = System.nanoTime() + warmupNanos;
                long sequence = 0;
                do {
                    warmupLatencies.reset();
                    sequence = rounds(out, in, src, dst, sequence, warmupLatencies, warmupEnd);
                } while (sequence < warmup && System.nanoTime() - warmupEnd < 0);
                rounds(out, in, src, dst, sequence, latencies, System.nanoTime() + measureNanos);
                src.clear();
                src.putLong(0, Protocol.END);
                out.send(src);
                pong.awaitExit(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.destroy();
        }
        latencies.sort();
        BenchMain.report("median_us", Codec.micros(latencies.quantile(0.5)), "p99_us",
            Codec.micros(latencies.quantile(0.99)), "p999_us", Codec.micros(latencies.quantile(0.999)), "rounds",
            String.valueOf(latencies.count()), "wait", wait.name().toLowerCase(Locale.ROOT));
    }

    /** Round trips until {@code latencies} is full or the clock passes {@code stopAt}; returns the next number. */
    private static long rounds(ChannelEnd out, ChannelEnd in, ByteBuffer src, ByteBuffer dst, long sequence,
        Latencies latencies, long stopAt) throws InterruptedException {
        while (!latencies.isFull()) {
            src.clear();
            src.putLong(0, sequence);
            dst.clear();
            long start = System.nanoTime();
            out.send(src);
            in.recv(dst);
            long end = System.nanoTime();
            if (dst.getLong(0) != sequence) {
                throw new IllegalStateException("round " + sequence + " got the echo of " + dst.getLong(0));
            }
            latencies.record(end - start);
            sequence++;
            if (end - stopAt > 0) {
                break;
            }
        }
        return sequence;
    }

    static void pong(Options options) throws Exception {
        Wait wait = Wait.parse(options.get("wait"));
        Channel in = Channel.attach(Codec.unbase64(options.get("in")));
        Channel out = Channel.attach(Codec.unbase64(options.get("out")));
        ByteBuffer message = Codec.direct(options.getInt("size", 64));
        long deadline = Spin.deadline();
        echo(new ChannelEnd(in, wait, deadline), new ChannelEnd(out, wait, deadline), message);
    }

    private static void echo(ChannelEnd in, ChannelEnd out, ByteBuffer message) throws InterruptedException {
        for (;;) {
            message.clear();
            in.recv(message);
            if (message.getLong(0) == Protocol.END) {
                return;
            }
            message.flip();
            out.send(message);
        }
    }
}
