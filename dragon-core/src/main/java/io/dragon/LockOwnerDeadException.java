package io.dragon;

/**
 * The process holding a {@link Lock} died without releasing it: killed, crashed, or on a node that was lost (a holder
 * on another node holds it under a lease it renews). The data the lock protects may be inconsistent. The lock stays
 * held by the dead process, so that every waiter hears of it, until a process that has set the data right calls
 * {@link Lock#recover(int)} with {@link #deadPid()}.
 */
public final class LockOwnerDeadException extends DragonException {
    private static final long serialVersionUID = 1L;

    private final int deadPid;

    LockOwnerDeadException(String message, int deadPid) {
        super(message);
        this.deadPid = deadPid;
    }

    /** The pid of the process that died holding the lock (on the lock's node, or on another). */
    public int deadPid() {
        return deadPid;
    }
}
