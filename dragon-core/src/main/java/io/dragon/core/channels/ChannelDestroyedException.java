package io.dragon.core.channels;

import io.dragon.core.shm.ObjectGoneException;

/**
 * The channel was destroyed: its descriptor and handles are no longer usable. A type of its own, for a channel of
 * this node or another: the transport sends it as its own status, and callers tell it from other failures.
 */
public final class ChannelDestroyedException extends ObjectGoneException {
    public ChannelDestroyedException(long cuid) {
        super("channel " + cuid + " has been destroyed (or its runtime has ended); its descriptor is stale");
    }
}
