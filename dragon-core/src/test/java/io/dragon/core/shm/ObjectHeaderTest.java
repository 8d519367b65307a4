package io.dragon.core.shm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ObjectHeaderTest {
    private static final long AT = 64;

    private final Memory memory = new Memory(256);
    private final SharedBuffer buffer = new SharedBuffer(Pointer.nativeValue(memory), memory.size());

    ObjectHeaderTest() {
        memory.clear();
    }

    @Test
    void eachKindHasItsOwnMagicSpellingItsName() {
        List<Long> kinds = List.of(ObjectHeader.CHANNEL, ObjectHeader.MAP, ObjectHeader.BROADCAST,
            ObjectHeader.API_OBJECT);
        assertThat(kinds).doesNotHaveDuplicates().doesNotContain(0L);
        buffer.putLong(0, ObjectHeader.CHANNEL);
        byte[] name = new byte[8];
        buffer.getBytes(0, name, 0, 8);
        assertThat(new String(name, StandardCharsets.US_ASCII)).isEqualTo("DRGNCHAN");
    }

    @Test
    void serialsAreNeverZero() {
        for (int i = 0; i < 1000; i++) {
            assertThat(ObjectHeader.newSerial()).isNotZero();
        }
    }

    @Test
    void aPublishedHeaderMatchesItsKindAndSerialOnly() {
        long serial = ObjectHeader.newSerial();
        assertThat(ObjectHeader.matches(buffer, AT, ObjectHeader.MAP, serial)).as("before publish").isFalse();
        ObjectHeader.publish(buffer, AT, ObjectHeader.MAP, serial);
        assertThat(buffer.getLong(AT + ObjectHeader.MAGIC_OFFSET)).isEqualTo(ObjectHeader.MAP);
        assertThat(buffer.getLong(AT + ObjectHeader.SERIAL_OFFSET)).isEqualTo(serial);
        assertThat(ObjectHeader.matches(buffer, AT, ObjectHeader.MAP, serial)).isTrue();
        assertThat(ObjectHeader.matches(buffer, AT, ObjectHeader.BROADCAST, serial)).as("other kind").isFalse();
        assertThat(ObjectHeader.matches(buffer, AT, ObjectHeader.MAP, serial + 1)).as("other serial").isFalse();
        assertThat(ObjectHeader.isLive(buffer, AT, serial)).isTrue();
        ObjectHeader.check(buffer, AT, ObjectHeader.MAP, serial, "map x");
        assertThatThrownBy(() -> ObjectHeader.check(buffer, AT, ObjectHeader.CHANNEL, serial, "channel y"))
            .isInstanceOf(ObjectGoneException.class).hasMessageStartingWith("channel y has been destroyed");
    }

    @Test
    void retiringZeroesTheHeaderOnce() {
        long serial = ObjectHeader.newSerial();
        ObjectHeader.publish(buffer, AT, ObjectHeader.BROADCAST, serial);
        assertThat(ObjectHeader.retire(buffer, AT, serial + 1)).as("another object's serial").isFalse();
        assertThat(ObjectHeader.isLive(buffer, AT, serial)).isTrue();
        assertThat(ObjectHeader.retire(buffer, AT, serial)).isTrue();
        assertThat(buffer.getLong(AT + ObjectHeader.MAGIC_OFFSET)).isZero();
        assertThat(buffer.getLong(AT + ObjectHeader.SERIAL_OFFSET)).isZero();
        assertThat(ObjectHeader.isLive(buffer, AT, serial)).isFalse();
        assertThat(ObjectHeader.retire(buffer, AT, serial)).as("retired already").isFalse();
        assertThatThrownBy(() -> ObjectHeader.check(buffer, AT, ObjectHeader.BROADCAST, serial, "broadcast z"))
            .isInstanceOf(ObjectGoneException.class);
    }
}
