package io.dragon.backend.tree;

import io.dragon.core.messages.Message;
import io.dragon.core.messages.MessageCodec;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;

/** A catalog message to a frame: a 4-byte big-endian length, then the MessagePack bytes (as on the bringup pipe). */
final class TreeMessageEncoder extends MessageToByteEncoder<Message> {
    @Override
    protected void encode(ChannelHandlerContext ctx, Message message, ByteBuf out) {
        byte[] bytes = MessageCodec.encode(message);
        out.writeInt(bytes.length).writeBytes(bytes);
    }
}
