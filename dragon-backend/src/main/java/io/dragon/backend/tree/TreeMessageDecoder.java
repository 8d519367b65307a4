package io.dragon.backend.tree;

import io.dragon.core.messages.MessageCodec;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageDecoder;
import java.util.List;

/**
 * A frame (after the length prefix is stripped) to a catalog message. A malformed frame raises
 * {@link io.dragon.core.messages.MalformedMessageException}, which the handler logs before it closes the link.
 */
final class TreeMessageDecoder extends MessageToMessageDecoder<ByteBuf> {
    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf frame, List<Object> out) {
        byte[] bytes = ByteBufUtil.getBytes(frame);
        out.add(MessageCodec.decode(bytes));
    }
}
