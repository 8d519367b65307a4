package io.dragon.backend.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One link between transport agents, once both ends have proven themselves (see
 * {@link io.dragon.backend.net.LinkHandshake}): its frames go to the agent ({@link TransportAgent#dispatch}).
 */
final class TransportHandler extends SimpleChannelInboundHandler<ByteBuf> {
    private static final Logger LOG = LogManager.getLogger(TransportHandler.class);

    private final TransportAgent agent;
    private Peer peer;

    TransportHandler(TransportAgent agent) {
        super(false);
        this.agent = agent;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
        int kind = frame.readableBytes() < Integer.BYTES ? -1 : frame.readInt();
        agent.dispatch(kind, frame, peer(ctx));
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
