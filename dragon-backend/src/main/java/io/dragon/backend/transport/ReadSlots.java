package io.dragon.backend.transport;

import io.netty.buffer.ByteBuf;

/**
 * The large frames the fabric agent is reading (RMA), by read token: the buffer each is read into, and what its
 * LARGE message said (the sender's cookie, to give back in READ_DONE; the sequence and tag of its bytes).
 */
final class ReadSlots extends SlotTable {
    private final long[] cookies;
    private final long[] sequences;
    private final byte[][] tags;

    ReadSlots(int size) {
        super(size);
        cookies = new long[size];
        sequences = new long[size];
        tags = new byte[size][FrameTags.BYTES];
    }

    /**
     * Takes token {@link #next} to read large frame {@code cookie} of {@code source} into {@code buffer}; the array
     * for its tag, to fill.
     */
    byte[] started(ByteBuf buffer, int source, long cookie, long sequence) {
        int token = take(buffer, source);
        cookies[token] = cookie;
        sequences[token] = sequence;
        return tags[token];
    }

    /** The sender's cookie of the frame that read {@code token} reads. */
    long cookie(int token) {
        return cookies[token];
    }

    /** The sequence its LARGE message says the frame is tagged with. */
    long sequence(int token) {
        return sequences[token];
    }

    /** The tag its LARGE message says the frame's bytes have. */
    byte[] tag(int token) {
        return tags[token];
    }
}
