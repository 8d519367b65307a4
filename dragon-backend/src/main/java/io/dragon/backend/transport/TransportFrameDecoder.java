package io.dragon.backend.transport;

import io.dragon.backend.net.LinkFrameDecoder;
import io.netty.buffer.ByteBuf;

/** Transport frames (see {@link TransportFrames}) as retained slices of the input, copied nowhere. */
final class TransportFrameDecoder extends LinkFrameDecoder {
    TransportFrameDecoder() {
        super(TransportFrames.MAX_FRAME_BYTES);
    }

    @Override
    protected Object frame(ByteBuf in, int length) {
        return in.readRetainedSlice(length);
    }
}
