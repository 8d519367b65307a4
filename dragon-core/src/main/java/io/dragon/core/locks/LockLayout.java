package io.dragon.core.locks;

/**
 * Layout of a {@link SharedLock} in shared memory (64 bytes, one cache line, 64-byte aligned).
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |            holder pid (0: free)                               |  0 \ lock word: one 64-bit atomic,
 *  +---------------------------------------------------------------+     | pid in bits 0-31, generation
 *  |            generation (bumped by each take)                   |  4 /  in bits 32-63 (little-endian)
 *  +---------------------------------------------------------------+
 *  |            priority (pid of the waiter that takes it next, 0) |  8
 *  +---------------------------------------------------------------+
 *  |            (padding)                                          | 12
 *  +---------------------------------------------------------------+
 *  |            signal (8 bytes): waiters sleep here               | 16
 *  +---------------------------------------------------------------+
 *  |            lease (8 bytes): 0, or the wall-clock ms until     | 24
 *  |            which the remote holder counts as alive            |
 *  +---------------------------------------------------------------+
 *  |            remote holder (8 bytes): 0, or the process of      | 32
 *  |            another node the holder holds the lock for         |
 *  |            (node in the high half, pid in the low half)       |
 *  +---------------------------------------------------------------+
 *  |            (padding to the cache line, 24 bytes)              | 40
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <p>The signal is a {@link io.dragon.core.sync.SignalLayout}; the remote holder is written by
 * {@link SharedLock#holdFor} (see {@link SharedLock#remoteHolder(int, int)}).
 *
 * <p>Crash safety: the holder's identity is the lock word, so a process killed at any instruction leaves the lock
 * either free or held by its pid, never held by nobody. A take is one compare-and-set of the word from (g, 0) to
 * (g+1, pid); a release one store of (g, 0) (a compare-and-set from (g, pid) for a holding with a lease, which another
 * process may recover once it runs out). The remote holder and the lease are written only while the word names their
 * writer (after the take) and cleared before the release, so a free lock never has them: a kill between the take and
 * writing them, or between clearing them and the release, leaves a lock held by a dead pid with the record partly
 * written, which waiters report as {@link OwnerDeadException} and {@link SharedLock#recover} clears. The generation
 * lets a reader check that the lease and record it read belong to the holding it saw (the word is the same before and
 * after), even when one agent takes the lock again and again. A waiter's priority claim is its pid set by one
 * compare-and-set; a dead claimant's is dropped by the next waiter.
 */
public final class LockLayout {
    public static final int WORD_OFFSET = 0;
    public static final int PRIORITY_OFFSET = 8;
    public static final int SIGNAL_OFFSET = 16;
    public static final int LEASE_OFFSET = 24;
    public static final int REMOTE_HOLDER_OFFSET = 32;
    public static final int LENGTH = 64;
    public static final int ALIGNMENT = 64;

    private LockLayout() {
    }
}
