package io.dragon.backend.transport;

import io.dragon.core.channels.LocalChannel;
import io.netty.buffer.ByteBuf;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Puts completions on the reply channels of this node's requesters. A reply channel holds at most the completion
 * its requester waits for (and one it gave up on), so a put never waits.
 */
final class Replies {
    private static final Logger LOG = LogManager.getLogger(Replies.class);

    private final AttachedChannels channels = new AttachedChannels();

    /** Delivers a completion frame body: length r, reply descriptor, completion. Releases it. */
    void deliver(ByteBuf body) {
        try {
            int length = body.readInt();
            if (length <= 0 || length > body.readableBytes()) {
                LOG.warn("dropped a completion with a reply descriptor of {} bytes", length);
                return;
            }
            LocalChannel channel = channels.get(body.readSlice(length));
            if (!channel.trySend(body.nioBuffer())) {
                LOG.warn("dropped a completion: reply channel {} is full", channel.cuid());
            }
        } catch (RuntimeException e) {
            LOG.warn("dropped a completion: {}", e.toString());
        } finally {
            body.release();
        }
    }
}
