package io.dragon.core.messages;

import io.dragon.core.channels.Channel;
import io.dragon.core.sync.WaitMode;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * Infrastructure messages over a {@link Channel}: one message per channel message, {@link MessageCodec}-encoded.
 *
 * <p>Waits sleep on the futex at once ({@link WaitMode#SLEEP}): services spend most of their time waiting, and
 * spinning services take the CPU from the work they wait for (a process launch got 50% faster without it). A
 * message then costs a wake-up, tens of microseconds, which is nothing next to what the messages ask for.
 */
public final class MessageChannel {
    private final Channel channel;

    public MessageChannel(Channel channel) {
        this.channel = channel.waitMode(WaitMode.SLEEP);
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
