package io.dragon.backend.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import java.security.MessageDigest;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One link between transport agents: requests from the peer are performed here, completions of our requests are
 * delivered to their requesters. A link this agent accepted must first show the job's secret.
 */
final class TransportHandler extends SimpleChannelInboundHandler<ByteBuf> {
    private static final Logger LOG = LogManager.getLogger(TransportHandler.class);

    private final byte[] secret;
    private final ChannelOperations operations;
    private final Replies replies;
    private boolean trusted;
    private Peer peer;

    TransportHandler(boolean trusted, byte[] secret, ChannelOperations operations, Replies replies) {
        super(false);
        this.trusted = trusted;
        this.secret = secret;
        this.operations = operations;
        this.replies = replies;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
        int kind = frame.readableBytes() < Integer.BYTES ? -1 : frame.readInt();
        if (!trusted) {
            boolean ok = kind == TransportFrames.HELLO && MessageDigest.isEqual(secret, bytes(frame));
            frame.release();
            if (!ok) {
                LOG.warn("refused a transport link from {}: it did not show the job's secret", ctx.channel()
                    .remoteAddress());
                ctx.close();
                return;
            }
            trusted = true;
            ctx.pipeline().get(TransportFrameDecoder.class).trust();
            LOG.debug("transport link from {} authenticated", ctx.channel().remoteAddress());
            return;
        }
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

    private static byte[] bytes(ByteBuf frame) {
        byte[] bytes = new byte[frame.readableBytes()];
        frame.readBytes(bytes);
        return bytes;
    }
}
