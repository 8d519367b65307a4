package io.dragon.backend.transport;

import static io.dragon.core.channels.GatewayLayout.BLOCK_SIZE_OFFSET;
import static io.dragon.core.channels.GatewayLayout.CAPACITY_OFFSET;
import static io.dragon.core.channels.GatewayLayout.COMPLETION_ID_OFFSET;
import static io.dragon.core.channels.GatewayLayout.COMPLETION_PAYLOAD_OFFSET;
import static io.dragon.core.channels.GatewayLayout.DESCRIPTORS_OFFSET;
import static io.dragon.core.channels.GatewayLayout.REPLY_LENGTH_OFFSET;
import static io.dragon.core.channels.GatewayLayout.REQUEST_ID_OFFSET;
import static io.dragon.core.channels.GatewayLayout.STATUS_OFFSET;
import static io.dragon.core.channels.GatewayLayout.TARGET_LENGTH_OFFSET;
import static io.dragon.core.channels.GatewayLayout.VALUE_OFFSET;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;

/**
 * Frames between transport agents, over TCP. Each frame is a 4-byte big-endian length, then:
 *
 * <pre>
 *  offset  size
 *       0     4  kind ({@link FrameKind}): REQUEST, COMPLETION, WAITING, WAITED, PING or PONG
 *       4    ..  REQUEST: a gateway request exactly as the requester wrote it (see GatewayLayout)
 *                COMPLETION, WAITED: 4-byte length r, the requester's reply channel descriptor (r bytes), then the
 *                completion (see GatewayLayout) that the requester's agent puts on that channel; WAITED for a
 *                request that was announced WAITING
 *                WAITING: the header and descriptors of a request (no payload) that waits on this node: the
 *                requester's agent keeps them until its WAITED comes, to cancel it, or fail it if this node is lost
 *                PING, PONG: 8-byte host id of the node pinged; PONG answers PING with the same body
 * </pre>
 *
 * They follow the link's handshake (see {@link io.dragon.backend.net.LinkHandshake}). Requests are forwarded
 * unchanged and completions name their reply channel, so the agents keep state only for requests that wait (see
 * {@link WaitingRequests}).
 */
final class TransportFrames {
    static final int KIND_OFFSET = 0;
    static final int BODY_OFFSET = 4;
    /** Length prefix and kind. */
    static final int FRAME_HEADER = 8;
    /**
     * A frame this long is large: an agent flushes it at once, and sends or receives a message this long where it
     * lies in shared memory rather than copy it (see {@link SideAllocationBuf}).
     */
    static final int LARGE_FRAME_BYTES = 16 * 1024;
    /** Largest frame between trusted agents: a channel message of up to 1 GiB and its headers. */
    static final int MAX_FRAME_BYTES = (1 << 30) + 65536;

    private TransportFrames() {
    }

    /**
     * A completion frame for {@code request} (a request body, not consumed) with room for {@code payload} more
     * bytes; the writer index is at the payload, whose length the caller adds with {@link #finish}.
     */
    static ByteBuf completion(ByteBufAllocator alloc, ByteBuf request, int status, int value, int payload) {
        int replyStart = request.readerIndex() + DESCRIPTORS_OFFSET + request.getIntLE(request.readerIndex()
            + TARGET_LENGTH_OFFSET);
        int replyLength = request.getIntLE(request.readerIndex() + REPLY_LENGTH_OFFSET);
        ByteBuf frame = alloc.directBuffer(FRAME_HEADER + Integer.BYTES + replyLength + COMPLETION_PAYLOAD_OFFSET
            + payload);
        frame.writeInt(0).writeInt(FrameKind.COMPLETION).writeInt(replyLength)
            .writeBytes(request, replyStart, replyLength);
        int completion = frame.writerIndex();
        frame.writeZero(COMPLETION_PAYLOAD_OFFSET);
        frame.setLongLE(completion + COMPLETION_ID_OFFSET, request.getLongLE(request.readerIndex()
            + REQUEST_ID_OFFSET));
        frame.setIntLE(completion + STATUS_OFFSET, status);
        frame.setIntLE(completion + VALUE_OFFSET, value);
        return frame;
    }

    /** Sets a completion's channel shape (INFO). */
    static void shape(ByteBuf frame, int capacity, int blockSize) {
        int completion = completionOffset(frame);
        frame.setIntLE(completion + CAPACITY_OFFSET, capacity);
        frame.setIntLE(completion + BLOCK_SIZE_OFFSET, blockSize);
    }

    /** A completion that reports a failure in words. */
    static ByteBuf failure(ByteBufAllocator alloc, ByteBuf request, int status, int value, String why) {
        byte[] text = why.getBytes(StandardCharsets.UTF_8);
        return finish(completion(alloc, request, status, value, text.length).writeBytes(text));
    }

    /** A WAITING frame for {@code request} (a request body, not consumed): its header and descriptors. */
    static ByteBuf waiting(ByteBufAllocator alloc, ByteBuf request) {
        int length = headerLength(request);
        return finish(alloc.directBuffer(FRAME_HEADER + length).writeInt(0).writeInt(FrameKind.WAITING)
            .writeBytes(request, request.readerIndex(), length));
    }

    /** A PING or PONG frame about {@code host}. */
    static ByteBuf ping(ByteBufAllocator alloc, int kind, long host) {
        return finish(alloc.directBuffer(FRAME_HEADER + Long.BYTES).writeInt(0).writeInt(kind).writeLong(host));
    }

    /** The length of a request's header and descriptors (its payload follows). */
    static int headerLength(ByteBuf request) {
        return DESCRIPTORS_OFFSET + request.getIntLE(request.readerIndex() + TARGET_LENGTH_OFFSET)
            + request.getIntLE(request.readerIndex() + REPLY_LENGTH_OFFSET);
    }

    /** Sets the length prefix once the frame is complete. */
    static ByteBuf finish(ByteBuf frame) {
        return frame.setInt(0, frame.writerIndex() - Integer.BYTES);
    }

    /** Where the completion starts in a completion frame (at reader index 0, length prefix included). */
    static int completionOffset(ByteBuf frame) {
        return FRAME_HEADER + Integer.BYTES + frame.getInt(FRAME_HEADER);
    }
}
