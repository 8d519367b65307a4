package io.dragon.core.channels;

/** No message arrived before the deadline. */
public final class ChannelEmptyException extends ChannelException {
    public ChannelEmptyException(String message) {
        super(message);
    }
}
