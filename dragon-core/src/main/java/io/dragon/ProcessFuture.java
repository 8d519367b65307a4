package io.dragon;

import java.io.Serializable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The value of a Callable run in its own process ({@link Process#call}): {@link #get()} waits for it; if the
 * Callable threw, get() throws ExecutionException whose cause, a {@link RemoteTaskException}, carries the remote
 * stack trace. {@link #cancel} kills the process.
 */
public final class ProcessFuture<V> implements Future<V> {
    private final Process process;
    private final Queue<Outcome> outcome;
    private Outcome received;
    private volatile boolean cancelled;

    /** What the Callable returned or threw. */
    record Outcome(Object value, RemoteTaskException failure) implements Serializable {
    }

    /** Runs the Callable in the new process and puts its outcome on the queue. */
    record CallTarget(SerializableCallable<?> callable, Queue<Outcome> outcome) implements SerializableRunnable {
        @Override
        public void run() {
            Outcome result;
            try {
                result = new Outcome(callable.call(), null);
            } catch (Exception e) {
                result = new Outcome(null, new RemoteTaskException(e, ProcessHandle.current().pid()));
            }
            try {
                outcome.put(result);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DragonException("interrupted while sending the result", e);
            }
            if (result.failure() != null) {
                System.exit(1);
            }
        }
    }

    ProcessFuture(Process process, Queue<Outcome> outcome) {
        this.process = process;
        this.outcome = outcome;
    }

    /** The process the Callable runs in. */
    public Process process() {
        return process;
    }

    @Override
    public V get() throws InterruptedException, ExecutionException {
        try {
            return get(Long.MAX_VALUE / 2, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("a wait without deadline timed out", e);
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public synchronized V get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException,
        TimeoutException {
        if (cancelled) {
            throw new CancellationException("the call was cancelled and its process killed");
        }
        if (received == null) {
            long deadline = System.nanoTime() + unit.toNanos(timeout);
            while (received == null) {
                received = outcome.poll(Math.min(100, Math.max(0, (deadline - System.nanoTime()) / 1_000_000)),
                    TimeUnit.MILLISECONDS);
                if (received == null && !process.isAlive()) {
                    received = outcome.poll(); // it may have put its outcome just before it exited
                    if (received == null) {
                        throw new ExecutionException(new DragonException(process + " exited with "
                            + process.exitCode().orElse(-1) + " without a result"));
                    }
                }
                if (received == null && System.nanoTime() - deadline >= 0) {
                    throw new TimeoutException("no result from " + process + " in time");
                }
            }
            outcome.destroy();
        }
        if (received.failure() != null) {
            throw new ExecutionException(received.failure());
        }
        return (V) received.value();
    }

    /** Kills the process if it has not delivered its value yet. */
    @Override
    public synchronized boolean cancel(boolean mayInterruptIfRunning) {
        if (received != null || cancelled) {
            return false;
        }
        cancelled = true;
        process.kill();
        outcome.destroy();
        return true;
    }

    @Override
    public boolean isCancelled() {
        return cancelled;
    }

    @Override
    public synchronized boolean isDone() {
        return cancelled || received != null || !process.isAlive();
    }
}
