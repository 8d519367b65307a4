package io.dragon.it.api;

import io.dragon.Codec;
import io.dragon.Codecs;
import io.dragon.DragonException;
import io.dragon.JoinableQueue;
import io.dragon.ObjectDestroyedException;
import io.dragon.Output;
import io.dragon.Process;
import io.dragon.Queue;
import io.dragon.SharedLongArray;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;

/** The BlockingQueue contract of {@link Queue}, method by method, with producers and consumers in other processes. */
public final class QueueChecks extends Checks {
    /** Elements of the contract checks, as in the JDK's tests of LinkedBlockingQueue and ArrayBlockingQueue. */
    private static final int SIZE = 20;

    public static void main(String[] args) {
        new QueueChecks().run();
    }

    private void run() {
        check("offer and poll keep order across processes", () -> {
            Queue<String> queue = Queue.create(64);
            Process producer = Process.start(() -> {
                for (int i = 0; i < 1000; i++) {
                    while (!queue.offer("item " + i)) {
                        Thread.onSpinWait();
                    }
                }
            });
            for (int i = 0; i < 1000; i++) {
                expectEquals("item " + i, queue.poll(10, TimeUnit.SECONDS), "element " + i);
            }
            expectEquals(0, producer.join(), "producer exit code");
            queue.destroy();
        });
        check("put and take lose and duplicate nothing with 2 producers and 2 consumers", () -> {
            Queue<Integer> work = Queue.create(16);
            Queue<Long> sums = Queue.create(4);
            List<Process> processes = new ArrayList<>();
            for (int p = 0; p < 2; p++) {
                int first = p;
                processes.add(Process.start(() -> {
                    try {
                        for (int n = first; n < 20_000; n += 2) {
                            work.put(n);
                        }
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            for (int c = 0; c < 2; c++) {
                processes.add(Process.start(() -> {
                    try {
                        long sum = 0;
                        for (int n = work.take(); n >= 0; n = work.take()) {
                            sum += n + 1;
                        }
                        sums.put(sum);
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            expectEquals(0, processes.get(0).join(), "producer 0");
            expectEquals(0, processes.get(1).join(), "producer 1");
            work.put(-1);
            work.put(-1);
            long total = sums.take() + sums.take();
            expectEquals(20_000L * 20_001 / 2, total, "sum of (n + 1) over all elements taken");
            for (Process process : processes) {
                expectEquals(0, process.join(), "exit code of " + process);
            }
            work.destroy();
            sums.destroy();
        });
        check("a full queue refuses offer at once, offer with timeout after it, and add with an exception", () -> {
            Queue<Integer> queue = Queue.create(2);
            expect(queue.offer(1) && queue.offer(2), "two offers to succeed");
            expect(!queue.offer(3), "offer to a full queue to return false");
            long start = System.nanoTime();
            expect(!queue.offer(3, 200, TimeUnit.MILLISECONDS), "a timed offer to a full queue to return false");
            expect(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(190), "the timed offer to wait");
            expectThrows(IllegalStateException.class, () -> queue.add(3));
            expectEquals(2, queue.size(), "size");
            expectEquals(0, queue.remainingCapacity(), "remaining capacity");
            queue.destroy();
        });
        check("an empty queue answers poll with null, at once or after the timeout", () -> {
            Queue<Integer> queue = Queue.create(2);
            expectEquals(null, queue.poll(), "poll");
            long start = System.nanoTime();
            expectEquals(null, queue.poll(200, TimeUnit.MILLISECONDS), "timed poll");
            expect(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(190), "the timed poll to wait");
            expect(queue.isEmpty(), "isEmpty");
            queue.destroy();
        });
        check("null elements are rejected with NullPointerException", () -> {
            Queue<String> queue = Queue.create(2);
            expectThrows(NullPointerException.class, () -> queue.offer(null));
            expectThrows(NullPointerException.class, () -> queue.add(null));
            expectThrows(NullPointerException.class, () -> {
                queue.put(null);
                return null;
            });
            expectThrows(NullPointerException.class, () -> queue.offer(null, 1, TimeUnit.SECONDS));
            expect(queue.isEmpty(), "nothing added");
            queue.destroy();
        });
        check("put waits for room that a consumer process makes", () -> {
            Queue<Integer> queue = Queue.create(2);
            queue.put(1);
            queue.put(2);
            Process consumer = Process.start(() -> {
                try {
                    Thread.sleep(200);
                    expectEquals(1, queue.take(), "first");
                    expectEquals(2, queue.take(), "second");
                    expectEquals(3, queue.take(), "third");
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            queue.put(3);
            expectEquals(0, consumer.join(), "consumer exit code");
            queue.destroy();
        });
        check("take and put respond to interrupt and lose nothing", () -> {
            Queue<Integer> queue = Queue.create(2);
            AtomicReference<Throwable> taken = new AtomicReference<>();
            Thread taker = new Thread(() -> {
                try {
                    queue.take();
                } catch (Throwable t) {
                    taken.set(t);
                }
            });
            taker.start();
            Thread.sleep(100);
            taker.interrupt();
            taker.join(5000);
            expect(taken.get() instanceof InterruptedException, "InterruptedException from take, got " + taken);
            queue.put(7);
            queue.put(8);
            AtomicReference<Throwable> put = new AtomicReference<>();
            Thread putter = new Thread(() -> {
                try {
                    queue.put(9);
                } catch (Throwable t) {
                    put.set(t);
                }
            });
            putter.start();
            Thread.sleep(100);
            putter.interrupt();
            putter.join(5000);
            expect(put.get() instanceof InterruptedException, "InterruptedException from put, got " + put);
            expectEquals(7, queue.poll(), "the first element put before");
            expectEquals(8, queue.poll(), "the second element put before");
            expectEquals(null, queue.poll(), "nothing from the interrupted put");
            queue.destroy();
        });
        check("threads blocked in take, poll, put and offer show WAITING or TIMED_WAITING", () -> {
            Queue<Integer> empty = Queue.create(2);
            Queue<Integer> full = Queue.create(2);
            full.put(1);
            full.put(2);
            List<Thread> blocked = List.of(
                blocked("take", () -> empty.take()),
                blocked("poll", () -> empty.poll(1, TimeUnit.HOURS)),
                blocked("put", () -> {
                    full.put(3);
                    return null;
                }),
                blocked("offer", () -> full.offer(3, 1, TimeUnit.HOURS)));
            List<Thread.State> expected = List.of(Thread.State.WAITING, Thread.State.TIMED_WAITING,
                Thread.State.WAITING, Thread.State.TIMED_WAITING);
            for (int i = 0; i < blocked.size(); i++) {
                Thread thread = blocked.get(i);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (thread.getState() != expected.get(i) && System.nanoTime() < deadline) {
                    Thread.sleep(1); // spinning, then yielding, then asleep: between sleeps it runs for a moment
                }
                expectEquals(expected.get(i), thread.getState(), "state of " + thread.getName());
                thread.interrupt();
                thread.join(10_000);
                expect(!thread.isAlive(), thread.getName() + " to end on interrupt");
            }
            expect(empty.isEmpty() && full.size() == 2, "nothing taken or added by the interrupted calls");
            empty.destroy();
            full.destroy();
        });
        check("drainTo moves all, or at most max, elements", () -> {
            Queue<Integer> queue = Queue.create(10);
            for (int i = 0; i < 5; i++) {
                queue.put(i);
            }
            List<Integer> some = new ArrayList<>();
            expectEquals(2, queue.drainTo(some, 2), "drained with max 2");
            List<Integer> rest = new ArrayList<>();
            expectEquals(3, queue.drainTo(rest), "drained");
            expectEquals(List.of(0, 1), some, "first two");
            expectEquals(List.of(2, 3, 4), rest, "rest");
            expectThrows(IllegalArgumentException.class, () -> queue.drainTo(queue));
            queue.destroy();
        });
        check("peek and element look at the head without taking it, in this process and another", () -> {
            Queue<Integer> queue = Queue.create(SIZE);
            expectEquals(null, queue.peek(), "peek of an empty queue");
            expectThrows(NoSuchElementException.class, queue::element);
            expectEquals(0, produce(queue, 0, SIZE).join(), "producer exit code");
            for (int i = 0; i < SIZE; i++) {
                expectEquals(i, queue.peek(), "peek");
                expectEquals(i, queue.element(), "element");
                expectEquals(SIZE - i, queue.size(), "size after peeking");
                expectEquals(i, queue.poll(), "poll after peeking");
            }
            expectEquals(0, produce(queue, 7, 8).join(), "producer exit code");
            expectEquals(0, Process.start(() -> expectEquals(7, queue.peek(), "peek in another process")).join(),
                "peeking process exit code");
            expectEquals(7, queue.take(), "the element peeked at, still there");
            queue.destroy();
        });
        check("contains, toArray, toString, forEach, stream and copies see every element in order", () -> {
            Queue<Integer> queue = Queue.create(SIZE);
            expectEquals("[]", queue.toString(), "toString of an empty queue");
            expectEquals(0, queue.toArray().length, "toArray of an empty queue");
            expectEquals(0, produce(queue, 0, SIZE).join(), "producer exit code");
            List<Integer> expected = IntStream.range(0, SIZE).boxed().toList();
            for (int i = 0; i < SIZE; i++) {
                expect(queue.contains(i), "contains " + i);
            }
            expect(!queue.contains(SIZE) && !queue.contains(null) && !queue.contains("0"), "no other element");
            expect(queue.containsAll(expected), "containsAll");
            expectEquals(expected, Arrays.asList(queue.toArray()), "toArray()");
            Integer[] exact = queue.toArray(new Integer[0]);
            expectEquals(expected, Arrays.asList(exact), "toArray(new Integer[0])");
            Integer[] larger = new Integer[SIZE + 2];
            Arrays.fill(larger, 42);
            expect(queue.toArray(larger) == larger && larger[SIZE] == null && larger[SIZE + 1] == 42,
                "toArray into a larger array: filled, then null");
            expectThrows(ArrayStoreException.class, () -> queue.toArray(new String[0]));
            expectThrows(NullPointerException.class, () -> queue.toArray((Object[]) null));
            expectEquals(expected.toString(), queue.toString(), "toString");
            List<Integer> seen = new ArrayList<>();
            queue.forEach(seen::add);
            expectEquals(expected, seen, "forEach");
            expectEquals(expected, queue.stream().toList(), "stream");
            expectEquals(SIZE * (SIZE - 1) / 2, queue.stream().mapToInt(Integer::intValue).sum(), "stream sum");
            expectEquals(expected, new ArrayList<>(queue), "a copy into an ArrayList");
            expectEquals(SIZE, queue.size(), "size after all that looking");
            expectEquals(0, queue.take(), "head after all that looking");
            queue.destroy();
        });
        check("the iterator: order, end, remove(), and weak consistency", () -> {
            Queue<Integer> queue = Queue.create(SIZE);
            Iterator<Integer> empty = queue.iterator();
            expect(!empty.hasNext(), "an empty queue's iterator to have nothing");
            expectThrows(NoSuchElementException.class, empty::next);
            expectThrows(IllegalStateException.class, () -> {
                empty.remove();
                return null;
            });
            expectEquals(0, produce(queue, 0, SIZE).join(), "producer exit code");
            Iterator<Integer> it = queue.iterator();
            for (int i = 0; i < SIZE; i++) {
                expect(it.hasNext() && it.hasNext(), "hasNext, twice, at " + i);
                expectEquals(i, it.next(), "next");
                if (i % 2 == 0) {
                    it.remove();
                    expectThrows(IllegalStateException.class, () -> {
                        it.remove();
                        return null;
                    });
                }
            }
            expect(!it.hasNext(), "the end");
            expectEquals(IntStream.range(0, SIZE).filter(i -> i % 2 == 1).boxed().toList(), List.copyOf(queue),
                "odd elements left after iterator.remove of the even ones");
            // as ArrayBlockingQueueTest.testWeaklyConsistentIteration: no ConcurrentModificationException
            int left = queue.size();
            int returned = 0;
            for (Iterator<Integer> walk = queue.iterator(); walk.hasNext(); returned++) {
                queue.remove();
                walk.next();
            }
            expectEquals(left, returned, "elements returned while each was taken first");
            expectEquals(0, queue.size(), "size after the walk");
            // every element there throughout is seen once, none put after the iteration began
            expectEquals(0, produce(queue, 0, SIZE / 2).join(), "producer exit code");
            Iterator<Integer> during = queue.iterator();
            expectEquals(0, produce(queue, SIZE / 2, SIZE).join(), "producer exit code");
            List<Integer> seen = new ArrayList<>();
            during.forEachRemaining(seen::add);
            expectEquals(IntStream.range(0, SIZE / 2).boxed().toList(), seen, "what an iteration begun before the"
                + " later puts saw");
            Iterator<Integer> taken = queue.iterator();
            expectEquals(0, taken.next(), "first");
            expectEquals(0, queue.take(), "taken by take after the iterator returned it");
            taken.remove(); // another took it: nothing happens
            expectEquals(SIZE - 1, queue.size(), "size after removing through the iterator an element taken");
            queue.destroy();
        });
        check("remove(Object) of the first, a middle, the last, an absent and a null element", () -> {
            Queue<Integer> queue = Queue.create(SIZE);
            expectEquals(0, produce(queue, 0, SIZE).join(), "producer exit code");
            expect(queue.remove((Object) 0), "remove the first");
            expect(queue.remove((Object) (SIZE / 2)), "remove a middle one");
            expect(queue.remove((Object) (SIZE - 1)), "remove the last");
            expect(!queue.remove((Object) SIZE) && !queue.remove((Object) (SIZE / 2)), "remove of an absent one");
            expect(!queue.remove(null) && !queue.remove("1"), "remove of null and of another type");
            expectEquals(SIZE - 3, queue.size(), "size");
            expectEquals(3, queue.remainingCapacity(), "remaining capacity");
            expectEquals(1, queue.peek(), "the new head");
            List<Integer> rest = new ArrayList<>();
            queue.drainTo(rest);
            expectEquals(IntStream.range(1, SIZE - 1).filter(i -> i != SIZE / 2).boxed().toList(), rest,
                "what is taken after: the others, in order");
            for (int round = 0; round < 3; round++) {
                expectEquals(0, produce(queue, 0, SIZE).join(), "producer exit code");
                expect(queue.remove((Object) 3) && queue.remove((Object) 5), "remove from the middle");
                expectEquals(SIZE - 2, queue.size(), "size, round " + round);
                expectEquals(0, Process.start(() -> {
                    for (int i = 0; i < SIZE; i++) {
                        if (i != 3 && i != 5) {
                            expectEquals(i, queue.poll(), "taken in another process");
                        }
                    }
                }).join(), "consumer exit code");
                expect(queue.isEmpty(), "empty, round " + round);
            }
            queue.destroy();
        });
        check("removeIf, removeAll, retainAll and clear", () -> {
            Queue<Integer> queue = Queue.create(SIZE);
            expectEquals(0, produce(queue, 0, SIZE).join(), "producer exit code");
            expect(queue.removeIf(i -> i % 3 == 0), "removeIf removed some");
            expect(!queue.removeIf(i -> i % 3 == 0), "removeIf removed none the second time");
            expect(queue.removeAll(List.of(1, 2, 4)), "removeAll");
            expect(queue.retainAll(List.of(5, 7, 8, 100)), "retainAll");
            expectEquals(List.of(5, 7, 8), List.copyOf(queue), "left");
            expectThrows(NullPointerException.class, () -> queue.removeIf(null));
            queue.clear();
            expect(queue.isEmpty() && queue.peek() == null, "empty after clear");
            expectEquals(SIZE, queue.remainingCapacity(), "remaining capacity after clear");
            queue.destroy();
        });
        check("remove(Object) racing consumers in other processes: every element leaves exactly once", () -> {
            int n = 4000;
            Queue<Integer> queue = Queue.create(n + 2);
            Queue<long[]> taken = Queue.create(4);
            expectEquals(0, produce(queue, 0, n).join(), "producer exit code");
            List<Process> consumers = new ArrayList<>();
            for (int c = 0; c < 2; c++) {
                consumers.add(Process.start(() -> {
                    try {
                        long count = 0;
                        long sum = 0;
                        for (int e = queue.take(); e >= 0; e = queue.take()) {
                            count++;
                            sum += e;
                        }
                        taken.put(new long[] {count, sum});
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            long removed = 0;
            long removedSum = 0;
            for (int i = n - 1; i >= 0; i -= 2) {
                if (queue.remove((Object) i)) {
                    removed++;
                    removedSum += i;
                }
            }
            queue.put(-1);
            queue.put(-1);
            long count = removed;
            long sum = removedSum;
            for (int c = 0; c < 2; c++) {
                long[] countAndSum = taken.take();
                count += countAndSum[0];
                sum += countAndSum[1];
            }
            for (Process consumer : consumers) {
                expectEquals(0, consumer.join(), "consumer exit code");
            }
            expectEquals((long) n, count, "elements taken or removed (removed here: " + removed + ")");
            expectEquals((long) n * (n - 1) / 2, sum, "their sum");
            queue.destroy();
            taken.destroy();
        });
        check("equals and hashCode are the queue's identity, not its elements'", () -> {
            Queue<Integer> queue = Queue.create("identity", 4);
            Queue<Integer> other = Queue.create(4);
            queue.put(1);
            other.put(1);
            Queue<Integer> found = Queue.lookup("identity");
            expect(queue.equals(found) && queue.hashCode() == found.hashCode(), "handles of one queue equal");
            expect(!queue.equals(other) && !queue.equals(List.of(1)), "other queues and lists differ");
            queue.destroy();
            other.destroy();
        });
        check("a JoinableQueue's join waits until consumer processes mark every task done", () -> {
            JoinableQueue<Integer> queue = JoinableQueue.create("joinable", 64);
            expect(queue.join(0, TimeUnit.SECONDS), "join of a queue that never had a task");
            expectThrows(IllegalStateException.class, () -> {
                queue.taskDone();
                return null;
            });
            List<Process> consumers = new ArrayList<>();
            for (int c = 0; c < 2; c++) {
                consumers.add(Process.start(() -> {
                    try {
                        JoinableQueue<Integer> found = JoinableQueue.lookup("joinable");
                        for (int e = found.take(); e >= 0; e = found.take()) {
                            Thread.sleep(e % 10 == 0 ? 1 : 0);
                            found.taskDone();
                        }
                        found.taskDone();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            expectEquals(0, produce(queue, 0, 200).join(), "producer exit code");
            queue.join();
            expectEquals(0L, queue.unfinishedTasks(), "unfinished after join");
            expect(queue.isEmpty(), "every element taken");
            queue.put(-1);
            queue.put(-1);
            expect(queue.join(30, TimeUnit.SECONDS), "join of the two stop elements");
            for (Process consumer : consumers) {
                expectEquals(0, consumer.join(), "consumer exit code");
            }
            expectThrows(DragonException.class, () -> Queue.lookup("joinable"));
            queue.destroy();
        });
        check("a task a consumer took and died with stays unfinished: join waits, join(timeout) says so", () -> {
            JoinableQueue<Integer> queue = JoinableQueue.create(4);
            queue.put(1);
            queue.put(2);
            Process dying = Process.start(() -> {
                try {
                    queue.take();
                    queue.taskDone();
                    queue.take();
                    Runtime.getRuntime().halt(3); // dies with the second task not done
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            expectEquals(3, dying.join(), "exit code of the consumer that died");
            expectEquals(1L, queue.unfinishedTasks(), "unfinished");
            expect(!queue.join(200, TimeUnit.MILLISECONDS), "join to time out");
            AtomicReference<Throwable> joined = new AtomicReference<>();
            Thread joiner = new Thread(() -> {
                try {
                    queue.join();
                } catch (Throwable t) {
                    joined.set(t);
                }
            });
            joiner.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (joiner.getState() != Thread.State.WAITING && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            expectEquals(Thread.State.WAITING, joiner.getState(), "state of a thread in join()");
            queue.taskDone(); // whoever knows the task was dealt with may mark it
            joiner.join(30_000);
            expect(!joiner.isAlive() && joined.get() == null, "join to return once it is marked, got " + joined);
            queue.destroy();
            expectThrows(ObjectDestroyedException.class, queue::unfinishedTasks);
        });
        check("a named queue is found from another process, and a handle travels in a lambda", () -> {
            Queue<String> named = Queue.create("greetings", 4);
            Queue<String> replies = Queue.create(4);
            Process process = Process.start(() -> {
                try {
                    Queue<String> found = Queue.lookup("greetings");
                    replies.put("got " + found.take());
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            named.put("hello");
            expectEquals("got hello", replies.poll(30, TimeUnit.SECONDS), "reply");
            expectEquals(0, process.join(), "exit code");
            named.destroy();
            replies.destroy();
        });
        check("objects outlive the process that created them", () -> {
            Process creator = Process.start(() -> {
                try {
                    Queue<String> queue = Queue.create("left-behind", 4);
                    queue.put("from a process that has exited");
                    SharedLongArray.create("left-behind-array", 1).set(0, 42);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            expectEquals(0, creator.join(), "creator exit code");
            Queue<String> queue = Queue.lookup("left-behind");
            expectEquals("from a process that has exited", queue.poll(10, TimeUnit.SECONDS), "element");
            SharedLongArray array = SharedLongArray.lookup("left-behind-array");
            expectEquals(42L, array.get(0), "array element");
            queue.destroy();
            array.destroy();
        });
        check("the standard codec carries mixed types, large elements and Serializable objects", () -> {
            Queue<Object> queue = Queue.create(16);
            List<Object> elements = List.of("text", 42, 42L, 2.5, 1.5f, (short) 3, (byte) 4, 'c', true,
                new byte[] {1, 2}, List.of("a", "list"));
            Process sender = Process.start(() -> {
                try {
                    for (Object element : elements) {
                        queue.put(element);
                    }
                    queue.put(large());
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            List<Object> expectedElements = new ArrayList<>(elements);
            expectedElements.add(large());
            for (Object expected : expectedElements) {
                Object got = queue.poll(30, TimeUnit.SECONDS);
                if (expected instanceof byte[] bytes) {
                    expect(got instanceof byte[] b && Arrays.equals(bytes, b), "bytes of length " + bytes.length);
                } else {
                    expectEquals(expected, got, "element");
                }
            }
            expectEquals(0, sender.join(), "exit code");
            queue.destroy();
        });
        check("a queue with a codec of its own", () -> {
            Queue<int[]> queue = Queue.create(null, 4, new IntPairCodec());
            queue.put(new int[] {3, 4});
            int[] got = queue.take();
            expect(got[0] == 3 && got[1] == 4, "the pair back");
            Queue<String> strings = Queue.create(null, 4, Codecs.strings());
            strings.put("ü");
            expectEquals("ü", strings.take(), "a UTF-8 string");
            queue.destroy();
            strings.destroy();
        });
        check("a destroyed queue fails every use with ObjectDestroyedException", () -> {
            Queue<Integer> queue = Queue.create(2);
            queue.destroy();
            expectThrows(ObjectDestroyedException.class, () -> queue.offer(1));
            expectThrows(ObjectDestroyedException.class, queue::poll);
            expectThrows(ObjectDestroyedException.class, queue::peek);
            expectThrows(ObjectDestroyedException.class, queue::iterator);
        });
        finish();
    }

    /** A thread started to make a call that blocks; it ends when interrupted. */
    private static Thread blocked(String name, Callable<?> call) {
        Thread thread = new Thread(() -> {
            try {
                call.call();
            } catch (Exception e) {
                // interrupted: the end
            }
        }, "blocked in " + name);
        thread.start();
        return thread;
    }

    /** A process that puts {@code from} to {@code to} (exclusive) into {@code queue}. */
    private static Process produce(Queue<Integer> queue, int from, int to) {
        return Process.start(() -> {
            try {
                for (int i = from; i < to; i++) {
                    queue.put(i);
                }
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** An element far larger than a channel block: it travels in a side allocation. */
    private static byte[] large() {
        byte[] bytes = new byte[200_000];
        Arrays.fill(bytes, (byte) 7);
        return bytes;
    }

    /** Two ints, 8 bytes. */
    private static final class IntPairCodec implements Codec<int[]> {
        @Override
        public void encode(int[] element, Output out) {
            out.putInt(element[0]).putInt(element[1]);
        }

        @Override
        public int[] decode(ByteBuffer in) {
            return new int[] {in.getInt(), in.getInt()};
        }
    }
}
