package io.dragon.examples;

import io.dragon.Barrier;
import io.dragon.Machine;
import io.dragon.Policy;
import io.dragon.ProcessGroup;
import io.dragon.ProcessTemplate;
import io.dragon.Queue;
import io.dragon.SharedLongArray;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.TimeoutException;

/**
 * A stencil: explicit steps of the 1-D heat equation (Jacobi), the rod cut into slabs, one worker process per
 * slab, the slabs spread over the nodes. Each worker keeps its slab in a {@link SharedLongArray} that it creates,
 * so on its own node, where reading and writing it is plain shared memory; it reads the two cells next to its slab
 * (the halo) from its neighbours' arrays, the only accesses that may cross nodes. A {@link Barrier} ends each
 * step. The workers send their slabs to the head through a {@link Queue}, and it checks the rod against the same
 * steps computed serially, bit for bit. Run it with
 * {@code dragon examples/target/examples-heat.jar [workers] [cells] [steps]}.
 */
public final class Heat {
    /** Diffusion number: below 1/2, so the explicit scheme is stable. */
    private static final double R = 0.25;
    /** A worker waiting this long for the others at a step's end gives up (one of them died). */
    private static final Duration STEP_TIMEOUT = Duration.ofMinutes(1);

    private Heat() {
    }

    /**
     * Slab {@code index} of {@code workers} on a rod of {@code rodCells}: cells [first, first + cells). Its array
     * holds two copies, this step's values and the next step's, at [0, cells) and [cells, 2 cells) in turn; doubles
     * are stored as their bits, the API's shared arrays being of longs. Serializable: workers get it.
     */
    private record Slab(int index, int workers, int rodCells) implements Serializable {
        int first() {
            return (int) ((long) rodCells * index / workers);
        }

        int cells() {
            return (int) ((long) rodCells * (index + 1) / workers) - first();
        }

        String name() {
            return "heat-slab-" + index;
        }

        /** Where the values of {@code step} are in the array. */
        int copy(int step) {
            return step % 2 == 0 ? 0 : cells();
        }

        /** The neighbour at {@code offset} (-1 or 1), or null at the rod's ends. */
        Slab neighbour(int offset) {
            int other = index + offset;
            return other < 0 || other >= workers ? null : new Slab(other, workers, rodCells);
        }
    }

    /** A worker's slab after the last step, sent to the head: cells [first, first + values.length) of the rod. */
    private record Part(int first, double[] values) implements Serializable {
    }

    public static void main(String[] args) throws InterruptedException {
        int workers = args.length > 0 ? Integer.parseInt(args[0]) : 4;
        int cells = args.length > 1 ? Integer.parseInt(args[1]) : 120;
        int steps = args.length > 2 ? Integer.parseInt(args[2]) : 500;
        if (workers < 1 || cells < workers) {
            throw new IllegalArgumentException("need a worker at least, and a cell per worker at least");
        }
        int nodes = Machine.current().nodes().size();
        Barrier barrier = Barrier.create(workers);
        double[] rod = new double[cells];
        List<String> placed = new ArrayList<>();
        boolean allSucceeded;
        // closed in reverse order: no worker outlives the block, then the queue is freed
        try (Queue<Part> parts = Queue.create(workers); ProcessGroup group = new ProcessGroup()) {
            for (int i = 0; i < workers; i++) {
                Slab slab = new Slab(i, workers, cells);
                // slab i on node i mod nodes: neighbours on different nodes, so halos really cross them
                ProcessTemplate worker = ProcessTemplate.of(() -> work(slab, steps, barrier, parts));
                group.add(worker.withPolicy(Policy.node(i % nodes)), 1);
            }
            allSucceeded = group.start().join(); // the queue holds every part: no worker waits to put its own
            for (Part part = parts.poll(); part != null; part = parts.poll()) {
                System.arraycopy(part.values(), 0, rod, part.first(), part.values().length);
            }
            // Process.hostname() is empty (the runtime does not fill it in yet): the node's index names it
            group.members().forEach(member -> placed.add(Machine.current().node(member.process().node()).hostname()));
        }
        barrier.destroy();
        if (!allSucceeded) {
            System.out.println("a worker failed");
            System.exit(1);
        }
        boolean same = Arrays.equals(rod, serial(cells, steps));
        System.out.printf("heat: %d cells, %d steps, %d workers on %s%n", cells, steps, workers, placed);
        System.out.printf("total heat %.6f, hottest cell %.6f, at the ends %.6f and %.6f%n", Arrays.stream(rod).sum(),
            Arrays.stream(rod).max().orElseThrow(), rod[0], rod[cells - 1]);
        System.out.println(same ? "the same as the serial computation, bit for bit"
            : "DIFFERENT from the serial computation");
        System.exit(same ? 0 : 1);
    }

    /** One worker: makes its slab, steps it, and sends the result to the head. */
    private static void work(Slab slab, int steps, Barrier barrier, Queue<Part> parts) {
        int cells = slab.cells();
        SharedLongArray mine = SharedLongArray.create(slab.name(), 2 * cells);
        for (int i = 0; i < cells; i++) {
            mine.set(i, Double.doubleToRawLongBits(initial(slab.first() + i, slab.rodCells())));
        }
        try {
            barrier.await(STEP_TIMEOUT); // every slab exists and holds its start values
            Halo west = Halo.of(slab.neighbour(-1), true);
            Halo east = Halo.of(slab.neighbour(1), false);
            for (int step = 0; step < steps; step++) {
                int now = slab.copy(step);
                int next = slab.copy(step + 1);
                double before = west.value(step);
                double after = east.value(step);
                for (int i = 0; i < cells; i++) {
                    double left = i == 0 ? before : value(mine, now + i - 1);
                    double right = i == cells - 1 ? after : value(mine, now + i + 1);
                    mine.set(next + i, Double.doubleToRawLongBits(update(left, value(mine, now + i), right)));
                }
                // the next step overwrites this step's copy: not before every neighbour has read its halo there
                barrier.await(STEP_TIMEOUT);
            }
            double[] values = new double[cells];
            for (int i = 0; i < cells; i++) {
                values[i] = value(mine, slab.copy(steps) + i);
            }
            parts.put(new Part(slab.first(), values));
        } catch (InterruptedException | BrokenBarrierException | TimeoutException e) {
            throw new IllegalStateException(slab.name() + " stopped: " + e, e);
        }
        mine.destroy(); // past the last barrier no neighbour reads it; else it would live until the runtime ends
    }

    /** The cell of a neighbour next to this slab: its last (the west one) or first; past the rod's ends, 0 degrees. */
    private record Halo(Slab slab, SharedLongArray array, boolean last) {
        static Halo of(Slab neighbour, boolean last) {
            return new Halo(neighbour, neighbour == null ? null : SharedLongArray.lookup(neighbour.name()), last);
        }

        double value(int step) {
            return slab == null ? 0 : Heat.value(array, slab.copy(step) + (last ? slab.cells() - 1 : 0));
        }
    }

    /** The same steps in one process, to check the parallel result. */
    static double[] serial(int cells, int steps) {
        double[] now = new double[cells];
        for (int i = 0; i < cells; i++) {
            now[i] = initial(i, cells);
        }
        double[] next = new double[cells];
        for (int step = 0; step < steps; step++) {
            for (int i = 0; i < cells; i++) {
                next[i] = update(i == 0 ? 0 : now[i - 1], now[i], i == cells - 1 ? 0 : now[i + 1]);
            }
            double[] swap = now;
            now = next;
            next = swap;
        }
        return now;
    }

    /** The start: the middle third of the rod at 100 degrees, the rest at 0. */
    private static double initial(int cell, int cells) {
        return cell >= cells / 3 && cell < 2 * cells / 3 ? 100 : 0;
    }

    /** One cell's next value: the same expression in the workers and the serial check, hence the same bits. */
    private static double update(double west, double here, double east) {
        return here + R * (west - 2 * here + east);
    }

    private static double value(SharedLongArray array, int index) {
        return Double.longBitsToDouble(array.get(index));
    }
}
