package io.dragon.core.infrastructure;

import static org.assertj.core.api.Assertions.assertThat;

import io.dragon.core.infrastructure.Settings.Property;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The options a JVM of the runtime passes on: the JDK's options bin/dragon chose, then the inherited properties. */
class InheritedPropertiesTest {
    private static final String NATIVE = "--enable-native-access=ALL-UNNAMED";
    private static final String UNSAFE = "--sun-misc-unsafe-memory-access=allow";

    @AfterEach
    void clear() {
        System.clearProperty(Property.JDK_OPTIONS.key());
        System.clearProperty(Property.BRINGUP_TIMEOUT_MS.key());
    }

    @Test
    void shouldPassTheJdkOptionsOnAsOptionsAndAsTheirProperty() {
        System.setProperty(Property.JDK_OPTIONS.key(), " " + NATIVE + "  " + UNSAFE + " ");
        System.setProperty(Property.BRINGUP_TIMEOUT_MS.key(), "1234");

        assertThat(InheritedProperties.options()).startsWith(NATIVE, UNSAFE)
            .contains(Property.JDK_OPTIONS.option(" " + NATIVE + "  " + UNSAFE + " "),
                Property.BRINGUP_TIMEOUT_MS.option("1234"));
    }

    @Test
    void shouldPassNoJdkOptionWhereTheJdkNeedsNone() {
        System.setProperty(Property.JDK_OPTIONS.key(), " ");

        assertThat(Settings.jdkOptions()).isEmpty();
        assertThat(InheritedProperties.options()).allMatch(option -> option.startsWith("-D"));
    }
}
