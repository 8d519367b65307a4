package io.dragon.backend.transport;

import static io.dragon.core.channels.GatewayLayout.DESCRIPTORS_OFFSET;
import static io.dragon.core.channels.GatewayLayout.REPLY_LENGTH_OFFSET;
import static io.dragon.core.channels.GatewayLayout.TARGET_LENGTH_OFFSET;
import static io.dragon.core.channels.GatewayLayout.TIMEOUT_OFFSET;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps the order of the SEND_BUFFERED requests of one sender (those naming one reply channel, a process's send
 * window to one channel; see {@link io.dragon.core.channels.GatewayLayout}) while one of them waits for room: the
 * later ones queue behind it, and the thread that waits performs them in turn once it is done. A request that may
 * not wait, coming while its stream is blocked, finds the channel full. Nothing is kept while no send waits, so
 * the common case costs one emptiness check.
 */
final class OrderedSends {
    /** Streams that have a send waiting, by the reply descriptor of their requests. */
    private final Map<ByteBuf, Stream> blocked = new ConcurrentHashMap<>();

    /** What became of a SEND_BUFFERED that came: performed as usual, queued, or to be answered FULL. */
    enum Turn {
        /** Its stream is not blocked: perform it now. */
        NOW,
        /** It waits in its stream's queue, which owns it. */
        QUEUED,
        /** Its stream is blocked and it may not wait: the channel is full. */
        FULL
    }

    /** A request queued behind a waiting one, with the time it came (its timeout runs from there). */
    record Queued(ByteBuf request, Peer peer, long arrived) {
    }

    /** The requests of one stream that came while it was blocked, in order. */
    static final class Stream {
        private final ByteBuf key;
        private final ArrayDeque<Queued> queue = new ArrayDeque<>();
        private boolean closed; // guarded by this

        Stream(ByteBuf key) {
            this.key = key;
        }

        private synchronized Turn add(ByteBuf request, Peer peer) {
            if (closed) {
                return Turn.NOW;
            }
            if (request.getLongLE(request.readerIndex() + TIMEOUT_OFFSET) == 0) {
                return Turn.FULL;
            }
            queue.add(new Queued(request, peer, System.nanoTime()));
            return Turn.QUEUED;
        }
    }

    /** Where {@code request}, a SEND_BUFFERED that came, goes: now, behind its stream's waiting send, or FULL. */
    Turn turn(ByteBuf request, Peer peer) {
        if (blocked.isEmpty()) {
            return Turn.NOW;
        }
        Stream stream = blocked.get(key(request, false));
        return stream == null ? Turn.NOW : stream.add(request, peer);
    }

    /** Marks the stream of {@code request}, which is about to wait, blocked; later requests of it queue. */
    Stream block(ByteBuf request) {
        ByteBuf key = key(request, true);
        Stream stream = new Stream(key);
        blocked.put(key, stream);
        return stream;
    }

    /** The next request queued in {@code stream}; null, once it has none: it is then unblocked. */
    Queued next(Stream stream) {
        synchronized (stream) {
            Queued queued = stream.queue.poll();
            if (queued == null) {
                stream.closed = true;
                blocked.remove(stream.key, stream);
            }
            return queued;
        }
    }

    /** Releases what the streams hold, once the agent stops. */
    void close() {
        for (Stream stream : blocked.values()) {
            Queued queued;
            while ((queued = next(stream)) != null) {
                queued.request().release();
            }
        }
    }

    /** The request's reply descriptor: a view, or a copy to keep. */
    private static ByteBuf key(ByteBuf request, boolean copy) {
        int start = request.readerIndex();
        int replyStart = start + DESCRIPTORS_OFFSET + request.getIntLE(start + TARGET_LENGTH_OFFSET);
        int replyLength = request.getIntLE(start + REPLY_LENGTH_OFFSET);
        return copy ? Unpooled.copiedBuffer(request.slice(replyStart, replyLength))
            : request.slice(replyStart, replyLength);
    }
}
