package io.dragon.backend.tree;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dragon.core.messages.MalformedMessageException;
import io.dragon.core.messages.Message;
import io.dragon.core.messages.MessageCodec;
import io.dragon.core.messages.Messages.TreeContribution;
import io.dragon.core.messages.Messages.TreeReduce;
import io.dragon.core.messages.Messages.TreeRegister;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TreeMessageDecoderTest {
    private static final Message REGISTER = new TreeRegister(1, 3, "node3", "10.0.0.3", 4711);

    @Test
    void shouldDecodeFramesSplitAnyWhere() {
        byte[] frame = frame(MessageCodec.encode(REGISTER));
        EmbeddedChannel channel = new EmbeddedChannel(new TreeMessageDecoder());
        for (byte b : frame) {
            channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
        }
        assertThat((Message) channel.readInbound()).isEqualTo(REGISTER);
    }

    @Test
    void shouldRefuseAFrameOverTheLimitBeforeBufferingIt() {
        EmbeddedChannel channel = new EmbeddedChannel(new TreeMessageDecoder());
        ByteBuf announce = Unpooled.buffer().writeInt(Integer.MAX_VALUE).writeByte(0);
        assertThatThrownBy(() -> channel.writeInbound(announce)).isInstanceOf(TooLongFrameException.class)
            .hasMessageContaining("2147483647 bytes exceeds the limit of " + MessageCodec.MAX_MESSAGE_BYTES);
    }

    @Test
    void shouldAcceptLargeFrames() {
        EmbeddedChannel channel = new EmbeddedChannel(new TreeMessageDecoder());
        TreeReduce large = new TreeReduce(2, 9, List.of(new TreeContribution(1, new byte[100_000])));
        channel.writeInbound(Unpooled.wrappedBuffer(frame(MessageCodec.encode(large))));
        assertThat(((TreeReduce) channel.readInbound()).contributions().get(0).message()).hasSize(100_000);
    }

    @Test
    void shouldSurviveAHundredThousandRandomAndMutatedFramesWithOnlyClearErrors() {
        Random random = new Random(7);
        byte[] valid = MessageCodec.encode(REGISTER);
        int decoded = 0;
        int refused = 0;
        for (int i = 0; i < 100_000; i++) {
            byte[] body;
            if (i % 2 == 0) {
                body = valid.clone();
                for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
                    body[random.nextInt(body.length)] = (byte) random.nextInt(256);
                }
            } else {
                body = new byte[random.nextInt(64)];
                random.nextBytes(body);
            }
            byte[] bytes = random.nextInt(10) == 0 ? randomLengthFrame(random, body) : frame(body);
            EmbeddedChannel channel = new EmbeddedChannel(new TreeMessageDecoder());
            try {
                channel.writeInbound(Unpooled.wrappedBuffer(bytes));
                Object message = channel.readInbound();
                decoded += message != null ? 1 : 0;
            } catch (DecoderException e) {
                assertThat(e instanceof TooLongFrameException || e.getCause() instanceof MalformedMessageException)
                    .as("error for input %d: %s", i, e).isTrue();
                refused++;
            } finally {
                channel.finishAndReleaseAll();
            }
        }
        assertThat(decoded + refused).isGreaterThan(90_000); // the rest are frames still waiting for their bytes
        assertThat(refused).isGreaterThan(10_000);
    }

    private static byte[] frame(byte[] body) {
        return withLength(body.length, body);
    }

    /** A frame whose length field lies (any value, negative and huge included). */
    private static byte[] randomLengthFrame(Random random, byte[] body) {
        return withLength(random.nextInt(), body);
    }

    private static byte[] withLength(int length, byte[] body) {
        ByteBuf buf = Unpooled.buffer(body.length + 4).writeInt(length).writeBytes(body);
        byte[] bytes = new byte[buf.readableBytes()];
        buf.readBytes(bytes);
        return bytes;
    }
}
