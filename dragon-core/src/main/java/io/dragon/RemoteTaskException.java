package io.dragon;

/**
 * A task of a {@link Pool} threw in its worker process; this carries what it threw: the class name, the message and
 * the stack trace from the worker (the exception itself may not exist, or not deserialize, in the caller).
 * {@code Future.get()} reports it as the cause of an ExecutionException.
 */
public final class RemoteTaskException extends DragonException {
    private static final long serialVersionUID = 1L;
    private final String remoteClassName;

    /** The failure {@code thrown} by a task in the worker process with pid {@code workerPid}. */
    public RemoteTaskException(Throwable thrown, long workerPid) {
        super(thrown + " (in worker process " + workerPid + ")");
        this.remoteClassName = thrown.getClass().getName();
        setStackTrace(thrown.getStackTrace());
        if (thrown.getCause() != null && thrown.getCause() != thrown) {
            initCause(new RemoteTaskException(thrown.getCause(), workerPid));
        }
    }

    /** The class of what the task threw, such as {@code java.lang.ArithmeticException}. */
    public String remoteClassName() {
        return remoteClassName;
    }
}
