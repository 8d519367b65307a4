package io.dragon.backend.transport;

import io.dragon.core.channels.LocalChannel;
import io.dragon.core.sync.WaitMode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;

/**
 * A frame from another node whose message for a channel of this node (a send's payload, or a completion for a
 * reply channel) the agent read from the link straight into a side allocation of the channel's pool
 * ({@link TransportFrameDecoder}): the frame's start, then that message. The channel takes the allocation as it
 * lies, not a copy; if it does not, the allocation is freed with the frame.
 */
final class SideFrame extends CompositeByteBuf {
    private final SideAllocationBuf message;

    /** {@code head}: the frame's kind and what precedes the message. Owns both buffers. */
    SideFrame(ByteBuf head, SideAllocationBuf message) {
        super(ByteBufAllocator.DEFAULT, true, 2, head, message);
        this.message = message;
    }

    /** Whether the message can go into {@code channel} as it lies: it is in the channel's pool. */
    boolean fits(LocalChannel channel) {
        return message.pool() == channel.pool();
    }

    /** {@link LocalChannel#trySendSide} of the message, which must {@link #fits fit}. */
    boolean trySend(LocalChannel channel) {
        if (!channel.trySendSide(message.side(), message.capacity())) {
            return false;
        }
        message.handOver();
        return true;
    }

    /** {@link LocalChannel#sendSide} of the message, which must {@link #fits fit}. */
    void send(LocalChannel channel, WaitMode mode, long deadline) throws InterruptedException {
        channel.sendSide(message.side(), message.capacity(), mode, deadline);
        message.handOver();
    }
}
