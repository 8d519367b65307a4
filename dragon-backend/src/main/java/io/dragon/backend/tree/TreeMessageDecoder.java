package io.dragon.backend.tree;

import io.dragon.core.messages.MessageCodec;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.TooLongFrameException;
import java.util.List;

/**
 * Frames of the tree (a 4-byte big-endian length, then a catalog message in MessagePack) to messages. A link
 * starts untrusted: until {@link #trust()} (the peer has shown the job's secret) a frame may be at most
 * {@link #HELLO_FRAME_BYTES}, so a stranger cannot make this side buffer a large frame; a length over the limit
 * fails at once, before any of the frame is buffered. A malformed message raises
 * {@link io.dragon.core.messages.MalformedMessageException}; the handler logs it and closes the link.
 */
final class TreeMessageDecoder extends ByteToMessageDecoder {
    /** Largest first message: a registration or a join. */
    static final int HELLO_FRAME_BYTES = 4096;

    private int maxFrameBytes;

    TreeMessageDecoder(boolean trusted) {
        this.maxFrameBytes = trusted ? MessageCodec.MAX_MESSAGE_BYTES : HELLO_FRAME_BYTES;
    }

    /** Lifts the frame limit to the largest message, for a peer that has shown the job's secret. */
    void trust() {
        maxFrameBytes = MessageCodec.MAX_MESSAGE_BYTES;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
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
            byte[] bytes = new byte[length];
            in.readBytes(bytes);
            out.add(MessageCodec.decode(bytes));
        }
    }
}
