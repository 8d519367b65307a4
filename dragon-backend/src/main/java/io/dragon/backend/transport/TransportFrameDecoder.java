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
 * frame that carries a message for a channel of this node which keeps messages that long in side allocations (a
 * send's payload; a completion, for its reply channel): that message is read from the link straight into a side
 * allocation of the channel's pool as it arrives, and the channel takes it as it lies ({@link SideFrame}). Without
 * room in the pool now, the frame is gathered whole as any other.
 */
final class TransportFrameDecoder extends LinkFrameDecoder {
    /** Where a frame's body starts, from its length prefix. */
    private static final int BODY = Integer.BYTES + TransportFrames.BODY_OFFSET;

    private final AttachedChannels targets;
    private final AttachedChannels replies;
    /** The frame that is arriving is not read in place: do not look at it again. */
    private boolean declined;

    /** Messages of sends go to channels of {@code targets}; completions to channels of {@code replies}. */
    TransportFrameDecoder(AttachedChannels targets, AttachedChannels replies) {
        super(TransportFrames.MAX_FRAME_BYTES);
        this.targets = targets;
        this.replies = replies;
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
        int kind = in.readableBytes() < BODY ? -1 : in.getInt(start + Integer.BYTES + TransportFrames.KIND_OFFSET);
        return switch (kind) {
            case -1 -> null;
            case FrameKind.REQUEST -> sendSink(in, length);
            case FrameKind.COMPLETION, FrameKind.WAITED -> completionSink(in, length);
            default -> decline();
        };
    }

    /** A sink for the payload of a send (REQUEST: header, descriptors, payload); null if none yet or ever. */
    private FrameSink sendSink(ByteBuf in, int length) {
        int request = in.readerIndex() + BODY;
        if (in.readableBytes() < BODY + DESCRIPTORS_OFFSET) {
            return null;
        }
        int op = in.getIntLE(request + OP_OFFSET);
        int targetLength = in.getIntLE(request + TARGET_LENGTH_OFFSET);
        int replyLength = in.getIntLE(request + REPLY_LENGTH_OFFSET);
        if ((op != SEND && op != SEND_BUFFERED) || targetLength <= 0 || replyLength <= 0) {
            return decline(); // not a send, or malformed: answered once whole
        }
        return sink(in, length, (long) DESCRIPTORS_OFFSET + targetLength + replyLength, targets,
            request + DESCRIPTORS_OFFSET, targetLength);
    }

    /** A sink for a completion (COMPLETION, WAITED: length r, reply descriptor, completion); null if none. */
    private FrameSink completionSink(ByteBuf in, int length) {
        if (in.readableBytes() < BODY + Integer.BYTES) {
            return null;
        }
        int replyLength = in.getInt(in.readerIndex() + BODY);
        if (replyLength <= 0) {
            return decline(); // malformed: dropped once whole
        }
        return sink(in, length, (long) Integer.BYTES + replyLength, replies,
            in.readerIndex() + BODY + Integer.BYTES, replyLength);
    }

    /**
     * A sink for the frame's message, which follows the first {@code head} bytes of its body, for the channel of
     * {@code channels} whose descriptor is at {@code descriptor} of {@code in}; null until that has arrived, or if
     * the message is not for a side allocation that can be had now.
     */
    private FrameSink sink(ByteBuf in, int length, long head, AttachedChannels channels, int descriptor,
                           int descriptorLength) {
        long message = length - TransportFrames.BODY_OFFSET - head;
        if (message <= 0) {
            return decline();
        }
        if (in.readableBytes() < BODY + head) {
            return null;
        }
        SideAllocationBuf side = channels.side(in.slice(descriptor, descriptorLength), (int) message);
        if (side == null) {
            return decline();
        }
        in.skipBytes(Integer.BYTES);
        int start = TransportFrames.BODY_OFFSET + (int) head;
        ByteBuf frameStart = ByteBufAllocator.DEFAULT.directBuffer(start).writeBytes(in, start);
        side.clear();
        return new MessageSink(frameStart, side);
    }

    private FrameSink decline() {
        declined = true;
        return null;
    }

    /** Reads a frame's message into its side allocation. */
    private final class MessageSink implements FrameSink {
        private final ByteBuf frameStart;
        private final SideAllocationBuf message;

        MessageSink(ByteBuf frameStart, SideAllocationBuf message) {
            this.frameStart = frameStart;
            this.message = message;
        }

        @Override
        public Object write(ByteBuf in) {
            message.writeBytes(in, Math.min(in.readableBytes(), message.writableBytes()));
            if (message.isWritable()) {
                return null;
            }
            declined = false;
            return new SideFrame(frameStart, message);
        }

        @Override
        public void abandon() {
            frameStart.release();
            message.release();
        }
    }
}
