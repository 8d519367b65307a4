package io.dragon.backend.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FrameKindTest {
    /** 0 is no kind and 1 is retired (see FrameKind). */
    private static final int[] RESERVED = {0, 1};

    @Test
    void shouldGiveEveryKindOfBothTransportsItsOwnNumber() throws IllegalAccessException {
        Map<Integer, String> names = new HashMap<>();
        for (Field field : FrameKind.class.getDeclaredFields()) {
            if (!Modifier.isStatic(field.getModifiers()) || field.getType() != int.class) {
                continue;
            }
            int kind = field.getInt(null);
            String other = names.put(kind, field.getName());
            assertThat(other).as("kind %d of %s", kind, field.getName()).isNull();
            assertThat(RESERVED).as("%s's kind", field.getName()).doesNotContain(kind);
        }
        assertThat(names).as("the kinds, both transports'").hasSize(8);
    }
}
