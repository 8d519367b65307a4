package io.dragon.bench;

import io.dragon.Pool;
import io.dragon.Process;
import io.dragon.Queue;
import io.dragon.SerializableFunction;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Head program of the user-API benchmarks of {@code bench/run.sh}; run it under the runtime:
 * {@code bin/dragon -cp 'bench/target/dragon-bench-*.jar:bench/target/lib/*' io.dragon.bench.ApiRates WHAT
 * [warmup=5] [blocks=5]}, WHAT one of
 * <ul>
 * <li>{@code queue}: 64-byte ping-pong between this process and an echo process through two Queues, 20,000 round
 * trips per block: {@code result queue_rtt_us};</li>
 * <li>{@code pool_task}: {@code Pool.create(2).map(x -> x + 1, 20,000 ints, chunk size 1)}, tasks/s per block:
 * {@code result pool_task_rate};</li>
 * <li>{@code pool_map}: the same pool's {@code map} of 200,000 ints with default chunks: {@code result
 * pool_map_rate};</li>
 * <li>{@code process_start}: {@code Process.start(() -> {}).join()}, 10 per block: {@code result
 * process_start_rate}.</li>
 * </ul>
 * Each prints the median over {@code blocks} blocks after {@code warmup} blocks that are not counted (the JIT
 * compiler needs a few to reach steady speed; the pool is created before timing). The
 * peer, bench/python/mp_rates.py, measures the same with Python's multiprocessing.
 */
public final class ApiRates {
    private static final int RTT_ROUNDS = 20_000;
    private static final int TASKS = 20_000;
    private static final int MAP_TASKS = 200_000;
    private static final int STARTS = 10;

    private static int warmup;

    private ApiRates() {
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args, 1);
        int blocks = options.getInt("blocks", 5);
        warmup = options.getInt("warmup", 5);
        double[] values = new double[blocks];
        switch (args[0]) {
            case "queue" -> queueRtt(values);
            case "pool_task" -> poolRate(values, TASKS, 1);
            case "pool_map" -> poolRate(values, MAP_TASKS, 0);
            case "process_start" -> processStarts(values);
            default -> throw new IllegalArgumentException("unknown benchmark " + args[0]);
        }
        String[] names = {"queue", "queue_rtt_us us", "pool_task", "pool_task_rate tasks/s", "pool_map",
            "pool_map_rate tasks/s", "process_start", "process_start_rate processes/s"};
        String line = names[Arrays.asList(names).indexOf(args[0]) + 1];
        Arrays.sort(values);
        System.out.printf(Locale.ROOT, "result %s %.3f %s%n", line.split(" ")[0], values[blocks / 2],
            line.split(" ")[1]);
        System.exit(0);
    }

    private static void queueRtt(double[] micros) throws InterruptedException {
        Queue<byte[]> ping = Queue.create(64);
        Queue<byte[]> pong = Queue.create(64);
        Process echo = Process.start(() -> {
            try {
                QueuePingPong.echo(ping, pong);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        QueuePingPong.measure(ping, pong, RTT_ROUNDS, warmup, micros, "queue");
        echo.join();
        ping.destroy();
        pong.destroy();
    }

    /** Tasks/s of {@code map(x -> x + 1)} over {@code count} ints; {@code chunk} 0 means the default chunks. */
    private static void poolRate(double[] rates, int count, int chunk) throws Exception {
        List<Integer> inputs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            inputs.add(i);
        }
        SerializableFunction<Integer, Integer> increment = x -> x + 1;
        try (Pool pool = Pool.create(2)) {
            for (int block = -warmup; block < rates.length; block++) {
                long start = System.nanoTime();
                List<Integer> results = chunk == 0 ? pool.map(increment, inputs) : pool.map(increment, inputs, chunk);
                double seconds = (System.nanoTime() - start) / 1e9;
                if (results.get(count - 1) != count) {
                    throw new AssertionError("wrong result " + results.get(count - 1));
                }
                if (block >= 0) {
                    rates[block] = count / seconds;
                    System.err.printf(Locale.ROOT, "  pool block %d: %.0f tasks/s%n", block + 1, rates[block]);
                }
            }
        }
    }

    private static void processStarts(double[] rates) throws InterruptedException {
        for (int block = -warmup; block < rates.length; block++) {
            long start = System.nanoTime();
            for (int i = 0; i < STARTS; i++) {
                Process.start(() -> { }).join();
            }
            if (block >= 0) {
                rates[block] = STARTS / ((System.nanoTime() - start) / 1e9);
                System.err.printf(Locale.ROOT, "  process start block %d: %.1f processes/s%n", block + 1,
                    rates[block]);
            }
        }
    }
}
