package io.dragon.backend.transport;

import io.dragon.core.channels.ChannelDestroyedException;
import io.dragon.core.channels.GatewayLayout;
import io.dragon.core.channels.LocalChannel;
import io.dragon.core.memory.PoolDestroyedException;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Puts completions on the reply channels of this node's requesters. A reply channel holds at most the completion
 * its requester waits for (and one it gave up on), so a put never waits. Local Services destroys the reply
 * channels of processes that have exited: a completion that comes for one after that is dropped.
 * Completions of the agent's own requests (messages it sends back for requesters that died, see
 * {@link WaitingRequests}) name its own reply channel: they are logged, not put.
 */
final class Replies {
    private static final Logger LOG = LogManager.getLogger(Replies.class);

    private final AttachedChannels channels = new AttachedChannels();
    private volatile LocalChannel own;

    /** The reply channels that completions named. */
    AttachedChannels channels() {
        return channels;
    }

    /** The agent's own reply channel. */
    void own(LocalChannel channel) {
        own = channel;
    }

    /** Delivers a completion frame body: length r, reply descriptor, completion. Releases it. */
    void deliver(ByteBuf body) {
        try {
            int length = body.readInt();
            if (length <= 0 || length > body.readableBytes()) {
                LOG.warn("dropped a completion with a reply descriptor of {} bytes", length);
                return;
            }
            AttachedChannels.Attached attached = channels.get(body.readSlice(length));
            if (!attached.users().enter()) {
                channels.forget(attached);
                LOG.debug("dropped a completion: the pool of reply channel {} is gone", attached.channel().cuid());
                return;
            }
            try {
                send(attached, body);
            } finally {
                attached.users().exit();
            }
        } catch (ChannelDestroyedException | PoolDestroyedException e) {
            LOG.debug("dropped a completion: {} (its requester has exited)", e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("dropped a completion: {}", e.toString());
        } finally {
            body.release();
        }
    }

    private void send(AttachedChannels.Attached attached, ByteBuf body) {
        LocalChannel channel = attached.channel();
        if (channel == own) {
            ownCompletion(body);
            return;
        }
        try {
            boolean sent = body instanceof SideFrame side && side.fits(channel) ? side.trySend(channel)
                : channel.trySend(body.nioBuffer());
            if (!sent) {
                LOG.warn("dropped a completion: reply channel {} is full", channel.cuid());
            }
        } catch (ChannelDestroyedException e) {
            channels.forget(attached);
            LOG.debug("dropped a completion: reply channel {} was destroyed (its requester has exited)",
                channel.cuid());
        }
    }

    private static void ownCompletion(ByteBuf completion) {
        int status = completion.getIntLE(completion.readerIndex() + GatewayLayout.STATUS_OFFSET);
        if (status != GatewayLayout.OK) {
            byte[] text = new byte[Math.max(0, completion.readableBytes() - GatewayLayout.COMPLETION_PAYLOAD_OFFSET)];
            completion.getBytes(completion.readerIndex() + GatewayLayout.COMPLETION_PAYLOAD_OFFSET, text);
            LOG.error("a message taken for a process that died could not be sent back to its channel (status {}): {}",
                status, new String(text, StandardCharsets.UTF_8));
        }
    }
}
