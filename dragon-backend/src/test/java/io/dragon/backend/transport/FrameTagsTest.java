package io.dragon.backend.transport;

import static io.dragon.backend.transport.GatewayRequests.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FrameTagsTest {
    private static final byte[] KEY = bytes(32, 1);

    private final FrameTags tags = new FrameTags(KEY);
    private ByteBuf frame;

    @AfterEach
    void tearDown() {
        if (frame != null) {
            frame.release();
        }
    }

    /** A frame as the agents hold them: direct memory, its readable bytes not at index 0. */
    private ByteBuf frame(int size, int seed) {
        frame = PooledByteBufAllocator.DEFAULT.directBuffer(size + 8).writeLong(-1).writeBytes(bytes(size, seed))
            .skipBytes(Long.BYTES);
        return frame;
    }

    @Test
    void shouldTagWithAes256GcmOfTheBytesUnderTheSendersNonceAndADerivedKey() throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(KEY, "HmacSHA256"));
        SecretKeySpec key = new SecretKeySpec(mac.doFinal("dragon fabric large frames".getBytes(
            StandardCharsets.US_ASCII)), "AES");
        // Sizes around the chunks GCM is fed (64 KiB) and its blocks (16 bytes).
        for (int size : new int[] {1, 17, 65_536, 65_537, (3 << 20) + 5}) {
            byte[] bytes = ByteBufUtil.getBytes(frame(size, size));
            Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
            gcm.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, ByteBuffer.allocate(12).putInt(3)
                .putLong(42).array()));
            byte[] sealed = gcm.doFinal(bytes);
            byte[] tag = new byte[FrameTags.BYTES];
            tags.tag(frame, 3, 42, tag);
            assertThat(tag).as("%d bytes", size).isEqualTo(Arrays.copyOfRange(sealed, size, size + FrameTags.BYTES));
            assertThat(frame.readableBytes()).as("the frame's indexes untouched").isEqualTo(size);
            frame.release();
            frame = null;
        }
    }

    @Test
    void shouldMatchOnlyTheBytesSenderAndSequenceTheTagWasMadeFor() {
        int size = 200_000;
        ByteBuf tagged = frame(size, 2);
        byte[] tag = new byte[FrameTags.BYTES];
        tags.tag(tagged, 3, 42, tag);
        assertThat(tags.matches(tagged, 3, 42, tag)).isTrue();
        assertThat(tags.matches(tagged, 4, 42, tag)).as("from another node").isFalse();
        assertThat(tags.matches(tagged, 3, 43, tag)).as("another of its frames").isFalse();
        assertThat(new FrameTags(bytes(32, 9)).matches(tagged, 3, 42, tag)).as("another key").isFalse();
        for (int at : new int[] {0, 65_536, size - 1}) {
            int index = tagged.readerIndex() + at;
            tagged.setByte(index, tagged.getByte(index) ^ 1);
            assertThat(tags.matches(tagged, 3, 42, tag)).as("byte %d changed", at).isFalse();
            tagged.setByte(index, tagged.getByte(index) ^ 1);
        }
        tagged.writerIndex(tagged.writerIndex() - 1);
        assertThat(tags.matches(tagged, 3, 42, tag)).as("a byte cut off").isFalse();
    }
}
