package io.dragon.backend.transport;

import static io.dragon.backend.transport.GatewayRequests.bytes;
import static io.dragon.core.channels.GatewayLayout.RECV;
import static io.dragon.core.channels.GatewayLayout.SEND;
import static org.assertj.core.api.Assertions.assertThat;

import io.dragon.core.channels.Channel;
import io.dragon.core.channels.LocalChannel;
import io.dragon.core.infrastructure.RuntimeIds;
import io.dragon.core.memory.MemoryPool;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The transport frame decoder reads a large send's payload straight into a side allocation of its target's pool,
 * frees it if the link closes before the frame is whole, and gathers every other frame whole.
 */
class TransportFrameDecoderTest {
    private final AttachedChannels targets = new AttachedChannels();
    private MemoryPool pool;
    private LocalChannel target;
    private LocalChannel replies;
    private EmbeddedChannel link;

    @BeforeEach
    void setUp() {
        pool = MemoryPool.create(RuntimeIds.next(), 1, 16 << 20);
        target = Channel.create(pool, 10, 8, 256);
        replies = Channel.create(pool, -11, 8, 256);
        link = new EmbeddedChannel(new TransportFrameDecoder(targets, new AttachedChannels()));
    }

    @AfterEach
    void tearDown() {
        link.finishAndReleaseAll();
        pool.destroy();
    }

    @Test
    void shouldReadALargeSendIntoASideAllocationOfItsTarget() {
        byte[] payload = bytes(100_000, 1);
        ByteBuf frame = frame(SEND, target, payload);
        long used = pool.usedBytes();
        writeInPieces(frame, 7_000);
        ByteBuf request = link.readInbound();
        assertThat(request).isInstanceOf(SideFrame.class);
        assertThat(pool.usedBytes()).as("pool memory with the payload in it").isGreaterThan(used);
        assertThat(request.readInt()).isEqualTo(FrameKind.REQUEST);
        assertThat(((SideFrame) request).fits(target)).isTrue();
        assertThat(ByteBufUtil.getBytes(Unpooled.wrappedBuffer(ChannelOperations.payload(request)))).isEqualTo(payload);
        assertThat(((SideFrame) request).trySend(target)).isTrue();
        request.release();
        assertThat(target.tryRecv()).isEqualTo(payload);
        assertThat(pool.usedBytes()).as("pool memory in use").isEqualTo(used);
    }

    @Test
    void shouldReadALargeCompletionIntoASideAllocationOfItsReplyChannel() throws Exception {
        byte[] completion = bytes(70_000, 1);
        byte[] reply = replies.serialize();
        ByteBuf frame = Unpooled.directBuffer().writeInt(TransportFrames.BODY_OFFSET + Integer.BYTES + reply.length
            + completion.length).writeInt(FrameKind.COMPLETION).writeInt(reply.length).writeBytes(reply)
            .writeBytes(completion);
        long used = pool.usedBytes();
        writeInPieces(frame, 5_000);
        ByteBuf body = link.readInbound();
        assertThat(body).isInstanceOf(SideFrame.class);
        assertThat(((SideFrame) body).fits(replies)).isTrue();
        assertThat(((SideFrame) body).trySend(replies)).isTrue();
        body.release();
        assertThat(replies.tryRecv()).isEqualTo(completion);
        assertThat(pool.usedBytes()).as("pool memory in use").isEqualTo(used);
    }

    @Test
    void shouldFreeTheSideAllocationOfAFrameCutShortByTheLinksClose() {
        ByteBuf frame = frame(SEND, target, bytes(100_000, 1));
        long used = pool.usedBytes();
        link.writeInbound(frame.readRetainedSlice(50_000));
        frame.release();
        assertThat(pool.usedBytes()).as("pool memory with part of the payload in it").isGreaterThan(used);
        assertThat((Object) link.readInbound()).isNull();
        link.close();
        assertThat(pool.usedBytes()).as("pool memory in use").isEqualTo(used);
    }

    @Test
    void shouldGatherWholeAFrameThatIsNotALargeSendToAChannelOfThisNode() {
        LocalChannel wide = Channel.create(pool, 12, 8, 256 << 10);
        for (ByteBuf frame : new ByteBuf[] {frame(RECV, target, bytes(100_000, 1)),
            frame(SEND, target, bytes(9_000, 1)),
            frame(SEND, wide, bytes(100_000, 1))}) {
            writeInPieces(frame, 7_000);
            ByteBuf request = link.readInbound();
            assertThat(request).isNotInstanceOf(SideFrame.class);
            request.release();
        }
    }

    private void writeInPieces(ByteBuf frame, int piece) {
        while (frame.isReadable()) {
            link.writeInbound(frame.readRetainedSlice(Math.min(piece, frame.readableBytes())));
        }
        frame.release();
    }

    private ByteBuf frame(int op, LocalChannel channel, byte[] payload) {
        ByteBuf request = GatewayRequests.request(op, channel.serialize(), replies.serialize(), 1, 0, 0, 0, payload);
        ByteBuf frame = Unpooled.directBuffer().writeInt(TransportFrames.BODY_OFFSET + request.readableBytes())
            .writeInt(FrameKind.REQUEST).writeBytes(request);
        request.release();
        return frame;
    }
}
