package io.dragon.core.messages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dragon.Gpu;
import io.dragon.core.messages.Messages.GSProcessCreate;
import io.dragon.core.messages.Messages.GSProcessListResponse;
import io.dragon.core.messages.Messages.GSNodeListResponse;
import io.dragon.core.messages.Messages.LAChannelsInfo;
import io.dragon.core.messages.Messages.NodeInfo;
import io.dragon.core.messages.Messages.ProcessInfo;
import io.dragon.core.messages.Messages.ProcessSpec;
import io.dragon.core.messages.Messages.ProcessState;
import io.dragon.core.messages.Messages.SHChannelsUp;
import io.dragon.core.messages.Messages.SHFwdOutput;
import io.dragon.core.messages.Messages.SHIsUp;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MessageCodecTest {
    private static final ProcessSpec SPEC = new ProcessSpec("/bin/echo", List.of("a", "b c"), Map.of("K", "V"),
        "/tmp", "worker", false, -1, null, null, null, List.of(2, 3), List.of(0));

    @Test
    void shouldRoundTripNestedRecordsListsAndMaps() {
        GSProcessCreate create = new GSProcessCreate(7, 1L << 32, 2, SPEC);
        assertThat(MessageCodec.decode(MessageCodec.encode(create))).isEqualTo(create);

        GSProcessListResponse list = new GSProcessListResponse(8, 7, Response.SUCCESS, "", List.of(
            new ProcessInfo(5, "p", 0, "node1", 1234, ProcessState.EXITED, 3), new ProcessInfo(6, null, 0, "n", 1,
                ProcessState.ACTIVE, 0)));
        assertThat(MessageCodec.decode(MessageCodec.encode(list))).isEqualTo(list);

        NodeInfo node = new NodeInfo(1, "n1", 64, List.of(new Gpu(Gpu.Vendor.NVIDIA, 0, "NVIDIA A100")));
        GSNodeListResponse nodes = new GSNodeListResponse(9, 8, Response.SUCCESS, "", List.of(node));
        assertThat(MessageCodec.decode(MessageCodec.encode(nodes))).isEqualTo(nodes);
    }

    @Test
    void shouldRoundTripBinaryAndNulls() {
        SHFwdOutput output = new SHFwdOutput(1, 2, 1, new byte[] {0, 1, -1}, 99, null);
        SHFwdOutput decoded = (SHFwdOutput) MessageCodec.decode(MessageCodec.encode(output));
        assertThat(decoded.data()).containsExactly(0, 1, -1);
        assertThat(decoded.hostname()).isNull();
    }

    @Test
    void shouldNameUnknownTypeCode() {
        byte[] bytes = MessageCodec.encode(new SHIsUp(1, "h", 0));
        bytes[1] = 0x7f; // positive fixint type code 127
        assertThatThrownBy(() -> MessageCodec.decode(bytes)).isInstanceOf(MalformedMessageException.class)
            .hasMessageContaining("unknown message type code 127");
    }

    @Test
    void shouldNameWrongFieldType() {
        byte[] bytes = MessageCodec.encode(new SHIsUp(1, "h", 0));
        bytes[bytes.length - 1] = (byte) 0xc3; // nodeIndex becomes 'true'
        assertThatThrownBy(() -> MessageCodec.decode(bytes)).isInstanceOf(MalformedMessageException.class)
            .hasMessageContaining("SHIsUp.nodeIndex").hasMessageContaining("expected an integer");
    }

    @Test
    void shouldRejectNilInAPrimitiveField() {
        byte[] bytes = MessageCodec.encode(new SHIsUp(1, "h", 0));
        bytes[bytes.length - 1] = (byte) 0xc0; // nodeIndex becomes nil
        assertThatThrownBy(() -> MessageCodec.decode(bytes)).isInstanceOf(MalformedMessageException.class)
            .hasMessageContaining("SHIsUp");
    }

    @Test
    void shouldRejectLengthLargerThanInputWithoutAllocatingIt() {
        // [SHFwdOutput code, tag, puid, fd, bin32 claiming 2 GiB, ...]
        byte[] bytes = {(byte) 0x97, 35, 1, 2, 1, (byte) 0xc6, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0};
        assertThatThrownBy(() -> MessageCodec.decode(bytes)).isInstanceOf(MalformedMessageException.class)
            .hasMessageContaining("SHFwdOutput.data").hasMessageContaining("exceeds");
    }

    @Test
    void shouldRejectTrailingBytesAndTruncation() {
        byte[] bytes = MessageCodec.encode(new GSProcessCreate(7, 1, 2, SPEC));
        byte[] longer = java.util.Arrays.copyOf(bytes, bytes.length + 1);
        assertThatThrownBy(() -> MessageCodec.decode(longer)).isInstanceOf(MalformedMessageException.class)
            .hasMessageContaining("unexpected bytes");
        for (int length = 0; length < bytes.length; length++) {
            int cut = length;
            assertThatThrownBy(() -> MessageCodec.decode(bytes, 0, cut)).isInstanceOf(MalformedMessageException.class);
        }
    }

    /** 100,000 inputs: mutations of messages of several shapes, and random bytes. */
    @Test
    void shouldSurviveRandomAndMutatedInputWithOnlyMalformedMessageErrors() {
        Random random = new Random(42);
        List<byte[]> originals = List.of(MessageCodec.encode(new GSProcessCreate(7, 1, 2, SPEC)),
            MessageCodec.encode(new SHChannelsUp(1, "node1", 0, 2, List.of(new Gpu(Gpu.Vendor.AMD, 0, "MI250X")),
                new byte[40], null, new byte[40], new byte[30], new byte[30], new byte[40])),
            MessageCodec.encode(new LAChannelsInfo(2, List.of(new SHChannelsUp(1, "node1", 0, 2, List.of(),
                new byte[4], null, new byte[4], new byte[3], new byte[3], new byte[4])), "tcp",
                List.of("10.0.0.1:4000"))),
            MessageCodec.encode(new SHFwdOutput(3, 1L << 32, 1, new byte[100], 42, "node2")));
        for (int i = 0; i < 100_000; i++) {
            byte[] bytes;
            if (random.nextInt(5) == 0) {
                bytes = new byte[random.nextInt(64)];
                random.nextBytes(bytes);
            } else {
                bytes = originals.get(random.nextInt(originals.size())).clone();
                for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
                    bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
                }
            }
            try {
                MessageCodec.decode(bytes);
            } catch (MalformedMessageException expected) {
                assertThat(expected.getMessage()).isNotBlank();
            }
        }
    }
}
