package io.dragon.backend.transport;

import io.dragon.core.channels.ChannelDescriptor;
import io.dragon.core.channels.LocalChannel;
import io.dragon.core.sync.WaitMode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Channels of this node that frames name by their serialized descriptors, attached once: a hit compares bytes in
 * place and allocates nothing. A descriptor of a channel made again under the same c_uid differs (its serial), so
 * it attaches anew.
 */
final class AttachedChannels {
    private final Map<Integer, Attached> channels = new ConcurrentHashMap<>();

    private record Attached(byte[] descriptor, LocalChannel channel) {
        boolean matches(ByteBuf bytes) {
            if (bytes.readableBytes() != descriptor.length) {
                return false;
            }
            for (int i = 0; i < descriptor.length; i++) {
                if (bytes.getByte(bytes.readerIndex() + i) != descriptor[i]) {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * The channel whose descriptor is {@code descriptor}'s readable bytes (not consumed).
     *
     * @throws io.dragon.core.channels.ChannelDestroyedException if it has been destroyed
     */
    LocalChannel get(ByteBuf descriptor) {
        int hash = ByteBufUtil.hashCode(descriptor);
        Attached attached = channels.get(hash);
        if (attached == null || !attached.matches(descriptor)) {
            byte[] bytes = ByteBufUtil.getBytes(descriptor);
            attached = new Attached(bytes, LocalChannel.attach(ChannelDescriptor.deserialize(bytes))
                .waitMode(WaitMode.SLEEP));
            channels.put(hash, attached);
        }
        return attached.channel();
    }
}
