package io.dragon.it.api;

import io.dragon.ObjectDestroyedException;
import io.dragon.Policy;
import io.dragon.Process;
import io.dragon.ProcessTemplate;
import io.dragon.Queue;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Streams between nodes through {@link Queue#put} (run by SlurmClusterIT on 3 nodes, the head on node 0): every byte
 * arrives, in each producer's order, a full queue makes its producers wait, a queue destroyed under a waiting put
 * says so, and what a process put just before it exited is there.
 */
public final class OffNodeStreamChecks extends Checks {
    private static final int MIB = 1 << 20;

    public static void main(String[] args) {
        new OffNodeStreamChecks().run();
    }

    private void run() {
        check("1 GiB put from node 1 into a queue of node 0, 1 MiB elements between 64 B ones, arrives whole and in"
            + " order", () -> {
            int large = 1024;
            Queue<byte[]> stream = Queue.create(16);
            Process producer = Process.start(ProcessTemplate.of(() -> {
                try {
                    for (int i = 0; i < large; i++) {
                        stream.put(StreamElements.create(0, i, MIB));
                        stream.put(StreamElements.create(0, i, 64));
                    }
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }).withPolicy(Policy.node(1)));
            for (int i = 0; i < large; i++) {
                StreamElements.verify(stream.take(), 0, i, MIB);
                StreamElements.verify(stream.take(), 0, i, 64);
            }
            expectEquals(0, producer.join(), "producer exit code");
            expectEquals(0, stream.size(), "elements left");
            stream.destroy();
        });
        check("producers on nodes 1 and 2 each reach a queue of node 0 in their own order", () -> {
            int count = 20_000;
            Queue<long[]> numbers = Queue.create(64);
            List<Process> producers = new ArrayList<>();
            for (int node = 1; node <= 2; node++) {
                long producer = node;
                producers.add(Process.start(ProcessTemplate.of(() -> {
                    for (long n = 0; n < count; n++) {
                        putQuietly(numbers, new long[] {producer, n});
                    }
                }).withPolicy(Policy.node(node))));
            }
            long[] next = new long[3];
            for (int i = 0; i < 2 * count; i++) {
                long[] number = numbers.take();
                expectEquals(next[(int) number[0]], number[1], "next number of producer " + number[0]);
                next[(int) number[0]]++;
            }
            for (Process producer : producers) {
                expectEquals(0, producer.join(), "producer exit code");
            }
            numbers.destroy();
        });
        check("a full queue of node 0 makes a producer of node 1 wait", () -> {
            Queue<Integer> full = Queue.create(4);
            Queue<Integer> returned = Queue.create(256);
            Process producer = Process.start(ProcessTemplate.of(() -> {
                for (int n = 0; n < 200; n++) {
                    putQuietly(full, n);
                    putQuietly(returned, n);
                }
            }).withPolicy(Policy.node(1)));
            Thread.sleep(2_000); // time for the producer to run ahead, if it could
            int ahead = returned.size();
            expect(ahead == 4, "4 puts returned while nobody took, got " + ahead);
            expect(producer.isAlive(), "the producer still waiting");
            for (int n = 0; n < 200; n++) {
                expectEquals(n, full.take(), "element in order");
            }
            expectEquals(0, producer.join(), "producer exit code");
            full.destroy();
            returned.destroy();
        });
        check("a queue of node 0 destroyed under a producer of node 1 waiting in put: the put says so", () -> {
            Queue<Integer> doomed = Queue.create(4);
            Queue<String> outcome = Queue.create(4);
            Process producer = Process.start(ProcessTemplate.of(() -> {
                try {
                    for (int n = 0; n < 4; n++) {
                        doomed.put(n);
                    }
                    outcome.put("filled");
                    doomed.put(4); // waits in the full queue, on node 0, until the queue is destroyed
                    outcome.put("put returned");
                } catch (ObjectDestroyedException e) {
                    putQuietly(outcome, "destroyed: " + e.getMessage());
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }).withPolicy(Policy.node(1)));
            expectEquals("filled", outcome.take(), "producer");
            Thread.sleep(200);
            doomed.destroy();
            String said = outcome.take();
            expect(said.startsWith("destroyed: "), "ObjectDestroyedException at the producer, got " + said);
            expectEquals(0, producer.join(), "producer exit code");
            outcome.destroy();
        });
        check("what a process of node 1 put just before it exited arrives", () -> {
            Queue<Integer> last = Queue.create(256);
            Process producer = Process.start(ProcessTemplate.of(() -> {
                for (int n = 0; n < 200; n++) {
                    putQuietly(last, n);
                }
            }).withPolicy(Policy.node(1)));
            expectEquals(0, producer.join(), "producer exit code");
            for (int n = 0; n < 200; n++) {
                expectEquals(n, last.poll(30, TimeUnit.SECONDS), "element");
            }
            last.destroy();
        });
        finish();
    }
}
