package io.dragon.core.channels;

/**
 * When a send to a channel returns (the original Dragon's send return modes). On the channel's own node both are
 * the same: the message is in the channel when the send returns. To a channel of another node:
 */
public enum SendReturn {
    /**
     * Once this node's transport agent holds the message (it is in the node's gateway channel), so that a stream
     * of sends is not a series of round trips. The sender's messages reach the channel in the order sent. At most
     * a window of messages and bytes is in flight per channel handle: a full or slow channel makes the next send
     * wait. A failure to deposit a message (channel destroyed, full past the send's deadline, node lost) is thrown
     * by the handle's next operation on the channel, or by {@link Channel#flush()}.
     */
    WHEN_BUFFERED,
    /** Once the message is in the channel; a failure is thrown by the send itself. */
    WHEN_DEPOSITED
}
