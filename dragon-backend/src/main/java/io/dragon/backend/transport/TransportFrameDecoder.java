package io.dragon.backend.transport;

import static io.dragon.core.channels.GatewayLayout.DESCRIPTORS_OFFSET;
import static io.dragon.core.channels.GatewayLayout.OP_OFFSET;
import static io.dragon.core.channels.GatewayLayout.REPLY_LENGTH_OFFSET;
import static io.dragon.core.channels.GatewayLayout.SEND;
import static io.dragon.core.channels.GatewayLayout.SEND_BUFFERED;
import static io.dragon.core.channels.GatewayLayout.TARGET_LENGTH_OFFSET;

import io.dragon.backend.net.LinkFrameDecoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Transport frames (see {@link TransportFrames}) as retained slices of the input, copied nowhere; except a large
 * send to a channel of this node that keeps messages that long in side allocations: its payload is read from the
 * link straight into a side allocation of the channel's pool as it arrives, and the channel takes it as it lies
 * ({@link SideRequest}). Without room in the pool now, the frame is gathered whole as any other.
 */
final class TransportFrameDecoder extends LinkFrameDecoder {
    /** Offset of a request in a frame, from its length prefix. */
    private static final int REQUEST_OFFSET = TransportFrames.FRAME_HEADER;

    private final ChannelOperations operations;
    /** The frame that is arriving is not read in place: do not look at it again. */
    private boolean declined;

    TransportFrameDecoder(ChannelOperations operations) {
        super(TransportFrames.MAX_FRAME_BYTES);
        this.operations = operations;
    }

    @Override
    protected Object frame(ByteBuf in, int length) {
        declined = false;
        return in.readRetainedSlice(length);
    }

    @Override
    protected FrameSink sink(ByteBuf in, int length) {
        if (declined || length < TransportFrames.LARGE_FRAME_BYTES) {
            return null;
        }
        int start = in.readerIndex();
        if (in.readableBytes() < REQUEST_OFFSET + DESCRIPTORS_OFFSET) {
            return null;
        }
        int op = in.getIntLE(start + REQUEST_OFFSET + OP_OFFSET);
        int targetLength = in.getIntLE(start + REQUEST_OFFSET + TARGET_LENGTH_OFFSET);
        int replyLength = in.getIntLE(start + REQUEST_OFFSET + REPLY_LENGTH_OFFSET);
        long head = (long) DESCRIPTORS_OFFSET + targetLength + replyLength;
        declined = in.getInt(start + TransportFrames.KIND_OFFSET + Integer.BYTES) != FrameKind.REQUEST
            || (op != SEND && op != SEND_BUFFERED) || targetLength <= 0 || replyLength <= 0
            || head > length - TransportFrames.BODY_OFFSET;
        if (declined || in.readableBytes() < REQUEST_OFFSET + head) {
            return null; // not a send, or malformed (answered once whole); or its descriptors are still to come
        }
        int payload = (int) (length - TransportFrames.BODY_OFFSET - head);
        SideAllocationBuf side = operations.sideFor(in.slice(start + REQUEST_OFFSET + DESCRIPTORS_OFFSET,
            targetLength), payload);
        if (side == null) {
            declined = true;
            return null;
        }
        in.skipBytes(Integer.BYTES);
        ByteBuf header = ByteBufAllocator.DEFAULT.directBuffer(TransportFrames.BODY_OFFSET + (int) head)
            .writeBytes(in, TransportFrames.BODY_OFFSET + (int) head);
        side.clear();
        return new PayloadSink(header, side);
    }

    /** Reads a send's payload into its side allocation. */
    private final class PayloadSink implements FrameSink {
        private final ByteBuf header;
        private final SideAllocationBuf payload;

        PayloadSink(ByteBuf header, SideAllocationBuf payload) {
            this.header = header;
            this.payload = payload;
        }

        @Override
        public Object write(ByteBuf in) {
            payload.writeBytes(in, Math.min(in.readableBytes(), payload.writableBytes()));
            if (payload.isWritable()) {
                return null;
            }
            declined = false;
            return new SideRequest(header, payload);
        }

        @Override
        public void abandon() {
            header.release();
            payload.release();
        }
    }
}
