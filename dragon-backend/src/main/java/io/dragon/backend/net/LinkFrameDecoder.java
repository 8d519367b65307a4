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

    /** The frame being read in place, if any (see {@link #sink}). */
    private FrameSink sink;

    /** The message in the next {@code length} bytes of {@code in}, which it consumes. */
    protected abstract Object frame(ByteBuf in, int length);

    /**
     * A frame of {@code length} bytes has begun to arrive: {@code in} holds its start, from its length prefix on.
     * The subclass may read it in place as it comes, rather than have it gathered whole: then it returns the sink
     * that consumes it, length prefix first. Else null; it is asked again as more arrives. By default, null.
     */
    protected FrameSink sink(ByteBuf in, int length) {
        return null;
    }

    /** A frame read in place as it arrives (see {@link #sink}). */
    protected interface FrameSink {
        /** Consumes what it can of {@code in}: the frame's message once all of it has come, else null. */
        Object write(ByteBuf in);

        /** The link closed before the whole frame came: releases what the sink holds. */
        void abandon();
    }

    @Override
    protected final void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        for (;;) {
            if (sink != null) {
                Object message = sink.write(in);
                if (message == null) {
                    return;
                }
                sink = null;
                out.add(message);
                continue;
            }
            if (in.readableBytes() < Integer.BYTES) {
                return;
            }
            int length = in.getInt(in.readerIndex());
            if (length < 0 || length > maxFrameBytes) {
                in.skipBytes(in.readableBytes());
                throw new TooLongFrameException("a frame of " + Integer.toUnsignedString(length) + " bytes exceeds the"
                    + " limit of " + maxFrameBytes + " on this link");
            }
            if (in.readableBytes() < Integer.BYTES + length) {
                sink = sink(in, length);
                if (sink == null) {
                    return;
                }
                continue;
            }
            in.skipBytes(Integer.BYTES);
            out.add(frame(in, length));
        }
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        if (sink != null) {
            sink.abandon();
            sink = null;
        }
    }
}
