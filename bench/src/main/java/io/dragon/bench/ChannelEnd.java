package io.dragon.bench;

import io.dragon.core.channels.Channel;
import java.nio.ByteBuffer;

/** One side's use of a channel: sends and receives in the benchmark's {@link Wait} style. */
final class ChannelEnd {
    private final Channel channel;
    private final Wait wait;
    private final long deadline;

    ChannelEnd(Channel channel, Wait wait, long deadline) {
        this.channel = channel;
        this.wait = wait;
        this.deadline = deadline;
        if (wait.mode != null) {
            channel.waitMode(wait.mode);
        }
    }

    /** Sends the remaining bytes of {@code src}. */
    void send(ByteBuffer src) throws InterruptedException {
        if (wait == Wait.POLL) {
            long spins = 0;
            while (!channel.trySend(src)) {
                Spin.idle(++spins, deadline);
            }
        } else {
            channel.send(src, wait.mode, deadline);
        }
    }

    /** Receives into {@code dst} at its position; returns the length. */
    int recv(ByteBuffer dst) throws InterruptedException {
        if (wait == Wait.POLL) {
            long spins = 0;
            int length;
            while ((length = channel.tryRecv(dst)) < 0) {
                Spin.idle(++spins, deadline);
            }
            return length;
        }
        return channel.recv(dst, wait.mode, deadline);
    }
}
