package io.dragon.it.api;

import io.dragon.Policy;
import io.dragon.Process;
import io.dragon.ProcessTemplate;
import io.dragon.Queue;
import io.dragon.core.infrastructure.LaunchParameters;
import io.dragon.core.memory.MemoryPool;
import java.util.ArrayDeque;
import java.util.BitSet;

/**
 * What short processes leave behind, under a runtime of at least two nodes: {@code LongRunChecks [processes]}
 * (300 by default) processes on node 1, four at a time, each put their number into a Queue of node 0 through the
 * transport agents; every number arrives once, and node 1's infrastructure pool (where the reply channels of their
 * gateway calls and their return channels were) gets back to the bytes it had before, but for {@link #SERVICES_SLACK}:
 * Local Services reports exits to Global Services (node 0) through gateway calls of its own, whose reply channels it
 * keeps for reuse, one per exit report under way at once (at most a few here); a leak would be 300 KiB.
 */
public final class LongRunChecks extends Checks {
    private static final int CONCURRENCY = 4;
    private static final int SETTLE_TRIES = 15;
    private static final long SETTLE_MS = 2_000;
    /** Reply channels (1 KiB each) that Local Services may have added to its own stock of gateway calls. */
    private static final long SERVICES_SLACK = 2L * CONCURRENCY * 1024;

    public static void main(String[] args) {
        new LongRunChecks().run(args.length > 0 ? Integer.parseInt(args[0]) : 300);
    }

    private void run(int count) {
        check(count + " short processes on node 1 that used a Queue of node 0 leave node 1's infrastructure pool"
            + " as it was", () -> {
            Queue<Integer> numbers = Queue.create(1 << 12);
            Queue<Long> used = Queue.create(4);
            BitSet seen = new BitSet();
            runOnNode1(numbers, -CONCURRENCY, 0, seen); // the services' and agents' first uses
            long before = infraUsedOnNode1(used);
            runOnNode1(numbers, 0, count, seen);
            expectEquals(count, seen.get(0, count).cardinality(), "distinct numbers received");
            long after = infraUsedOnNode1(used);
            for (int i = 1; i < SETTLE_TRIES && after - before > SERVICES_SLACK; i++) {
                Thread.sleep(SETTLE_MS); // Local Services frees them just after it reported the exit
                after = infraUsedOnNode1(used);
            }
            expect(after - before <= SERVICES_SLACK, "node 1's infrastructure pool back to " + before + " bytes used"
                + " (give or take " + SERVICES_SLACK + ") after " + count + " processes, got " + after);
            numbers.destroy();
            used.destroy();
        });
        finish();
    }

    /** Runs processes {@code from} to {@code to} - 1 on node 1 and takes their numbers (negative: not counted). */
    private static void runOnNode1(Queue<Integer> numbers, int from, int to, BitSet seen) throws Exception {
        ArrayDeque<Process> running = new ArrayDeque<>();
        for (int i = from; i < to; i++) {
            if (running.size() == CONCURRENCY) {
                joinAndTake(running.poll(), numbers, seen);
            }
            int number = i;
            running.add(Process.start(ProcessTemplate.of(() -> put(numbers, number)).withPolicy(Policy.node(1))));
        }
        while (!running.isEmpty()) {
            joinAndTake(running.poll(), numbers, seen);
        }
    }

    private static void joinAndTake(Process process, Queue<Integer> numbers, BitSet seen) throws Exception {
        expectEquals(0, process.join(), "exit code of " + process);
        int number = numbers.take();
        if (number >= 0) {
            expect(!seen.get(number), "number " + number + " once only");
            seen.set(number);
        }
    }

    /** Measured by a process of node 1 before it makes a reply channel of its own (its put comes after). */
    private static long infraUsedOnNode1(Queue<Long> used) throws Exception {
        Process probe = Process.start(ProcessTemplate.of(() -> put(used,
            MemoryPool.attach(LaunchParameters.fromEnvironment().infraPool()).usedBytes())).withPolicy(Policy.node(1)));
        expectEquals(0, probe.join(), "exit code of the probe");
        return used.take();
    }

    private static <T> void put(Queue<T> queue, T item) {
        try {
            queue.put(item);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
