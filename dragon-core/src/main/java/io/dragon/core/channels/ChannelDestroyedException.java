package io.dragon.core.channels;

/** The channel was destroyed: its descriptor and handles are no longer usable. */
public final class ChannelDestroyedException extends ChannelException {
    public ChannelDestroyedException(long cuid) {
        super("channel " + cuid + " has been destroyed (or its runtime has ended); its descriptor is stale");
    }
}
