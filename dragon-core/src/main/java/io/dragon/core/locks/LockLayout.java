package io.dragon.core.locks;

/**
 * Layout of a {@link SharedLock} in shared memory (64 bytes, one cache line, 64-byte aligned).
 *
 * <pre>
 *  offset  size
 *       0     4  locked       (0 free, 1 held)
 *       4     4  priority     (pid of the waiter that has waited too long and takes the lock next, or 0)
 *       8     4  holder pid   (0 while free)
 *      12     4  (padding)
 *      16     8  {@link io.dragon.core.sync.SignalLayout signal}: waiters sleep here
 *      24     8  lease: 0, or while a transport agent holds the lock for a process of another node, the wall-clock
 *                time (ms) until which that process counts as alive; it renews it while it holds the lock
 *      32     8  remote holder: 0, or while a transport agent holds the lock for a process of another node, that
 *                process (see {@link SharedLock#remoteHolder}): only it may release the lock or renew the lease
 *      40    24  (padding to the cache line)
 * </pre>
 */
public final class LockLayout {
    public static final int LOCKED_OFFSET = 0;
    public static final int PRIORITY_OFFSET = 4;
    public static final int HOLDER_PID_OFFSET = 8;
    public static final int SIGNAL_OFFSET = 16;
    public static final int LEASE_OFFSET = 24;
    public static final int REMOTE_HOLDER_OFFSET = 32;
    public static final int LENGTH = 64;
    public static final int ALIGNMENT = 64;

    private LockLayout() {
    }
}
