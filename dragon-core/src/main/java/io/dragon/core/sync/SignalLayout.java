package io.dragon.core.sync;

/**
 * Layout of a {@link Signal} in shared memory: two 32-bit words, 4-byte aligned (the futex word must be).
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |            sequence (futex word, bumped on each wake)         |
 *  +---------------------------------------------------------------+
 *  |            sleepers (threads announced to sleep)              |
 *  +---------------------------------------------------------------+
 * </pre>
 */
public final class SignalLayout {
    public static final int SEQUENCE_OFFSET = 0;
    public static final int SLEEPERS_OFFSET = 4;
    public static final int LENGTH = 8;

    private SignalLayout() {
    }
}
