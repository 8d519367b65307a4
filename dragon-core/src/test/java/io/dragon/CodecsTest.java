package io.dragon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CodecsTest {
    @Test
    void shouldRoundTripEveryStandardFormInOneBuffer() {
        List<Object> values = new ArrayList<>(List.of("text", 1, 2L, 3.5, 4.5f, (short) 5, (byte) 6, 'x', true,
            Map.of("k", List.of(1, 2))));
        values.add(null);
        Output out = new Output(1);
        Codec<Object> codec = Codecs.standard();
        for (Object value : values) {
            codec.encode(value, out);
        }
        codec.encode(new byte[] {1, 2, 3}, out);
        codec.encode(ByteBuffer.wrap(new byte[] {4, 5}), out);

        ByteBuffer in = out.view();
        for (Object value : values) {
            assertThat(codec.decode(in)).isEqualTo(value);
        }
        assertThat((byte[]) codec.decode(in)).containsExactly(1, 2, 3);
        assertThat(codec.decode(in)).isEqualTo(ByteBuffer.wrap(new byte[] {4, 5}));
        assertThat(in.hasRemaining()).isFalse();
    }

    @Test
    void shouldWriteCompactFormsWithoutJavaSerialization() {
        Output out = new Output(16);
        Codecs.standard().encode(42L, out);
        assertThat(out.length()).isEqualTo(1 + Long.BYTES);
        out.clear();
        Codecs.standard().encode("abc", out);
        assertThat(out.length()).isEqualTo(1 + Integer.BYTES + 3);
    }

    @Test
    void shouldRejectCorruptInputWithAClearError() {
        assertThatThrownBy(() -> Codecs.standard().decode(ByteBuffer.wrap(new byte[] {99})))
            .isInstanceOf(DragonException.class).hasMessageContaining("unknown tag 99");
        ByteBuffer lying = ByteBuffer.allocate(5).put((byte) 2).putInt(1 << 30).flip(); // byte[] of 1 GiB, 0 present
        assertThatThrownBy(() -> Codecs.standard().decode(lying)).isInstanceOf(DragonException.class)
            .hasMessageContaining("length 1073741824");
    }

    @Test
    void shouldNameWhatIsNotSerializable() {
        assertThatThrownBy(() -> Codecs.standard().encode(List.of(new Object()), new Output(16)))
            .isInstanceOf(DragonException.class).hasMessageContaining("java.lang.Object")
            .hasMessageContaining("not Serializable");
    }

    @Test
    void shouldGrowAndKeepWhatWasWritten() {
        Output out = new Output(1);
        for (int i = 0; i < 1000; i++) {
            out.putInt(i);
        }
        ByteBuffer in = out.view();
        for (int i = 0; i < 1000; i++) {
            assertThat(in.getInt()).isEqualTo(i);
        }
        assertThat(out.toByteArray()).hasSize(4000);
    }
}
