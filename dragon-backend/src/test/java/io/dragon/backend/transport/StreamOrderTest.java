package io.dragon.backend.transport;

import static io.dragon.core.channels.GatewayLayout.OK;
import static io.dragon.core.channels.GatewayLayout.SEND;
import static io.dragon.core.channels.GatewayLayout.SEND_BUFFERED;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

/** The fabric agent's order of buffered sends: one per stream (reply channel) in flight, the rest held in order. */
class StreamOrderTest {
    private static final byte[] TARGET = {1, 2, 3};
    private static final byte[] STREAM_A = {10, 11};
    private static final byte[] STREAM_B = {20, 21};

    private final StreamOrder order = new StreamOrder();

    @Test
    void shouldHoldTheLaterBufferedSendsOfAStreamUntilTheOneInFlightIsAnswered() {
        ByteBuf a1 = frame(SEND_BUFFERED, STREAM_A, 1);
        ByteBuf a2 = frame(SEND_BUFFERED, STREAM_A, 2);
        ByteBuf a3 = frame(SEND_BUFFERED, STREAM_A, 3);
        assertThat(order.admit(a1)).isTrue();
        assertThat(order.admit(a2)).isFalse();
        assertThat(order.admit(a3)).isFalse();
        assertThat(order.admit(frame(SEND_BUFFERED, STREAM_B, 4))).as("another stream").isTrue();
        assertThat(order.admit(frame(SEND, STREAM_A, 5))).as("not a buffered send").isTrue();

        assertThat(order.completed(completion(STREAM_A, 99))).as("no request in flight has id 99").isNull();
        assertThat(order.completed(completion(STREAM_A, 1))).isSameAs(a2);
        assertThat(order.completed(completion(STREAM_A, 2))).isSameAs(a3);
        assertThat(order.completed(completion(STREAM_A, 3))).isNull();
        assertThat(order.admit(frame(SEND_BUFFERED, STREAM_A, 6))).as("the stream is free again").isTrue();
        order.releaseAll();
    }

    /** A REQUEST frame as the gateway's reader makes it. */
    private static ByteBuf frame(int op, byte[] reply, long id) {
        ByteBuf request = GatewayRequests.request(op, TARGET, reply, id, 0, 0, 7, new byte[] {42});
        ByteBuf frame = Unpooled.buffer().writeInt(0).writeInt(FrameKind.REQUEST).writeBytes(request);
        request.release();
        return TransportFrames.finish(frame);
    }

    /** The body of a COMPLETION frame answering request {@code id} of {@code reply}'s stream. */
    private static ByteBuf completion(byte[] reply, long id) {
        ByteBuf request = GatewayRequests.request(SEND_BUFFERED, TARGET, reply, id, 0, 0, 7, null);
        ByteBuf frame = TransportFrames.finish(TransportFrames.completion(ByteBufAllocator.DEFAULT, request, OK, 0, 0));
        request.release();
        return frame.skipBytes(TransportFrames.FRAME_HEADER);
    }
}
