package io.dragon.backend.transport;

/**
 * The counters of one sender's messages that have been accepted, so that each message is performed at most once:
 * IPsec's anti-replay window (the highest counter accepted and a bitmap of those below it), kept as a ring of
 * words so that moving it never shifts bits (RFC 6479). A counter is accepted once, and only if it is less than
 * {@link #SIZE} below the highest accepted; counters start at 1.
 *
 * <p>The window is wider than the 64 messages an agent can have in flight (its send slots), because providers that
 * do not order messages (efa, unless asked) may deliver one after more than 64 later ones: a window that has moved
 * past it would drop it, and its request would never be answered. Used by one thread.
 */
final class ReplayWindow {
    private static final int WORDS = 16;
    /** How far below the highest accepted counter a counter is still accepted: one word is kept for the ring. */
    static final int SIZE = (WORDS - 1) * Long.SIZE;

    private final long[] seen = new long[WORDS];
    private long highest;

    /** Whether {@code counter} is new and within the window; if so it is marked as seen. */
    boolean accept(long counter) {
        if (counter <= 0) {
            return false;
        }
        if (counter > highest) {
            // The words the window enters held counters that are now below it: clear them.
            long last = highest >>> 6;
            long first = counter >>> 6;
            for (long word = last + 1; word <= Math.min(first, last + WORDS); word++) {
                seen[word(word)] = 0;
            }
            highest = counter;
        } else if (highest - counter >= SIZE) {
            return false;
        }
        int word = word(counter >>> 6);
        long bit = 1L << (counter & 63);
        if ((seen[word] & bit) != 0) {
            return false;
        }
        seen[word] |= bit;
        return true;
    }

    private static int word(long word) {
        return (int) (word & (WORDS - 1));
    }
}
