package io.dragon.core.messages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dragon.core.messages.Messages.SHIsUp;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The bringup pipe's framing: messages round-trip; a stream of garbage gives only clear errors. */
class PipeCodecTest {
    @Test
    void shouldReadWhatItWrote() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PipeCodec.write(out, new SHIsUp(1, "node1", 0));
        PipeCodec.write(out, new SHIsUp(2, "node2", 1));
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(out.toByteArray()));
        assertThat(PipeCodec.read(in)).isEqualTo(new SHIsUp(1, "node1", 0));
        assertThat(PipeCodec.read(in)).isEqualTo(new SHIsUp(2, "node2", 1));
        assertThatThrownBy(() -> PipeCodec.read(in)).isInstanceOf(EOFException.class);
    }

    @Test
    void shouldRefuseAFrameLongerThanTheLimitBeforeReadingIt() {
        byte[] huge = {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff};
        assertThatThrownBy(() -> PipeCodec.read(new DataInputStream(new ByteArrayInputStream(huge))))
            .isInstanceOf(MalformedMessageException.class).hasMessageContaining("more than the limit");
    }

    /** 100,000 streams: mutated frames and random bytes; each read ends in a message, an EOF or a clear error. */
    @Test
    void shouldSurviveRandomAndMutatedStreamsWithOnlyClearErrors() throws IOException {
        Random random = new Random(7);
        ByteArrayOutputStream valid = new ByteArrayOutputStream();
        PipeCodec.write(valid, new SHIsUp(1, "node1", 0));
        byte[] frame = valid.toByteArray();
        for (int i = 0; i < 100_000; i++) {
            byte[] bytes;
            if (random.nextBoolean()) {
                bytes = frame.clone();
                bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
            } else {
                bytes = new byte[random.nextInt(40)];
                random.nextBytes(bytes);
                if (bytes.length >= 4) {
                    bytes[0] = 0; // lengths up to 16 MiB: allowed, but longer than the stream
                }
            }
            try {
                PipeCodec.read(new DataInputStream(new ByteArrayInputStream(bytes)));
            } catch (EOFException | MalformedMessageException expected) {
                // a clear end or a clear error
            }
        }
    }
}
