package io.dragon.bench;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The timed part of the DDict benchmarks, the same for DDict ({@link DDictRates}) and its peer, a Hazelcast IMap
 * ({@link HazelcastRates}): both are a {@code Map<byte[], byte[]>} here, called through the {@code Map} API only.
 *
 * <p>Arguments (after the op {@code get}, {@code put} or {@code putall}): {@code value=64} (bytes per value),
 * {@code threads=2} (client threads), {@code warmup=3} and {@code blocks=5} (uncounted and counted blocks of
 * {@value #BLOCK_MILLIS} ms each), {@code keys=} (default: 100,000, fewer for large values so that the key set holds
 * at most {@value #MAX_LOADED_MIB} MiB of values), {@code name=} (of the result line). The key set, 16-byte keys,
 * is loaded first; then every thread calls the op on random keys of it until the block's time is up: {@code get}
 * checks each value's length, {@code put} overwrites (the previous value comes back, as {@code Map.put} says),
 * {@code putall} writes batches of {@value #BATCH} entries (prepared before timing). Prints {@code result NAME
 * median ops/s} ({@code entries/s} for putall).
 */
final class MapRates {
    static final int KEY_BYTES = 16;
    static final int BATCH = 1_000;
    private static final int MAX_KEYS = 100_000;
    private static final int MAX_LOADED_MIB = 256;
    private static final int BLOCK_MILLIS = 1_000;
    /** Loading sends at most about this many value bytes per putAll (one message per manager for DDict). */
    private static final int LOAD_BATCH_BYTES = 1 << 20;

    private MapRates() {
    }

    /** The 16-byte key number {@code i}: its index and a multiple of it, so that the bytes differ throughout. */
    static byte[] key(int i) {
        return ByteBuffer.allocate(KEY_BYTES).putLong(i).putLong(i * 0x9E3779B97F4A7C15L).array();
    }

    /** How many keys a run with {@code valueBytes}-byte values loads unless told ({@code keys=}). */
    static int keys(Options options, int valueBytes) {
        return options.getInt("keys", (int) Math.min(MAX_KEYS, ((long) MAX_LOADED_MIB << 20) / valueBytes));
    }

    /** A value of {@code bytes} pseudo-random bytes (the same for every run). */
    static byte[] value(int bytes) {
        byte[] value = new byte[bytes];
        new Random(bytes).nextBytes(value);
        return value;
    }

    /** Puts keys {@code 0..keys-1}, each with {@code value}, in putAll batches of at most about 1 MiB of values. */
    static void load(Map<byte[], byte[]> map, int keys, byte[] value) {
        int batch = Math.max(1, Math.min(BATCH, LOAD_BATCH_BYTES / value.length));
        for (int from = 0; from < keys; from += batch) {
            map.putAll(entries(from, Math.min(keys, from + batch), value));
        }
    }

    private static Map<byte[], byte[]> entries(int from, int to, byte[] value) {
        Map<byte[], byte[]> entries = new HashMap<>();
        for (int i = from; i < to; i++) {
            entries.put(key(i), value);
        }
        return entries;
    }

    /** Loads the key set, times op {@code op} on {@code map} and prints its result line. */
    static void run(String op, Map<byte[], byte[]> map, Options options) throws Exception {
        int valueBytes = options.getInt("value", 64);
        int threads = options.getInt("threads", 2);
        String name = options.get("name");
        byte[] value = value(valueBytes);
        byte[][] keys = new byte[keys(options, valueBytes)][];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = key(i);
        }
        long loadStart = System.nanoTime();
        load(map, keys.length, value);
        System.err.printf(Locale.ROOT, "  %s: %d keys of %d-byte values loaded in %.0f ms%n", name, keys.length,
            valueBytes, (System.nanoTime() - loadStart) / 1e6);
        List<Map<byte[], byte[]>> batches = new ArrayList<>();
        if (op.equals("putall")) {
            for (int from = 0; from + BATCH <= keys.length; from += BATCH) {
                batches.add(entries(from, from + BATCH, value));
            }
        }
        Client client = switch (op) {
            case "get" -> random -> {
                byte[] got = map.get(keys[random.nextInt(keys.length)]);
                if (got == null || got.length != valueBytes) {
                    throw new AssertionError("wrong value: " + (got == null ? "none" : got.length + " bytes"));
                }
                return 1;
            };
            case "put" -> random -> {
                map.put(keys[random.nextInt(keys.length)], value);
                return 1;
            };
            case "putall" -> random -> {
                map.putAll(batches.get(random.nextInt(batches.size())));
                return BATCH;
            };
            default -> throw new IllegalArgumentException("unknown op " + op + " (get, put or putall)");
        };
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            double median = Blocks.median(name, options.getInt("warmup", 3), options.getInt("blocks", 5),
                () -> block(pool, threads, client));
            System.out.printf(Locale.ROOT, "result %s %.1f %s%n", name, median,
                op.equals("putall") ? "entries/s" : "ops/s");
        } finally {
            pool.shutdownNow();
        }
    }

    /** One block: every thread calls {@code client} until the block's time is up; entries per second. */
    private static double block(ExecutorService pool, int threads, Client client) throws Exception {
        long start = System.nanoTime();
        long deadline = start + BLOCK_MILLIS * 1_000_000L;
        List<Future<Long>> counts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            counts.add(pool.submit(() -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                long entries = 0;
                while (System.nanoTime() < deadline) {
                    entries += client.call(random);
                }
                return entries;
            }));
        }
        long entries = 0;
        for (Future<Long> count : counts) {
            entries += count.get();
        }
        return entries / ((System.nanoTime() - start) / 1e9);
    }

    /** One call of the op by a client thread; returns how many entries it read or wrote. */
    @FunctionalInterface
    private interface Client {
        int call(Random random);
    }
}
