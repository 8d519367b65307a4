package io.dragon;

import java.io.Serializable;
import java.util.concurrent.CompletableFuture;

/**
 * The value of a Callable run in its own process ({@link Process#call}): the future completes once that process
 * has exited, with what the Callable returned or, if it threw, exceptionally with a {@link RemoteTaskException}
 * that carries the remote stack trace ({@link #get()} throws it as the cause of an ExecutionException). A process
 * that exits without a value (killed, say) fails it with a {@link DragonException} giving the exit code. No thread
 * waits for it: {@link Process#onExit()} completes it, so dependent stages run in CompletableFuture's default
 * executor.
 *
 * <p>{@link #cancel} kills the process. Completing the future from outside ({@code complete},
 * {@code completeExceptionally}, {@code obtrude...}) settles only the future, as for any CompletableFuture (the
 * task of {@link CompletableFuture#supplyAsync} runs on too): the process runs to its end and its value is dropped.
 */
public final class ProcessFuture<V> extends CompletableFuture<V> {
    private final Process process;

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

    /** Completes once {@code process} has exited, from what it put on {@code outcome}, which it then destroys. */
    ProcessFuture(Process process, Queue<Outcome> outcome) {
        this.process = process;
        process.onExit().whenComplete((exited, failure) -> {
            try {
                settle(failure != null ? null : outcome.poll(), failure);
            } catch (RuntimeException e) {
                completeExceptionally(e);
            } finally {
                outcome.destroy();
            }
        });
    }

    /** The process the Callable runs in. */
    public Process process() {
        return process;
    }

    /** Kills the process, unless the future is done already; then completes with a CancellationException. */
    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        boolean cancelled = super.cancel(mayInterruptIfRunning);
        if (cancelled) {
            process.kill();
        }
        return cancelled;
    }

    /**
     * Completes from the outcome the process left (the queue holds it before the process exits: a put returns once
     * the element is in the channel), or from why its exit could not be learnt.
     */
    @SuppressWarnings("unchecked")
    private void settle(Outcome received, Throwable exitFailure) {
        if (exitFailure != null) {
            completeExceptionally(exitFailure);
        } else if (received == null) {
            completeExceptionally(new DragonException(process + " exited with " + process.exitCode().orElse(-1)
                + " without a result"));
        } else if (received.failure() != null) {
            completeExceptionally(received.failure());
        } else {
            complete((V) received.value());
        }
    }
}
