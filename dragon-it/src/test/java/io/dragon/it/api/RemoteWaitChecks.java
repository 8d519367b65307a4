package io.dragon.it.api;

import io.dragon.Barrier;
import io.dragon.Event;
import io.dragon.Lock;
import io.dragon.Policy;
import io.dragon.Process;
import io.dragon.ProcessTemplate;
import io.dragon.Queue;
import io.dragon.Semaphore;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Waits on objects of another node that end without their requester (run by SlurmClusterIT on 3 nodes, the head on
 * node 0, where the objects live): consumers on node 1 killed (SIGKILL) while blocked in take() take nothing, every
 * message reaches a live consumer exactly once; a thread of node 1 interrupted while it waits on a queue, lock,
 * semaphore, barrier or event of node 0 throws InterruptedException promptly, having taken nothing.
 */
public final class RemoteWaitChecks extends Checks {
    /** Rounds of killed consumers under load, and messages per round. */
    private static final int ROUNDS = 10;
    private static final int BURST = 200;
    private static final int VICTIMS = 2;
    private static final int VICTIM_THREADS = 4;
    /** Bound on an interrupted remote wait's end, for a loaded 2-vCPU machine; it typically takes under 100 ms. */
    static final long PROMPT_MILLIS = 2_000;

    public static void main(String[] args) {
        new RemoteWaitChecks().run();
    }

    private void run() {
        check("a consumer on node 1 killed while blocked in take() on a queue of node 0 takes nothing: the next put"
            + " reaches a consumer started after", () -> {
            Queue<String> queue = Queue.create(16);
            Queue<String> ready = Queue.create(16);
            Process victim = victim(queue, ready, 1);
            ready.take();
            Thread.sleep(200); // into the remote wait (if not yet, the check still holds)
            victim.kill();
            victim.join();
            queue.put("m1");
            Queue<String> got = Queue.create(4);
            Process second = Process.start(ProcessTemplate.of(() -> {
                try {
                    got.put(String.valueOf(queue.poll(60, TimeUnit.SECONDS)));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }).withPolicy(Policy.node(1)));
            expectEquals("m1", got.poll(60, TimeUnit.SECONDS), "what the second consumer got");
            expectEquals(0, second.join(), "exit code of the second consumer");
            for (Queue<?> q : List.of(queue, ready, got)) {
                q.destroy();
            }
        });
        check(ROUNDS + " rounds of " + VICTIMS + " consumers killed while " + VICTIM_THREADS + " threads each wait in"
            + " take(), then " + BURST + " puts from node 2 to consumers of nodes 1 and 2: each arrives exactly once",
            () -> {
            Queue<Integer> queue = Queue.create(64);
            Queue<String> ready = Queue.create(64);
            Queue<Integer> got = Queue.create(4 * BURST);
            List<Process> consumers = new ArrayList<>();
            for (int node = 1; node <= 2; node++) {
                consumers.add(Process.start(ProcessTemplate.of(() -> {
                    try {
                        for (int n = queue.take(); n >= 0; n = queue.take()) {
                            got.put(n);
                        }
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }).withPolicy(Policy.node(node))));
            }
            TreeSet<Integer> seen = new TreeSet<>();
            for (int round = 0; round < ROUNDS; round++) {
                List<Process> victims = new ArrayList<>();
                for (int v = 0; v < VICTIMS; v++) {
                    victims.add(victim(queue, ready, VICTIM_THREADS));
                }
                for (int v = 0; v < VICTIMS * VICTIM_THREADS; v++) {
                    ready.take();
                }
                Thread.sleep(100);
                for (Process victim : victims) {
                    victim.kill();
                }
                for (Process victim : victims) {
                    victim.join();
                }
                int first = round * BURST;
                Process producer = Process.start(ProcessTemplate.of(() -> {
                    try {
                        for (int n = first; n < first + BURST; n++) {
                            queue.put(n);
                        }
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }).withPolicy(Policy.node(2)));
                for (int i = 0; i < BURST; i++) {
                    Integer n = got.poll(60, TimeUnit.SECONDS);
                    expect(n != null, "message " + (seen.size() + 1) + " of round " + round + " within 60 s (lost?)");
                    expect(seen.add(n), "message " + n + " once, not twice");
                }
                expectEquals(0, producer.join(), "exit code of the producer");
            }
            expectEquals(ROUNDS * BURST, seen.size(), "messages received");
            expectEquals(ROUNDS * BURST - 1, seen.last(), "the last message");
            for (int c = 0; c < consumers.size(); c++) {
                queue.put(-1);
            }
            for (Process consumer : consumers) {
                expectEquals(0, consumer.join(), "exit code of a consumer");
            }
            expectEquals(null, got.poll(), "nothing more");
            for (Queue<?> q : List.of(queue, ready, got)) {
                q.destroy();
            }
        });
        check("interrupted on node 1, waits on a queue, lock, semaphore, barrier and event of node 0 throw"
            + " InterruptedException within " + PROMPT_MILLIS + " ms, taking and holding nothing", () -> {
            Queue<String> empty = Queue.create(4);
            Queue<String> full = Queue.create(2);
            full.put("first");
            full.put("second");
            Lock lock = Lock.create();
            lock.lock();
            Semaphore semaphore = Semaphore.create(0);
            Barrier barrier = Barrier.create(2);
            Event event = Event.create();
            Process waiter = Process.start(ProcessTemplate.of(() -> System.exit(InterruptedWaits.run(empty, full,
                lock, semaphore, barrier, event))).withPolicy(Policy.node(1)));
            expectEquals(0, waiter.join(), "failed interrupted waits on node 1 (each printed its reason)");
            expect(lock.isLocked(), "the lock still held here");
            lock.unlock();
            expectEquals(0L, semaphore.availablePermits(), "permits (the node 1 process released what it took)");
            for (var object : List.of(lock, semaphore, barrier, event)) {
                object.destroy();
            }
            empty.destroy();
            full.destroy();
        });
        finish();
    }

    /**
     * A consumer on {@code node} 1 whose {@code threads} threads each say they are ready, then block in
     * {@code take()}; whatever one takes is a failure, reported by exiting 99 (it is killed before any put).
     */
    private static <T> Process victim(Queue<T> queue, Queue<String> ready, int threads) {
        return Process.start(ProcessTemplate.of(() -> {
            for (int t = 0; t < threads; t++) {
                Thread thread = new Thread(() -> {
                    try {
                        ready.put("ready");
                        queue.take();
                        Runtime.getRuntime().halt(99);
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                });
                thread.start();
            }
            try {
                Thread.sleep(TimeUnit.MINUTES.toMillis(5));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }).withPolicy(Policy.node(1)));
    }

    /** On node 1: each wait on node 0's objects, interrupted; the number that failed (each printed). */
    static final class InterruptedWaits {
        private InterruptedWaits() {
        }

        static int run(Queue<String> empty, Queue<String> full, Lock lock, Semaphore semaphore, Barrier barrier,
                       Event event) {
            int failures = 0;
            failures += interrupted("take()", empty::take);
            failures += interrupted("poll(60 s)", () -> empty.poll(60, TimeUnit.SECONDS));
            failures += verify("the empty queue got nothing and serves what comes next", () -> {
                empty.put("next");
                return "next".equals(empty.poll()) && empty.poll() == null;
            });
            failures += interrupted("put() on a full queue", () -> {
                full.put("third");
                return null;
            });
            failures += interrupted("offer(60 s) on a full queue", () -> full.offer("fourth", 60, TimeUnit.SECONDS));
            failures += verify("the full queue holds its two messages only", () -> "first".equals(full.poll())
                && "second".equals(full.poll()) && full.poll() == null);
            failures += interrupted("lockInterruptibly()", () -> {
                lock.lockInterruptibly();
                return null;
            });
            failures += interrupted("tryLock(60 s)", () -> lock.tryLock(60, TimeUnit.SECONDS));
            failures += interrupted("acquire()", () -> {
                semaphore.acquire();
                return null;
            });
            failures += interrupted("tryAcquire(60 s)", () -> semaphore.tryAcquire(60, TimeUnit.SECONDS));
            failures += verify("the semaphore gave no permit away", () -> {
                semaphore.release();
                return semaphore.tryAcquire() && !semaphore.tryAcquire();
            });
            failures += interrupted("Barrier.await()", barrier::await);
            failures += verify("the barrier is broken for the others, as CyclicBarrier's", barrier::isBroken);
            failures += interrupted("Event.await()", () -> {
                event.await();
                return null;
            });
            return failures;
        }

        private interface Wait {
            Object run() throws Exception;
        }

        private interface Condition {
            boolean holds() throws Exception;
        }

        /**
         * 0 if {@code wait}, interrupted after it has waited a while, threw InterruptedException within
         * {@link #PROMPT_MILLIS} (it prints how long it took).
         */
        private static int interrupted(String what, Wait wait) {
            Thread waiter = Thread.currentThread();
            AtomicLong interruptedAt = new AtomicLong();
            Thread interrupter = new Thread(() -> {
                try {
                    Thread.sleep(300);
                } catch (InterruptedException e) {
                    return;
                }
                interruptedAt.set(System.nanoTime());
                waiter.interrupt();
            });
            interrupter.start();
            try {
                Object value = wait.run();
                System.out.println("FAIL-REMOTE " + what + ": returned " + value + " instead of throwing");
                return 1;
            } catch (InterruptedException e) {
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - interruptedAt.get());
                System.out.println("interrupted remote " + what + " ended in " + millis + " ms");
                if (millis > PROMPT_MILLIS) {
                    System.out.println("FAIL-REMOTE " + what + ": took " + millis + " ms to end");
                    return 1;
                }
                return 0;
            } catch (Exception e) {
                System.out.println("FAIL-REMOTE " + what + ": threw " + e);
                e.printStackTrace(System.out);
                return 1;
            } finally {
                try {
                    interrupter.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                Thread.interrupted();
            }
        }

        private static int verify(String what, Condition condition) {
            try {
                if (condition.holds()) {
                    return 0;
                }
                System.out.println("FAIL-REMOTE " + what);
            } catch (Exception e) {
                System.out.println("FAIL-REMOTE " + what + ": threw " + e);
                e.printStackTrace(System.out);
            }
            return 1;
        }
    }
}
