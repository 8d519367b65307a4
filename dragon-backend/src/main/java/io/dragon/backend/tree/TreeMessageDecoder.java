package io.dragon.backend.tree;

import io.dragon.backend.net.LinkFrameDecoder;
import io.dragon.core.messages.MessageCodec;
import io.netty.buffer.ByteBuf;

/**
 * Frames of the tree (see {@link LinkFrameDecoder}) to catalog messages in MessagePack. A malformed message
 * raises {@link io.dragon.core.messages.MalformedMessageException}; the handler logs it and closes the link.
 */
final class TreeMessageDecoder extends LinkFrameDecoder {
    TreeMessageDecoder() {
        super(MessageCodec.MAX_MESSAGE_BYTES);
    }

    @Override
    protected Object frame(ByteBuf in, int length) {
        byte[] bytes = new byte[length];
        in.readBytes(bytes);
        return MessageCodec.decode(bytes);
    }
}
