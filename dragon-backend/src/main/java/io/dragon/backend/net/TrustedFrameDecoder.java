package io.dragon.backend.net;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.TooLongFrameException;
import java.util.List;

/**
 * Frames of a link between runtime members: a 4-byte big-endian length, then that many bytes, which the subclass
 * turns into a message. A link starts untrusted: until {@link #trust()} (the peer has shown the job's secret) a
 * frame may be at most {@link #HELLO_FRAME_BYTES}, so a stranger cannot make this side buffer a large frame; a
 * length over the limit fails at once, before any of the frame is buffered.
 */
public abstract class TrustedFrameDecoder extends ByteToMessageDecoder {
    /** Largest frame before the peer is trusted: enough for a hello that carries the secret. */
    public static final int HELLO_FRAME_BYTES = 4096;

    private final int trustedFrameBytes;
    private int maxFrameBytes;

    protected TrustedFrameDecoder(boolean trusted, int trustedFrameBytes) {
        this.trustedFrameBytes = trustedFrameBytes;
        this.maxFrameBytes = trusted ? trustedFrameBytes : HELLO_FRAME_BYTES;
    }

    /** Lifts the frame limit, for a peer that has shown the job's secret. */
    public void trust() {
        maxFrameBytes = trustedFrameBytes;
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
