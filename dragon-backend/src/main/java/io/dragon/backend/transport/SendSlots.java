package io.dragon.backend.transport;

import io.netty.buffer.ByteBuf;
import java.util.Arrays;

/**
 * The fabric agent's send slots (those of the endpoint's send slab): each holds a message posted and not yet
 * completed, with the frame it carries (whose request is answered if it cannot be delivered) or the large frame it
 * offers, and since when it waits.
 */
final class SendSlots extends SlotTable {
    private final int[] cookies;
    private final long[] postedAt;
    private final boolean[] abandoned;

    SendSlots(int size) {
        super(size);
        cookies = new int[size];
        postedAt = new long[size];
        abandoned = new boolean[size];
        Arrays.fill(cookies, -1);
    }

    /** Takes slot {@link #next}, posted now for {@code frame} to {@code node}. */
    void posted(ByteBuf frame, int node) {
        posted(take(frame, node), -1);
    }

    /**
     * Takes slot {@link #next}, posted now to offer large frame {@code cookie} ({@link LargeSends}) to {@code node}.
     */
    void offered(int cookie, int node) {
        posted(take(null, node), cookie);
    }

    private void posted(int slot, int cookie) {
        cookies[slot] = cookie;
        postedAt[slot] = System.nanoTime();
        abandoned[slot] = false;
    }

    /** The large frame slot {@code slot} offers, or -1. */
    int cookie(int slot) {
        return cookies[slot];
    }

    /** Whether slot {@code slot}'s frame has been answered as undeliverable ({@link #abandon}). */
    boolean abandoned(int slot) {
        return abandoned[slot];
    }

    /** Gives slot {@code slot} back, its send complete; its frame, now the caller's, or null. */
    ByteBuf completed(int slot) {
        cookies[slot] = -1;
        return give(slot);
    }

    /**
     * Whether slot {@code slot} holds a message that has waited {@code timeoutNanos} or more at {@code now} and was
     * not abandoned before: it is now (its frame is then the caller's to answer; the slot stays taken until the
     * provider lets go of it).
     */
    boolean abandon(int slot, long now, long timeoutNanos) {
        boolean inUse = buffer(slot) != null || cookies[slot] >= 0;
        if (!inUse || abandoned[slot] || now - postedAt[slot] < timeoutNanos) {
            return false;
        }
        abandoned[slot] = true;
        return true;
    }
}
