package io.dragon.backend.transport;

import static io.dragon.core.channels.GatewayLayout.COMPLETION_ID_OFFSET;
import static io.dragon.core.channels.GatewayLayout.COMPLETION_PAYLOAD_OFFSET;
import static io.dragon.core.channels.GatewayLayout.LOST;
import static io.dragon.core.channels.GatewayLayout.OK;
import static io.dragon.core.channels.GatewayLayout.SEND;
import static io.dragon.core.channels.GatewayLayout.STATUS_OFFSET;
import static io.dragon.core.channels.GatewayLayout.UNWATCH;
import static io.dragon.core.channels.GatewayLayout.WATCH;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A request that a process asked its agent to watch (WATCH) is watched as one announced as waiting: its node is
 * pinged, and if the node is lost the request fails with LOST, naming it; its completion, or an UNWATCH, ends the
 * watch. The agent is a fake here: it records what the watcher sends and delivers.
 */
class WaitingRequestsTest {
    private static final long HOST = 0xB;
    private static final byte[] TARGET = {1, 2, 3};
    private static final byte[] REPLY = {4, 5, 6, 7};

    private final List<Long> pinged = new CopyOnWriteArrayList<>();
    private final List<ByteBuf> delivered = new CopyOnWriteArrayList<>();
    private final WaitingRequests waits = new WaitingRequests(new WaitingRequests.Agent() {
        @Override
        public void forward(ByteBuf frame, long host) {
            if (frame.getInt(TransportFrames.FRAME_HEADER - Integer.BYTES) == FrameKind.PING) {
                pinged.add(host);
            }
            frame.release();
        }

        @Override
        public void deliver(ByteBuf body) {
            delivered.add(body);
        }

        @Override
        public String name(long host) {
            return "node 1 (b)";
        }

        @Override
        public byte[] ownReplies() {
            return REPLY;
        }
    });

    @AfterEach
    void tearDown() {
        waits.close();
        delivered.forEach(ByteBuf::release);
    }

    @Test
    void shouldPingTheNodeOfAWatchedRequestAndFailItWithLostWhenTheNodeIsLost() throws Exception {
        waits.watch(control(WATCH, 7));
        assertThat(waits.isEmpty()).isFalse();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (pinged.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(pinged).as("pinged").contains(HOST);
        waits.lost(HOST, "its transport agent has not answered");
        assertThat(delivered).hasSize(1);
        ByteBuf completion = completion(delivered.get(0));
        assertThat(completion.getLongLE(completion.readerIndex() + COMPLETION_ID_OFFSET)).isEqualTo(7);
        assertThat(completion.getIntLE(completion.readerIndex() + STATUS_OFFSET)).isEqualTo(LOST);
        assertThat(completion.toString(completion.readerIndex() + COMPLETION_PAYLOAD_OFFSET,
            completion.readableBytes() - COMPLETION_PAYLOAD_OFFSET, StandardCharsets.UTF_8))
            .isEqualTo("lost node 1 (b) while a request waited there: its transport agent has not answered");
    }

    @Test
    void shouldEndAWatchWithTheRequestsCompletionOrAnUnwatch() {
        waits.watch(control(WATCH, 7));
        waits.completed(completionBody(7));
        assertThat(delivered).as("delivered to the requester").hasSize(1);
        assertThat(waits.isEmpty()).as("no longer watched").isTrue();

        waits.watch(control(WATCH, 8));
        waits.unwatch(control(UNWATCH, 8));
        assertThat(waits.isEmpty()).as("no longer watched").isTrue();
        waits.lost(HOST, "gone");
        assertThat(delivered).as("nothing failed").hasSize(1);
    }

    @Test
    void shouldKeepAnAnnouncedRequestWhenItIsWatchedAndUnwatched() {
        waits.announced(control(SEND, 9));
        waits.watch(control(WATCH, 9));
        waits.unwatch(control(UNWATCH, 9));
        assertThat(waits.isEmpty()).as("still waiting").isFalse();
        waits.lost(HOST, "gone");
        assertThat(delivered).hasSize(1);
    }

    /** A request's header and descriptors, as a WAITING, WATCH or UNWATCH carries them (WATCH: of a SEND). */
    private static ByteBuf control(int op, long id) {
        return GatewayRequests.request(op, TARGET, REPLY, id, 0, op == WATCH ? SEND : 0, HOST, null);
    }

    /** A COMPLETION's body: length r, reply descriptor, completion (OK). */
    private static ByteBuf completionBody(long id) {
        ByteBuf body = Unpooled.buffer().writeInt(REPLY.length).writeBytes(REPLY);
        return body.writeLongLE(id).writeIntLE(OK).writeZero(COMPLETION_PAYLOAD_OFFSET - STATUS_OFFSET - 4);
    }

    /** The completion in a delivered body. */
    private static ByteBuf completion(ByteBuf body) {
        return body.slice(body.readerIndex() + Integer.BYTES + body.getInt(body.readerIndex()),
            body.readableBytes() - Integer.BYTES - body.getInt(body.readerIndex()));
    }
}
