package io.dragon.backend.transport;

import static io.dragon.backend.transport.GatewayRequests.bytes;
import static io.dragon.backend.transport.FrameKind.LARGE;
import static io.dragon.backend.transport.OfiMessageLayout.COUNTER_OFFSET;
import static io.dragon.backend.transport.OfiMessageLayout.HEADER;
import static io.dragon.backend.transport.OfiMessageLayout.KIND_OFFSET;
import static io.dragon.backend.transport.OfiMessageLayout.LARGE_MESSAGE;
import static io.dragon.backend.transport.OfiMessageLayout.MAX_MESSAGE;
import static io.dragon.backend.transport.OfiMessageLayout.SOURCE_OFFSET;
import static io.dragon.backend.transport.OfiMessageLayout.TAG_OFFSET;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class MessageTagsTest {
    private static final byte[] KEY = bytes(32, 1);
    private static final int FIELDS = LARGE_MESSAGE - HEADER;
    /** The longest body a tag covers: a full slot's. */
    private static final int BODY = MAX_MESSAGE - HEADER;

    /** A message from node 3, as in a slab: direct memory, at an offset; a LARGE one, or a full slot's. */
    private final ByteBuf slab = Unpooled.wrappedBuffer(ByteBuffer.allocateDirect(2 * MAX_MESSAGE));
    private final int base = MAX_MESSAGE;

    MessageTagsTest() {
        slab.setInt(base + SOURCE_OFFSET, 3).setInt(base + KIND_OFFSET, LARGE).setLong(base + COUNTER_OFFSET, 42)
            .setBytes(base + HEADER, bytes(BODY, 2));
    }

    @Test
    void shouldTagWithTheFirstHalfOfHmacSha256OfTheDestinationTheHeaderAndTheBytesCovered() throws Exception {
        for (byte[] key : new byte[][] {KEY, bytes(100, 3)}) {
            for (int covered : new int[] {0, FIELDS, 1000, BODY}) {
                new MessageTags(key).sign(slab, base, 7, covered);
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(key, "HmacSHA256"));
                mac.update(ByteBuffer.allocate(Integer.BYTES).putInt(0, 7).array());
                mac.update(ByteBufUtil.getBytes(slab, base, TAG_OFFSET));
                mac.update(ByteBufUtil.getBytes(slab, base + HEADER, covered));
                assertThat(ByteBufUtil.getBytes(slab, base + TAG_OFFSET, MessageTags.BYTES))
                    .as("key of %d bytes, %d bytes covered", key.length, covered)
                    .isEqualTo(Arrays.copyOf(mac.doFinal(), MessageTags.BYTES));
            }
        }
    }

    @Test
    void shouldVerifyOnlyTheBodyItsTagWasMadeFor() {
        MessageTags tags = new MessageTags(KEY);
        tags.sign(slab, base, 7, BODY);
        assertThat(tags.verify(slab, base, 7, BODY)).isTrue();
        assertThat(tags.verify(slab, base, 7, BODY - 1)).as("a byte cut off").isFalse();
        for (int at : new int[] {HEADER, HEADER + 1000, MAX_MESSAGE - 1}) {
            slab.setByte(base + at, slab.getByte(base + at) ^ 0x80);
            assertThat(tags.verify(slab, base, 7, BODY)).as("byte %d changed", at).isFalse();
            slab.setByte(base + at, slab.getByte(base + at) ^ 0x80);
        }
    }

    @Test
    void shouldVerifyOnlyTheMessageItsTagWasMadeFor() {
        MessageTags tags = new MessageTags(KEY);
        tags.sign(slab, base, 7, FIELDS);
        assertThat(tags.verify(slab, base, 7, FIELDS)).isTrue();
        assertThat(tags.verify(slab, base, 8, FIELDS)).as("for another node").isFalse();
        assertThat(new MessageTags(bytes(32, 9)).verify(slab, base, 7, FIELDS)).as("another key").isFalse();
        for (int at : new int[] {SOURCE_OFFSET, KIND_OFFSET, COUNTER_OFFSET + 7, TAG_OFFSET, TAG_OFFSET + 15,
            HEADER, LARGE_MESSAGE - 1}) {
            slab.setByte(base + at, slab.getByte(base + at) ^ 1);
            assertThat(tags.verify(slab, base, 7, FIELDS)).as("byte %d changed", at).isFalse();
            slab.setByte(base + at, slab.getByte(base + at) ^ 1);
        }
        slab.setByte(base + LARGE_MESSAGE, 1);
        assertThat(tags.verify(slab, base, 7, FIELDS)).as("a byte after the fields changed").isTrue();
    }

    @Test
    void shouldTagAndVerifyWithoutAllocatingWhateverTheyCover() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory
            .getThreadMXBean();
        MessageTags tags = new MessageTags(KEY);
        int verified = 0;
        for (int round = 0; round < 2; round++) {
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 20_000; i++) {
                int covered = i % 100 == 0 ? BODY : FIELDS;
                slab.setLong(base + COUNTER_OFFSET, i);
                tags.sign(slab, base, 7, covered);
                verified += tags.verify(slab, base, 7, covered) ? 1 : 0;
            }
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            if (round == 1) {
                assertThat(allocated).as("bytes allocated by 20,000 tags and checks").isLessThan(1024);
            }
        }
        assertThat(verified).isEqualTo(40_000);
    }
}
