package io.dragon.backend.net;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.TooLongFrameException;
import java.util.List;

/**
 * Frames of a link between runtime members: a 4-byte big-endian length, then that many bytes, which the subclass
 * turns into a message. It sees only what an authenticated peer sent (the {@link LinkHandshake} is before it); a
 * length over the link's limit still fails at once, before any of the frame is buffered.
 */
public abstract class LinkFrameDecoder extends ByteToMessageDecoder {
    private final int maxFrameBytes;

    protected LinkFrameDecoder(int maxFrameBytes) {
        this.maxFrameBytes = maxFrameBytes;
    }

    /** The message in the next {@code length} bytes of {@code in}, which it consumes. */
    protected abstract Object frame(ByteBuf in, int length);

    @Override
    protected final void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (in.readableBytes() >= Integer.BYTES) {
            int length = in.getInt(in.readerIndex());
            if (length < 0 || length > maxFrameBytes) {
                in.skipBytes(in.readableBytes());
                throw new TooLongFrameException("a frame of " + Integer.toUnsignedString(length) + " bytes exceeds the"
                    + " limit of " + maxFrameBytes + " on this link");
            }
            if (in.readableBytes() < Integer.BYTES + length) {
                return;
            }
            in.skipBytes(Integer.BYTES);
            out.add(frame(in, length));
        }
    }
}
