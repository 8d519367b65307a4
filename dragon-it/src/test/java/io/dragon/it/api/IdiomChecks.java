package io.dragon.it.api;

import io.dragon.Barrier;
import io.dragon.DragonException;
import io.dragon.Event;
import io.dragon.Lock;
import io.dragon.Machine;
import io.dragon.ObjectDestroyedException;
import io.dragon.ObjectNotFoundException;
import io.dragon.Pool;
import io.dragon.Process;
import io.dragon.ProcessGroup;
import io.dragon.ProcessTemplate;
import io.dragon.Queue;
import io.dragon.RemoteTaskException;
import io.dragon.Semaphore;
import io.dragon.SerializableCallable;
import io.dragon.SharedObject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The java.util.concurrent idioms of the API, with real processes: CompletableFutures from {@link Pool#submit} and
 * {@link Process#call}, {@link Process#onExit()}, try-with-resources on Pool, Queue and ProcessGroup, and the
 * Duration forms of the timed waits (each must give up, having waited: see {@link #timed}).
 */
public final class IdiomChecks extends Checks {
    private static final Duration SHORT = Duration.ofMillis(200);
    private static final long SECONDS = 60;

    public static void main(String[] args) {
        new IdiomChecks().run();
    }

    private void run() {
        try (Pool pool = Pool.create(2)) {
            check("a future of submit completes with the value, or the task's exception, and chains", () -> {
                CompletableFuture<Integer> answer = pool.submit((SerializableCallable<Integer>) () -> 6 * 7);
                expectEquals(43, answer.thenApply(x -> x + 1).get(SECONDS, TimeUnit.SECONDS), "chained value");
                CompletableFuture<Integer> failing = pool.submit((SerializableCallable<Integer>) () -> 1 / zero());
                ExecutionException e = expectThrows(ExecutionException.class, failing::get);
                expect(e.getCause() instanceof RemoteTaskException, "a RemoteTaskException, got " + e.getCause());
                CompletionException c = expectThrows(CompletionException.class, failing::join);
                expect(c.getCause() instanceof RemoteTaskException, "join's cause, got " + c.getCause());
                CompletableFuture<Void> ran = pool.submit((Runnable & java.io.Serializable) () -> { });
                expectEquals(null, ran.get(SECONDS, TimeUnit.SECONDS), "a Runnable's value");
            });
            check("cancel and complete from outside settle only the future; the pool goes on", () -> {
                Queue<Integer> release = Queue.create(2);
                CompletableFuture<Integer> held = pool.submit((SerializableCallable<Integer>) release::take);
                expect(held.cancel(true), "cancel");
                expect(held.isCancelled(), "cancelled");
                expectThrows(CancellationException.class, held::get);
                CompletableFuture<Integer> settled = pool.submit((SerializableCallable<Integer>) release::take);
                expect(settled.complete(-1), "complete from outside");
                release.put(1);
                release.put(2);
                expectEquals(-1, settled.get(), "the caller's value, not the task's");
                expectEquals(7, pool.submit((SerializableCallable<Integer>) () -> 7).get(SECONDS, TimeUnit.SECONDS),
                    "the pool still works");
                release.destroy();
            });
            check("Duration forms of invokeAll, invokeAny and awaitTermination give up at their timeout", () -> {
                Queue<Integer> release = Queue.create(8);
                SerializableCallable<Integer> held = release::take;
                List<Callable<Integer>> tasks = List.of(held, held);
                expectTimedOut(() -> expectThrows(TimeoutException.class, () -> pool.invokeAny(tasks, SHORT)));
                List<Future<Integer>> futures = timed(() -> pool.invokeAll(tasks, SHORT));
                expect(futures.stream().allMatch(Future::isCancelled), "invokeAll's tasks cancelled at its timeout");
                expect(!timed(() -> pool.awaitTermination(SHORT)), "a running pool not to terminate");
                for (int i = 0; i < 4; i++) {
                    release.put(i);
                }
                release.destroy(); // the cancelled tasks run on: released, or failed by this, none holds up close
            });
        }
        check("a future of Process.call chains; one whose process exits without a value fails with its code", () -> {
            expectEquals(43, Process.call(() -> 6 * 7).thenApply(x -> x + 1).get(SECONDS, TimeUnit.SECONDS),
                "chained value");
            ExecutionException e = expectThrows(ExecutionException.class, Process.call(() -> {
                Runtime.getRuntime().halt(3);
                return 0;
            })::get);
            expect(e.getCause() instanceof DragonException && e.getCause().getMessage().contains("exited with 3"),
                "the exit code in " + e.getCause());
        });
        check("onExit completes when the process exits, with its exit code; its future is the caller's own", () -> {
            Process sleeper = ProcessTemplate.exec("sleep", "60").start();
            CompletableFuture<Process> exit = sleeper.onExit();
            expect(sleeper.onExit().cancel(true), "cancel another onExit future");
            expect(!exit.isDone() && sleeper.isAlive(), "the process, and this future, not to end with that");
            sleeper.kill();
            expect(exit.get(SECONDS, TimeUnit.SECONDS) == sleeper, "this handle");
            expectEquals(128 + 9, sleeper.exitCode().orElse(-1), "the exit code after SIGKILL");
            Process done = ProcessTemplate.exec("/bin/sh", "-c", "exit 4").start();
            done.join();
            expectEquals(4, done.onExit().get(SECONDS, TimeUnit.SECONDS).exitCode().orElse(-1), "after the exit");
            CompletableFuture<?>[] exits = new CompletableFuture<?>[8];
            for (int i = 0; i < exits.length; i++) {
                exits[i] = ProcessTemplate.exec("sleep", "0.2").start().onExit();
            }
            CompletableFuture.allOf(exits).get(SECONDS, TimeUnit.SECONDS);
        });
        check("try-with-resources closes a Pool, a Queue and a ProcessGroup, and closing again does nothing", () -> {
            Pool closed;
            try (Pool pool = Pool.create(1)) {
                closed = pool;
                expectEquals(1, pool.submit((SerializableCallable<Integer>) () -> 1).get(), "a task");
            }
            expect(closed.isTerminated(), "the pool terminated");
            closed.close();
            Queue<String> gone;
            try (Queue<String> queue = Queue.create("idiom-checks-queue", 4)) {
                gone = queue;
                queue.put("x");
                expectEquals("x", queue.take(), "an element");
            }
            expectThrows(ObjectDestroyedException.class, () -> gone.offer("y"));
            expectThrows(ObjectNotFoundException.class, () -> Queue.lookup("idiom-checks-queue"));
            gone.close();
            ProcessGroup killed;
            try (ProcessGroup group = new ProcessGroup().add(ProcessTemplate.exec("sleep", "60"), 2).start()) {
                killed = group;
            }
            expect(!killed.join(), "killed members to fail");
            for (ProcessGroup.Member member : killed.members()) {
                expectEquals(128 + 9, member.exitCode(), "a member's exit code");
            }
            killed.close();
        });
        check("an interrupted Pool.close kills the workers and returns with the interrupt set", () -> {
            CompletableFuture<Integer> slow;
            Pool pool = Pool.create(1);
            slow = pool.submit((SerializableCallable<Integer>) () -> {
                Thread.sleep(60_000);
                return 1;
            });
            Thread.currentThread().interrupt();
            pool.close();
            expect(Thread.interrupted(), "the interrupt kept");
            expect(pool.isTerminated() && slow.isCancelled(), "terminated, the task cancelled");
        });
        check("Pool.create() has a worker per CPU of the allocation", () -> {
            try (Pool pool = Pool.create()) {
                expectEquals(Machine.current().cpus(), pool.workers(), "workers");
            }
        });
        check("the Duration forms of the timed waits give up at their timeout", () -> {
            Queue<Integer> queue = Queue.create(2);
            expectTimedOut(() -> expect(queue.poll(SHORT) == null, "nothing from an empty queue"));
            queue.put(1);
            queue.put(2);
            expectTimedOut(() -> expect(!queue.offer(3, SHORT), "no room in a full queue"));
            expectEquals(1, queue.poll(SHORT), "an element there");
            queue.destroy();
            Semaphore none = Semaphore.create(0);
            expectTimedOut(() -> expect(!none.tryAcquire(SHORT), "no permit"));
            expectTimedOut(() -> expect(!none.tryAcquire(2, SHORT), "no permits"));
            Barrier pair = Barrier.create(2);
            expectTimedOut(() -> expectThrows(TimeoutException.class, () -> pair.await(SHORT)));
            Event event = Event.create();
            expectTimedOut(() -> expect(!event.await(SHORT), "an event not set"));
            event.set();
            expect(event.await(SHORT), "a set event");
            Lock lock = Lock.create();
            lock.lock();
            expect(!Process.call(() -> lock.tryLock(SHORT)).get(SECONDS, TimeUnit.SECONDS),
                "another process not to take a held lock");
            lock.unlock();
            Process sleeper = ProcessTemplate.exec("sleep", "60").start();
            expectTimedOut(() -> expect(!sleeper.join(SHORT), "a running process"));
            sleeper.kill();
            expect(sleeper.join(Duration.ofSeconds(SECONDS)), "a killed process");
            try (ProcessGroup group = new ProcessGroup().add(ProcessTemplate.exec("sleep", "60"), 1).start()) {
                expectTimedOut(() -> expect(!group.join(SHORT), "a running group"));
            }
            List.<SharedObject>of(none, pair, event, lock).forEach(SharedObject::destroy);
        });
        finish();
    }

    /** {@link #timed} for a wait that returns nothing. */
    private static void expectTimedOut(Body wait) throws Exception {
        timed(() -> {
            wait.run();
            return null;
        });
    }

    /**
     * Runs a wait of {@link #SHORT} that must time out, and checks that it waited at least half of that: a lower
     * bound with room for clock granularity, which a Duration lost or read in the wrong unit falls short of.
     */
    private static <T> T timed(Callable<T> wait) throws Exception {
        long start = System.nanoTime();
        T result = wait.call();
        long waited = System.nanoTime() - start;
        expect(waited >= SHORT.toNanos() / 2, "a wait of about " + SHORT + ", not " + waited + " ns");
        return result;
    }

    private static int zero() {
        return 0;
    }
}
