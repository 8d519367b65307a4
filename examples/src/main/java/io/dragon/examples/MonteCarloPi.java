package io.dragon.examples;

import io.dragon.Pool;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Estimates pi with a pool of worker processes: each task throws darts at the unit square and counts the hits
 * inside the quarter circle. Run it with
 * {@code dragon -cp examples/target/examples.jar io.dragon.examples.MonteCarloPi [workers] [tasks]}.
 */
public final class MonteCarloPi {
    private static final long DARTS_PER_TASK = 2_000_000;

    private MonteCarloPi() {
    }

    public static void main(String[] args) throws Exception {
        int workers = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int tasks = args.length > 1 ? Integer.parseInt(args[1]) : 16;
        List<Long> seeds = new ArrayList<>();
        for (long seed = 1; seed <= tasks; seed++) {
            seeds.add(seed);
        }
        try (Pool pool = Pool.create(workers)) {
            List<Long> hits = pool.map(MonteCarloPi::hits, seeds);
            long inside = hits.stream().mapToLong(Long::longValue).sum();
            double pi = 4.0 * inside / (DARTS_PER_TASK * tasks);
            System.out.printf("pi is about %.5f (%d darts, %d tasks on %d workers)%n", pi, DARTS_PER_TASK * tasks,
                tasks, workers);
        }
    }

    static long hits(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        long inside = 0;
        for (long i = 0; i < DARTS_PER_TASK; i++) {
            double x = random.nextDouble();
            double y = random.nextDouble();
            if (x * x + y * y <= 1.0) {
                inside++;
            }
        }
        return inside;
    }
}
