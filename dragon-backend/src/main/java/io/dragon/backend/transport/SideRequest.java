package io.dragon.backend.transport;

import io.dragon.core.channels.LocalChannel;
import io.dragon.core.sync.WaitMode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;

/**
 * A send request from another node whose payload the agent read from the link straight into a side allocation of
 * the target channel's pool ({@link TransportFrameDecoder}): its header and descriptors, then that payload. The
 * channel takes the allocation as it lies, not a copy; if the send fails the allocation is freed with the request.
 */
final class SideRequest extends CompositeByteBuf {
    private final SideAllocationBuf payload;

    /** {@code header}: the frame's kind, then the request's header and descriptors. Owns both buffers. */
    SideRequest(ByteBuf header, SideAllocationBuf payload) {
        super(ByteBufAllocator.DEFAULT, true, 2, header, payload);
        this.payload = payload;
    }

    /** Whether the payload can go into {@code channel} as it lies: it is in the channel's pool. */
    boolean fits(LocalChannel channel) {
        return payload.pool() == channel.pool();
    }

    /** {@link LocalChannel#trySendSide} of the payload, which must {@link #fits fit}. */
    boolean trySend(LocalChannel channel) {
        if (!channel.trySendSide(payload.side(), payload.capacity())) {
            return false;
        }
        payload.handOver();
        return true;
    }

    /** {@link LocalChannel#sendSide} of the payload, which must {@link #fits fit}. */
    void send(LocalChannel channel, WaitMode mode, long deadline) throws InterruptedException {
        channel.sendSide(payload.side(), payload.capacity(), mode, deadline);
        payload.handOver();
    }
}
