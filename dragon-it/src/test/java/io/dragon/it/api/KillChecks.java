package io.dragon.it.api;

import io.dragon.Pool;
import io.dragon.Process;
import io.dragon.ProcessFuture;
import io.dragon.ProcessGroup;
import io.dragon.ProcessTemplate;
import io.dragon.Queue;
import io.dragon.SerializableCallable;
import io.dragon.SerializableRunnable;
import io.dragon.SharedLongArray;
import io.dragon.TaskLostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Processes killed at random moments while they send and receive: {@code KillChecks [rounds]}. Pool workers that
 * put numbered results on a shared {@link Queue} and return values are stopped by {@link Pool#shutdownNow()} or
 * one is killed with SIGKILL; producers and consumers of a Queue are killed by {@link ProcessGroup#kill()}.
 * Messages and results are small or longer than a channel block (side allocations). Every task's future completes
 * once, with its own value, or fails as lost (killed worker) or cancelled (shutdownNow); every message arrives at
 * most once, and exactly once if its sender's put returned (the sender records that in a SharedLongArray after
 * the put), but for the one a killed consumer was taking; and the node goes on serving new pools and queues.
 */
public final class KillChecks extends Checks {
    private static final int WORKERS = 2;
    private static final int TASKS = 16;
    private static final int PUTS = 5;
    /** Bytes of a long message: more than a Queue's inline block (112) and a pool frame's (1024). */
    private static final int LONG_MESSAGE = 3000;
    private static final int PRODUCERS = 2;
    private static final int CONSUMERS = 2;
    /** Most messages a producer sends (then it waits to be killed). */
    private static final int PER_PRODUCER = 50_000;
    private static final long DEADLINE_SECONDS = 120;

    private final Random random = new Random();
    private final Map<String, Long> totals = new HashMap<>();

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        new KillChecks().run(rounds, args.length > 1 ? Integer.parseInt(args[1]) : Math.max(2, rounds / 4));
    }

    private void run(int rounds, int groupRounds) {
        long seed = System.nanoTime();
        random.setSeed(seed);
        System.out.println("seed " + seed);
        Queue<byte[]> shared = Queue.create(1024);
        check("a worker killed in its task loses that task, reported lost; the replacement runs the rest", () -> {
            SharedLongArray pids = SharedLongArray.create(2);
            try (Pool pool = Pool.create(1)) {
                Future<Integer> victim = pool.submit((SerializableCallable<Integer>) () -> {
                    pids.set(0, ProcessHandle.current().pid());
                    Thread.sleep(600_000);
                    return 0;
                });
                Future<Long> next = pool.submit((SerializableCallable<Long>) () -> ProcessHandle.current().pid());
                long pid = awaitNonZero(pids, 0);
                ProcessHandle.of(pid).orElseThrow().destroyForcibly();
                ExecutionException e = expectThrows(ExecutionException.class,
                    () -> victim.get(DEADLINE_SECONDS, TimeUnit.SECONDS));
                expect(e.getCause() instanceof TaskLostException, "a TaskLostException, got " + e.getCause());
                expect(e.getCause().getMessage().contains("pid " + pid) && e.getCause().getMessage()
                    .contains("exit code 137"), "the dead worker named in: " + e.getCause().getMessage());
                long replacement = next.get(DEADLINE_SECONDS, TimeUnit.SECONDS);
                expect(replacement != pid, "the queued task to run in a new worker, ran in " + replacement);
                expectEquals(7, pool.submit((SerializableCallable<Integer>) () -> 7).get(), "a new task");
            }
            pids.destroy();
        });
        check(rounds + " rounds of pool workers stopped by shutdownNow or SIGKILL while they put and return", () -> {
            for (int round = 0; round < rounds; round++) {
                poolRound(round, round % 2 == 0, shared);
            }
            System.out.println("pool rounds " + rounds + ": " + totals);
            totals.clear();
        });
        check(groupRounds + " rounds of producers and consumers killed by ProcessGroup.kill", () -> {
            for (int round = 0; round < groupRounds; round++) {
                groupRound(round);
            }
            System.out.println("group rounds " + groupRounds + ": " + totals);
        });
        check("after the kills, other processes put and take on the shared queue and a new pool works", () -> {
            ProcessFuture<Integer> taker = Process.call(() -> Arrays.hashCode(shared.take()));
            byte[] sent = message(1, true);
            shared.put(sent);
            expectEquals(Arrays.hashCode(sent), taker.get(DEADLINE_SECONDS, TimeUnit.SECONDS), "taken elsewhere");
            try (Pool pool = Pool.create(WORKERS)) {
                expectEquals(List.of(2, 3, 4), pool.map(x -> x + 1, List.of(1, 2, 3)), "map");
                pool.submit((SerializableCallable<Integer>) () -> {
                    shared.put(message(2, false));
                    return 0;
                }).get(DEADLINE_SECONDS, TimeUnit.SECONDS);
            }
            expectEquals(2L, idOf(shared.poll(DEADLINE_SECONDS, TimeUnit.SECONDS)), "put by a worker");
            shared.destroy();
        });
        finish();
    }

    /**
     * One pool of {@link #TASKS} tasks, each putting {@link #PUTS} messages and returning a value; after a random
     * pause the pool is stopped with shutdownNow, or one worker that runs a task is killed.
     */
    private void poolRound(int round, boolean shutdownNow, Queue<byte[]> shared) throws Exception {
        SharedLongArray done = SharedLongArray.create(TASKS);
        SharedLongArray pids = SharedLongArray.create(TASKS);
        long killed = 0;
        List<Future<byte[]>> futures = new ArrayList<>();
        try (Pool pool = Pool.create(WORKERS)) {
            for (int t = 0; t < TASKS; t++) {
                futures.add(pool.submit(task(taskId(round, t), t, done, pids, shared)));
            }
            awaitProgress(done, random.nextInt(TASKS * PUTS));
            if (shutdownNow) {
                pool.shutdownNow();
            } else {
                killed = killRunningWorker(pids, done);
            }
            int lost = 0;
            for (int t = 0; t < TASKS; t++) {
                String outcome = outcome(futures.get(t), taskId(round, t));
                count("tasks " + outcome);
                if (outcome.equals("completed")) {
                    expectEquals((long) PUTS, done.get(t), "puts recorded by completed task " + t);
                } else if (outcome.equals("lost")) {
                    lost++;
                    // The killed worker may have finished the task it was picked for and taken the next one, and died
                    // before that one recorded its pid: a task lost then shows no pid.
                    expect(!shutdownNow && (pids.get(t) == killed || pids.get(t) == 0),
                        "a task lost only on the killed worker, task " + t + " ran in " + pids.get(t));
                } else {
                    expect(shutdownNow, "cancelled only by shutdownNow, task " + t);
                }
            }
            expect(lost <= 1, "at most the killed worker's task lost, got " + lost);
            if (!shutdownNow) {
                expectEquals(7, pool.submit((SerializableCallable<Integer>) () -> 7)
                    .get(DEADLINE_SECONDS, TimeUnit.SECONDS), "the pool after the kill");
            }
        }
        Map<Long, Integer> arrived = drain(shared);
        for (int t = 0; t < TASKS; t++) {
            long recorded = done.get(t);
            for (int k = 0; k < PUTS; k++) {
                int times = arrived.getOrDefault(messageId(taskId(round, t), k), 0);
                if (k < recorded) {
                    expectEquals(1, times, "arrivals of recorded message " + k + " of task " + t);
                    count("messages recorded, arrived once");
                } else if (k == recorded) {
                    expect(times <= 1, "message " + k + " of task " + t + " at most once, got " + times);
                    count(times == 1 ? "messages unrecorded (put under way), arrived" : "messages not sent");
                } else {
                    expectEquals(0, times, "arrivals of message " + k + " of task " + t + " never put");
                    count("messages not sent");
                }
            }
        }
        count("messages arrived", arrived.values().stream().mapToLong(Integer::longValue).sum());
        expect(arrived.keySet().stream().allMatch(id -> id / (100L * TASKS) == round), "only this round's messages");
        count(shutdownNow ? "rounds shutdownNow" : "rounds SIGKILL");
        done.destroy();
        pids.destroy();
    }

    private static SerializableCallable<byte[]> task(long id, int index, SharedLongArray done, SharedLongArray pids,
                                                     Queue<byte[]> shared) {
        return () -> {
            pids.set(index, ProcessHandle.current().pid());
            ThreadLocalRandom random = ThreadLocalRandom.current();
            for (int k = 0; k < PUTS; k++) {
                shared.put(message(messageId(id, k), random.nextBoolean()));
                done.set(index, k + 1);
                if (random.nextBoolean()) {
                    Thread.sleep(random.nextInt(8));
                }
            }
            return message(id, random.nextBoolean());
        };
    }

    /** Kills the worker of a task that has started and not finished (waiting for one if none has yet). */
    private long killRunningWorker(SharedLongArray pids, SharedLongArray done) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
        while (System.nanoTime() - deadline < 0) {
            List<Long> running = new ArrayList<>();
            for (int t = 0; t < TASKS; t++) {
                if (pids.get(t) != 0 && done.get(t) < PUTS) {
                    running.add(pids.get(t));
                }
            }
            if (!running.isEmpty()) {
                long pid = running.get(random.nextInt(running.size()));
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                count("workers killed");
                return pid;
            }
            if (done.get(TASKS - 1) == PUTS) {
                return 0; // all finished before the kill
            }
            Thread.sleep(1);
        }
        throw new AssertionError("no task started within " + DEADLINE_SECONDS + " s");
    }

    /** completed (with its own value), lost or cancelled; anything else fails the check. */
    private static String outcome(Future<byte[]> future, long id) throws InterruptedException {
        try {
            byte[] value = future.get(DEADLINE_SECONDS, TimeUnit.SECONDS);
            expectEquals(id, idOf(value), "the value's id");
            return "completed";
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TaskLostException lost && lost.getMessage().contains("was lost")) {
                return "lost";
            }
            throw new AssertionError("task " + id + " failed with " + e.getCause(), e);
        } catch (CancellationException e) {
            return "cancelled";
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("task " + id + " neither completed nor failed in " + DEADLINE_SECONDS + " s");
        }
    }

    /**
     * {@link #PRODUCERS} processes put numbered messages on a small queue and record each put that returned,
     * {@link #CONSUMERS} take and record each message; the group is killed at a random moment.
     */
    private void groupRound(int round) throws Exception {
        Queue<byte[]> queue = Queue.create(64);
        SharedLongArray sent = SharedLongArray.create(PRODUCERS);
        SharedLongArray taken = SharedLongArray.create(PRODUCERS * PER_PRODUCER);
        ProcessGroup group = new ProcessGroup();
        for (int p = 0; p < PRODUCERS; p++) {
            group.add(ProcessTemplate.of(producer(p, queue, sent)), 1);
        }
        group.add(ProcessTemplate.of(consumer(queue, taken)), CONSUMERS).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
        while (sent.get(0) + sent.get(1) < 100 && System.nanoTime() - deadline < 0) {
            Thread.sleep(1);
        }
        Thread.sleep(random.nextInt(300));
        group.kill();
        expect(!group.join(DEADLINE_SECONDS, TimeUnit.SECONDS), "the killed members to exit nonzero");
        for (ProcessGroup.Member member : group.members()) {
            expectEquals(137, member.exitCode(), "exit code of " + member);
        }
        Map<Long, Integer> left = drain(queue);
        long arrivals = left.values().stream().mapToLong(Integer::longValue).sum();
        for (int id = 0; id < PRODUCERS * PER_PRODUCER; id++) {
            arrivals += taken.get(id);
        }
        long counted = 0;
        int lost = 0;
        for (int p = 0; p < PRODUCERS; p++) {
            long recorded = sent.get(p);
            for (long i = 0; i <= Math.min(recorded, PER_PRODUCER - 1); i++) {
                long id = p * (long) PER_PRODUCER + i;
                long times = taken.get((int) id) + left.getOrDefault(id, 0);
                expect(times <= 1, "message " + id + " at most once, got " + times);
                counted += times;
                if (i < recorded && times == 0) {
                    lost++;
                }
                count(i < recorded ? "group messages recorded" : times == 1 ? "group messages unrecorded, arrived"
                    : "group messages not sent");
            }
        }
        expectEquals(arrivals, counted, "arrivals, all of messages put");
        expect(lost <= CONSUMERS, "at most one message lost per killed consumer, lost " + lost);
        count("group messages lost with a killed consumer", lost);
        count("group messages left in the queue", left.size());
        // the queue works on after the kills
        Process producer = Process.start(() -> {
            try {
                queue.put(message(-5, true));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        expectEquals(-5L, idOf(queue.poll(DEADLINE_SECONDS, TimeUnit.SECONDS)), "a message after the kills");
        expectEquals(0, producer.join(), "the new producer's exit code");
        queue.destroy();
        sent.destroy();
        taken.destroy();
        count("group rounds");
    }

    private static SerializableRunnable producer(int p, Queue<byte[]> queue, SharedLongArray sent) {
        return () -> {
            try {
                for (int i = 0; i < PER_PRODUCER; i++) {
                    queue.put(message(p * (long) PER_PRODUCER + i, i % 3 == 0));
                    sent.set(p, i + 1);
                }
                Thread.sleep(600_000);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        };
    }

    private static SerializableRunnable consumer(Queue<byte[]> queue, SharedLongArray taken) {
        return () -> {
            try {
                for (;;) {
                    taken.getAndAdd((int) idOf(queue.take()), 1);
                }
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        };
    }

    /**
     * Takes every message left in {@code queue}, whose senders are all dead or done: a message whose sender died
     * in its put may hold the head until a waiting receiver steps past it, so an empty poll with a nonzero size
     * waits.
     */
    private static Map<Long, Integer> drain(Queue<byte[]> queue) throws InterruptedException {
        Map<Long, Integer> arrived = new HashMap<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
        for (;;) {
            byte[] message = queue.poll();
            if (message == null) {
                if (queue.size() == 0) {
                    return arrived;
                }
                expect(System.nanoTime() - deadline < 0, "the queue to empty, size " + queue.size());
                message = queue.poll(200, TimeUnit.MILLISECONDS);
                if (message == null) {
                    continue;
                }
            }
            arrived.merge(idOf(message), 1, Integer::sum);
        }
    }

    /** A message with {@code id} in its first 8 bytes, then bytes that follow from it; short or long. */
    static byte[] message(long id, boolean large) {
        byte[] bytes = new byte[large ? LONG_MESSAGE : 16];
        for (int i = 0; i < 8; i++) {
            bytes[i] = (byte) (id >>> (56 - 8 * i));
        }
        for (int i = 8; i < bytes.length; i++) {
            bytes[i] = (byte) (id * 31 + i);
        }
        return bytes;
    }

    /** The id of a message, after checking its bytes. */
    static long idOf(byte[] bytes) {
        long id = 0;
        for (int i = 0; i < 8; i++) {
            id = id << 8 | (bytes[i] & 0xff);
        }
        for (int i = 8; i < bytes.length; i++) {
            if (bytes[i] != (byte) (id * 31 + i)) {
                throw new AssertionError("byte " + i + " of message " + id + " is corrupt");
            }
        }
        return id;
    }

    private static long taskId(int round, int task) {
        return round * (long) TASKS + task;
    }

    private static long messageId(long taskId, int k) {
        return taskId * 100 + k;
    }

    private void count(String what) {
        count(what, 1);
    }

    private void count(String what, long n) {
        totals.merge(what, n, Long::sum);
    }

    /** Waits until the tasks have recorded {@code puts} puts in all. */
    private static void awaitProgress(SharedLongArray done, int puts) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
        for (;;) {
            long sum = 0;
            for (int t = 0; t < TASKS; t++) {
                sum += done.get(t);
            }
            if (sum >= puts) {
                return;
            }
            expect(System.nanoTime() - deadline < 0, puts + " puts in time, " + sum + " made");
            Thread.onSpinWait();
        }
    }

    private static long awaitNonZero(SharedLongArray array, int index) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
        while (array.get(index) == 0) {
            expect(System.nanoTime() - deadline < 0, "element " + index + " set in time");
            Thread.sleep(1);
        }
        return array.get(index);
    }
}
