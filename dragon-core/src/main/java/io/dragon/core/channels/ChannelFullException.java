package io.dragon.core.channels;

/** The channel stayed full until the deadline: receivers are not keeping up. Nothing was sent. */
public final class ChannelFullException extends ChannelException {
    public ChannelFullException(String message) {
        super(message);
    }
}
