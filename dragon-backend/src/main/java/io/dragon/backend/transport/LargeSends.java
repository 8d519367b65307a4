package io.dragon.backend.transport;

import io.netty.buffer.ByteBuf;

/**
 * The large frames the fabric agent sends, by cookie (the number their LARGE and READ_DONE messages name): each
 * from its staging until its receiver has read it, with the sequence and tag of its bytes ({@link FrameTags}) and
 * its registration for the receiver's read.
 */
final class LargeSends extends SlotTable {
    private final long[] sequences;
    private final byte[][] tags;
    private final long[] registrations;

    LargeSends(int size) {
        super(size);
        sequences = new long[size];
        tags = new byte[size][FrameTags.BYTES];
        registrations = new long[size];
    }

    /** Gives {@code frame} for {@code node} a cookie, with the sequence its tag is made with; the cookie. */
    int stage(ByteBuf frame, int node, long sequence) {
        int cookie = take(frame, node);
        sequences[cookie] = sequence;
        return cookie;
    }

    /** Whether {@code cookie} names a large frame that is out (a READ_DONE may name anything). */
    boolean isOut(long cookie) {
        return cookie >= 0 && cookie < size() && buffer((int) cookie) != null;
    }

    /** The sequence large frame {@code cookie} is tagged with. */
    long sequence(int cookie) {
        return sequences[cookie];
    }

    /** The tag of large frame {@code cookie}'s bytes, which its tagger writes (zero if none does). */
    byte[] tag(int cookie) {
        return tags[cookie];
    }

    /** Sets the registration of large frame {@code cookie}'s memory, which its receiver reads. */
    void registered(int cookie, long registration) {
        registrations[cookie] = registration;
    }

    /** The registration of large frame {@code cookie}'s memory. */
    long registration(int cookie) {
        return registrations[cookie];
    }
}
