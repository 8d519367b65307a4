package io.dragon.core.locks;

/**
 * The process holding a shared lock has died without releasing it. The data the lock protects may be
 * inconsistent; the lock stays held until {@link SharedLock#recover(int)} is called.
 */
public final class OwnerDeadException extends IllegalStateException {
    private final int deadPid;

    public OwnerDeadException(String lockName, int deadPid) {
        super(lockName + " is held by process " + deadPid + ", which has died without releasing it; the data it"
            + " protects may be inconsistent");
        this.deadPid = deadPid;
    }

    public int deadPid() {
        return deadPid;
    }
}
