package io.dragon.backend.transport;

import static io.dragon.core.channels.GatewayLayout.COMPLETION_ID_OFFSET;
import static io.dragon.core.channels.GatewayLayout.DESCRIPTORS_OFFSET;
import static io.dragon.core.channels.GatewayLayout.OP_OFFSET;
import static io.dragon.core.channels.GatewayLayout.REPLY_LENGTH_OFFSET;
import static io.dragon.core.channels.GatewayLayout.REQUEST_ID_OFFSET;
import static io.dragon.core.channels.GatewayLayout.SEND_BUFFERED;
import static io.dragon.core.channels.GatewayLayout.TARGET_LENGTH_OFFSET;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * For an agent whose path may reorder the frames it sends to a node (the fabric agent: large frames are tagged,
 * read by RMA and checked off its progress thread, while small ones go at once): one SEND_BUFFERED of each stream
 * (the requests naming one reply channel, a process's send window to one channel) at a time, the later ones held
 * here, in order, until the completion of the one in flight comes back. Other requests pass at once.
 */
final class StreamOrder {
    /** Streams with a request in flight, by reply descriptor, with their held requests; and by in-flight id. */
    private final Map<ByteBuf, ArrayDeque<ByteBuf>> streams = new HashMap<>();
    private final Map<Long, ByteBuf> keysInFlight = new HashMap<>();

    /**
     * Whether a REQUEST frame (at its reader index: length prefix, kind, request) may go now; if not, it is held
     * (owned here) until {@link #completed} releases it.
     */
    synchronized boolean admit(ByteBuf frame) {
        int request = frame.readerIndex() + TransportFrames.FRAME_HEADER;
        if (frame.getIntLE(request + OP_OFFSET) != SEND_BUFFERED) {
            return true;
        }
        ByteBuf key = replyDescriptor(frame, request);
        ArrayDeque<ByteBuf> held = streams.get(key);
        if (held != null) {
            held.add(frame);
            return false;
        }
        key = Unpooled.copiedBuffer(key);
        streams.put(key, new ArrayDeque<>());
        inFlight(key, frame);
        return true;
    }

    /**
     * A completion for this node (the body of a COMPLETION or WAITED frame: length r, reply descriptor, completion),
     * not consumed: the next held request of its stream, if it answers the one in flight (to be sent by the caller),
     * else null.
     */
    synchronized ByteBuf completed(ByteBuf body) {
        int start = body.readerIndex();
        int replyLength = body.getInt(start);
        long id = body.getLongLE(start + Integer.BYTES + replyLength + COMPLETION_ID_OFFSET);
        ByteBuf key = keysInFlight.remove(id);
        if (key == null) {
            return null;
        }
        ByteBuf next = streams.get(key).poll();
        if (next == null) {
            streams.remove(key);
            return null;
        }
        inFlight(key, next);
        return next;
    }

    /** Releases what is held, once the agent stops. */
    synchronized void releaseAll() {
        streams.values().forEach(held -> held.forEach(ByteBuf::release));
        streams.clear();
        keysInFlight.clear();
    }

    private void inFlight(ByteBuf key, ByteBuf frame) {
        keysInFlight.put(frame.getLongLE(frame.readerIndex() + TransportFrames.FRAME_HEADER + REQUEST_ID_OFFSET), key);
    }

    private static ByteBuf replyDescriptor(ByteBuf frame, int request) {
        int start = request + DESCRIPTORS_OFFSET + frame.getIntLE(request + TARGET_LENGTH_OFFSET);
        return frame.slice(start, frame.getIntLE(request + REPLY_LENGTH_OFFSET));
    }
}
