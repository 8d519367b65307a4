package io.dragon.core.channels;

/**
 * A message does not fit: larger than the channel's pool can ever hold, or larger than the caller's receive buffer.
 * In the second case the message stays in the channel.
 */
public final class MessageTooLargeException extends ChannelException {
    private final int messageLength;

    public MessageTooLargeException(String message, int messageLength) {
        super(message);
        this.messageLength = messageLength;
    }

    /** The length of the message that did not fit. */
    public int messageLength() {
        return messageLength;
    }
}
