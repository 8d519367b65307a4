package io.dragon.bench;

import io.dragon.Codecs;
import io.dragon.DDict;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Head program of the DDict benchmarks of {@code bench/run.sh}, under the runtime ({@code bin/dragon [-N n] -cp ...
 * io.dragon.bench.DDictRates OP [key=value...]}); its peer is {@link HazelcastRates}. A dictionary of one manager per
 * node, each with {@code pool=1073741824} bytes, {@code byte[]} keys and values:
 * <ul>
 * <li>{@code get}, {@code put}, {@code putall}: {@link MapRates} on it, the clients threads of this process;</li>
 * <li>{@code persist dir=D}: loads {@link MapRates#keys} keys of {@code value=}-byte values, then times
 * {@code persist(D)}, {@code warmup} uncounted times and {@code blocks} counted ones, each replacing the files of the
 * one before: {@code result ddict_persist_mibs};</li>
 * <li>{@code restore dir=D}: times {@code DDict.restore(D, ...)} (a new dictionary with those entries) and checks
 * its size, destroying it after each: {@code result ddict_restore_mibs}.</li>
 * </ul>
 * MiB/s of key and value bytes, medians.
 */
public final class DDictRates {
    private DDictRates() {
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args, 1);
        DDict.Builder<byte[], byte[]> builder = DDict.<byte[], byte[]>builder().name("bench").managersPerNode(1)
            .bytesPerManager(options.getLong("pool", 1L << 30)).keyCodec(Codecs.bytes()).valueCodec(Codecs.bytes());
        switch (args[0]) {
            case "persist" -> persist(builder.create(), options);
            case "restore" -> restore(builder, options);
            default -> {
                DDict<byte[], byte[]> dict = builder.create();
                System.err.println("  ddict: " + dict.managers() + " managers");
                MapRates.run(args[0], dict, options);
                dict.destroy();
            }
        }
        System.exit(0);
    }

    private static void persist(DDict<byte[], byte[]> dict, Options options) throws Exception {
        int valueBytes = options.getInt("value", 64);
        MapRates.load(dict, MapRates.keys(options, valueBytes), MapRates.value(valueBytes));
        Path dir = Path.of(options.get("dir"));
        double median = Blocks.median("ddict persist MiB/s", options.getInt("warmup", 1), options.getInt("blocks", 5),
            () -> {
                long start = System.nanoTime();
                return Blocks.mibs(dict.persist(dir), start);
            });
        dict.destroy();
        System.out.printf(Locale.ROOT, "result ddict_persist_mibs %.1f MiB/s%n", median);
    }

    private static void restore(DDict.Builder<byte[], byte[]> builder, Options options) throws Exception {
        int valueBytes = options.getInt("value", 64);
        int keys = MapRates.keys(options, valueBytes);
        Path dir = Path.of(options.get("dir"));
        double median = Blocks.median("ddict restore MiB/s", options.getInt("warmup", 1), options.getInt("blocks", 5),
            () -> {
                long start = System.nanoTime();
                DDict<byte[], byte[]> dict = DDict.restore(dir, builder);
                double mibs = Blocks.mibs((long) keys * (MapRates.KEY_BYTES + valueBytes), start);
                if (dict.size() != keys) {
                    throw new AssertionError("restored " + dict.size() + " entries, not " + keys);
                }
                dict.destroy();
                return mibs;
            });
        System.out.printf(Locale.ROOT, "result ddict_restore_mibs %.1f MiB/s%n", median);
    }
}
