package io.dragon.it.api;

import io.dragon.Codec;
import io.dragon.Codecs;
import io.dragon.ObjectDestroyedException;
import io.dragon.Output;
import io.dragon.Process;
import io.dragon.Queue;
import io.dragon.SharedLongArray;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/** The BlockingQueue contract of {@link Queue}, method by method, with producers and consumers in other processes. */
public final class QueueChecks extends Checks {
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
        check("peek and iteration are refused with a reason", () -> {
            Queue<Integer> queue = Queue.create(2);
            expect(expectThrows(UnsupportedOperationException.class, queue::peek).getMessage().contains("poll"),
                "a reason");
            expectThrows(UnsupportedOperationException.class, queue::iterator);
            expectThrows(UnsupportedOperationException.class, () -> queue.contains(1));
            queue.destroy();
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
        });
        finish();
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
