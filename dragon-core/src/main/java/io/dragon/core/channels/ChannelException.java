package io.dragon.core.channels;

/** A channel operation failed; the message names the channel and what to do. */
public class ChannelException extends RuntimeException {
    public ChannelException(String message) {
        super(message);
    }
}
