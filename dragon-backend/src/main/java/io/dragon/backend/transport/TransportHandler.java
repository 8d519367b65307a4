package io.dragon.backend.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One link between transport agents, once both ends have proven themselves (see
 * {@link io.dragon.backend.net.LinkHandshake}): requests from the peer are performed here, completions of our
 * requests are delivered to their requesters.
 */
final class TransportHandler extends SimpleChannelInboundHandler<ByteBuf> {
    private static final Logger LOG = LogManager.getLogger(TransportHandler.class);

    private final ChannelOperations operations;
    private final Replies replies;
    private Peer peer;

    TransportHandler(ChannelOperations operations, Replies replies) {
        super(false);
        this.operations = operations;
        this.replies = replies;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
        int kind = frame.readableBytes() < Integer.BYTES ? -1 : frame.readInt();
        switch (kind) {
            case TransportFrames.REQUEST -> operations.perform(frame, peer(ctx));
            case TransportFrames.COMPLETION -> replies.deliver(frame);
            default -> {
                LOG.warn("dropped a transport frame of unknown kind {} from {}", kind, ctx.channel().remoteAddress());
                frame.release();
            }
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.warn("transport link to {} failed: {}; closing it", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }

    private Peer peer(ChannelHandlerContext ctx) {
        if (peer == null) {
            peer = Peer.of(ctx.channel());
        }
        return peer;
    }
}
