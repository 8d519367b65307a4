package io.dragon.it.api;

import io.dragon.DragonException;
import io.dragon.Pool;
import io.dragon.Queue;
import io.dragon.RemoteTaskException;
import io.dragon.SerializableCallable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/** {@link Pool} as an ExecutorService and as Python's Pool: results, failures, shutdown. */
public final class PoolChecks extends Checks {
    public static void main(String[] args) throws InterruptedException {
        new PoolChecks().run();
    }

    private void run() throws InterruptedException {
        try (Pool pool = Pool.create(2)) {
            check("map of 100,000 tasks returns every result in order", () -> {
                List<Integer> inputs = new ArrayList<>();
                for (int i = 0; i < 100_000; i++) {
                    inputs.add(i);
                }
                List<Long> results = pool.map(x -> 3L * x + 1, inputs);
                expectEquals(100_000, results.size(), "results");
                for (int i = 0; i < results.size(); i++) {
                    if (results.get(i) != 3L * i + 1) {
                        throw new AssertionError("result " + i + " is " + results.get(i));
                    }
                }
            });
            check("map with chunk size 1 and imap keep input order", () -> {
                List<String> words = List.of("a", "bb", "ccc", "dddd", "eeeee");
                expectEquals(List.of(1, 2, 3, 4, 5), pool.map(String::length, words, 1), "map");
                Iterator<String> upper = pool.imap(String::toUpperCase, words, 2);
                List<String> got = new ArrayList<>();
                upper.forEachRemaining(got::add);
                expectEquals(List.of("A", "BB", "CCC", "DDDD", "EEEEE"), got, "imap");
            });
            check("a failing element fails map with its remote exception, and imap at that element", () -> {
                List<Integer> inputs = List.of(1, 2, 0, 4);
                ExecutionException e = expectThrows(ExecutionException.class, () -> pool.map(x -> 12 / x, inputs, 1));
                expect(e.getCause() instanceof RemoteTaskException, "a RemoteTaskException, got " + e.getCause());
                Iterator<Integer> results = pool.imap(x -> 12 / x, inputs, 1);
                expectEquals(12, results.next(), "first");
                expectEquals(6, results.next(), "second");
                expectThrows(DragonException.class, results::next);
            });
            check("submit returns the task's value; Runnables run", () -> {
                Future<String> hello = pool.submit((SerializableCallable<String>) () -> "hello from "
                    + ProcessHandle.current().pid());
                expect(hello.get(30, TimeUnit.SECONDS).startsWith("hello from "), "a greeting");
                expect(!hello.get().equals("hello from " + ProcessHandle.current().pid()),
                    "the task to run in another process");
                expectEquals("done", pool.submit((Runnable & java.io.Serializable) () -> { }, "done").get(),
                    "a Runnable's given result");
            });
            check("a throwing task fails its future with the remote stack trace", () -> {
                Future<Integer> failing = pool.submit((SerializableCallable<Integer>) () -> 1 / zero());
                ExecutionException e = expectThrows(ExecutionException.class, failing::get);
                expect(e.getCause() instanceof RemoteTaskException, "a RemoteTaskException, got " + e.getCause());
                RemoteTaskException remote = (RemoteTaskException) e.getCause();
                expectEquals("java.lang.ArithmeticException", remote.remoteClassName(), "remote class");
                expect(remote.getStackTrace().length > 0 && List.of(remote.getStackTrace()).toString()
                    .contains("PoolChecks"), "the worker's frames in " + List.of(remote.getStackTrace()));
                expectEquals(7, pool.submit((SerializableCallable<Integer>) () -> 7).get(), "the pool still works");
            });
            check("invokeAll waits for all; invokeAny returns a success", () -> {
                List<Callable<Integer>> tasks = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    int n = i;
                    tasks.add((SerializableCallable<Integer>) () -> n * n);
                }
                List<Future<Integer>> futures = pool.invokeAll(tasks);
                for (int i = 0; i < 10; i++) {
                    expect(futures.get(i).isDone(), "task " + i + " done");
                    expectEquals(i * i, futures.get(i).get(), "task " + i);
                }
                List<Callable<Integer>> mixed = List.of((SerializableCallable<Integer>) () -> 1 / zero(),
                    (SerializableCallable<Integer>) () -> 5);
                expectEquals(5, pool.invokeAny(mixed), "the successful task");
            });
            check("a task queued behind a long one runs in a worker that has nothing to do", () -> {
                Queue<Integer> release = Queue.create(2);
                Future<Integer> blocked = pool.submit((SerializableCallable<Integer>) release::take);
                List<Future<Integer>> quick = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    int n = i;
                    quick.add(pool.submit((SerializableCallable<Integer>) () -> n));
                }
                for (int i = 0; i < 6; i++) {
                    expectEquals(i, quick.get(i).get(60, TimeUnit.SECONDS), "quick task " + i);
                }
                expect(!blocked.isDone(), "the long task still running");
                release.put(1);
                expectEquals(1, blocked.get(60, TimeUnit.SECONDS), "the long task");
                release.destroy();
            });
            check("tasks and captures that are not Serializable are refused with a reason", () -> {
                Callable<Integer> plain = () -> 1;
                expect(expectThrows(DragonException.class, () -> pool.submit(plain)).getMessage()
                    .contains("Serializable"), "the reason");
                Object notSerializable = new Object();
                DragonException e = expectThrows(DragonException.class,
                    () -> pool.submit((SerializableCallable<Integer>) () -> notSerializable.hashCode()));
                expect(e.getMessage().contains("java.lang.Object"), "the culprit named in: " + e.getMessage());
            });
            check("shutdown finishes queued tasks, then refuses new ones and terminates", () -> {
                List<Future<Integer>> queued = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    int n = i;
                    queued.add(pool.submit((SerializableCallable<Integer>) () -> {
                        Thread.sleep(5);
                        return n;
                    }));
                }
                pool.shutdown();
                expect(pool.isShutdown(), "isShutdown");
                expectThrows(RejectedExecutionException.class,
                    () -> pool.submit((SerializableCallable<Integer>) () -> 1));
                for (int i = 0; i < 20; i++) {
                    expectEquals(i, queued.get(i).get(30, TimeUnit.SECONDS), "queued task " + i);
                }
                expect(pool.awaitTermination(30, TimeUnit.SECONDS), "termination");
                expect(pool.isTerminated(), "isTerminated");
            });
        }
        check("shutdownNow kills the workers and cancels what is pending", () -> {
            try (Pool pool = Pool.create(1)) {
                Future<Integer> slow = pool.submit((SerializableCallable<Integer>) () -> {
                    Thread.sleep(60_000);
                    return 1;
                });
                Thread.sleep(300);
                pool.shutdownNow();
                expect(slow.isCancelled(), "the slow task cancelled");
                expect(pool.awaitTermination(30, TimeUnit.SECONDS), "termination");
            }
        });
        finish();
    }

    private static int zero() {
        return 0;
    }
}
