package io.dragon.examples;

import io.dragon.Process;
import io.dragon.Queue;
import java.util.ArrayList;
import java.util.List;

/**
 * Producers and consumers in separate processes, joined by two queues: producers put numbers on a work queue,
 * consumers square them and put the squares on a result queue, and the head adds them up. Run it with
 * {@code dragon -cp examples/target/examples.jar io.dragon.examples.ProducerConsumer [producers] [consumers] [items]}.
 */
public final class ProducerConsumer {
    private static final long STOP = -1;

    private ProducerConsumer() {
    }

    public static void main(String[] args) throws InterruptedException {
        int producers = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int consumers = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int items = args.length > 2 ? Integer.parseInt(args[2]) : 10_000;
        Queue<Long> work = Queue.create(1024);
        Queue<Long> squares = Queue.create(1024);
        List<Process> processes = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            int first = p;
            processes.add(Process.start(() -> {
                try {
                    for (long n = first; n < items; n += producers) {
                        work.put(n);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        for (int c = 0; c < consumers; c++) {
            processes.add(Process.start(() -> {
                try {
                    for (long n = work.take(); n != STOP; n = work.take()) {
                        squares.put(n * n);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        long sum = 0;
        for (int i = 0; i < items; i++) {
            sum += squares.take();
        }
        for (int c = 0; c < consumers; c++) {
            work.put(STOP);
        }
        for (Process process : processes) {
            process.join();
        }
        long expected = 0;
        for (long n = 0; n < items; n++) {
            expected += n * n;
        }
        System.out.println("sum of squares of 0.." + (items - 1) + " = " + sum + (sum == expected ? " (correct)"
            : " (WRONG, expected " + expected + ")"));
        work.destroy();
        squares.destroy();
    }
}
