package io.dragon.core.messages;

import io.dragon.core.channels.Channel;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/** Infrastructure messages over a {@link Channel}: one message per channel message, {@link MessageCodec}-encoded. */
public final class MessageChannel {
    private final Channel channel;

    public MessageChannel(Channel channel) {
        this.channel = channel;
    }

    public static MessageChannel attach(byte[] descriptor) {
        return new MessageChannel(Channel.attach(descriptor));
    }

    public Channel channel() {
        return channel;
    }

    public long cuid() {
        return channel.cuid();
    }

    public void send(Message message) throws InterruptedException {
        channel.send(ByteBuffer.wrap(MessageCodec.encode(message)));
    }

    /** Sends, failing with {@link io.dragon.core.channels.ChannelFullException} after the timeout. */
    public void send(Message message, long timeout, TimeUnit unit) throws InterruptedException {
        channel.send(ByteBuffer.wrap(MessageCodec.encode(message)), timeout, unit);
    }

    /**
     * Receives the next message, or null if none came within the timeout.
     *
     * @throws MalformedMessageException if the bytes received are not a valid message (they are consumed)
     */
    public Message recv(long timeout, TimeUnit unit) throws InterruptedException {
        if (!channel.awaitRecv(timeout, unit)) {
            return null;
        }
        byte[] bytes = channel.tryRecv();
        return bytes == null ? null : MessageCodec.decode(bytes);
    }

    @Override
    public String toString() {
        return channel.toString();
    }
}
