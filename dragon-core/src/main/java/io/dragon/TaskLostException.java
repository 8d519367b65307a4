package io.dragon;

/**
 * A task of a {@link Pool} was lost: the worker process that ran it died (killed, out of memory, or the task
 * halted its JVM) before sending its result. {@code Future.get()} reports it as the cause of an
 * ExecutionException; the message names the worker and its exit code. The pool replaces the worker and runs its
 * other tasks.
 */
public final class TaskLostException extends DragonException {
    private static final long serialVersionUID = 1L;

    TaskLostException(String message) {
        super(message);
    }

    TaskLostException(String message, Throwable cause) {
        super(message, cause);
    }
}
