package io.dragon.core.channels;

import java.io.Serializable;

/**
 * Messages looked at in a channel without taking them ({@link Channel#peek}): copies, each with its position in
 * the channel's order (for {@link Channel#remove(long)}), the position to look on from, and the end of the look.
 *
 * @param positions the position of each message
 * @param messages  a copy of each message
 * @param next      where to look on from
 * @param end       the tail when the look began (or the end it was given): where looking on stops
 */
public record Peeked(long[] positions, byte[][] messages, long next, long end) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** How many messages it holds. */
    public int count() {
        return positions.length;
    }

    /** Whether looking on from {@link #next()} could see more. */
    public boolean more() {
        return next < end;
    }
}
