package io.dragon.core.infrastructure;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * JVM options every JVM of the runtime passes on to the JVMs it starts: the options this JDK needs
 * ({@link Settings.Property#JDK_OPTIONS}) and system properties.
 */
public final class InheritedProperties {
    private InheritedProperties() {
    }

    /**
     * Where JNA's native library was unpacked (bin/dragon sets it), which spares each JVM extracting it from the
     * jar to a temporary file as it starts, and the runtime's settings marked {@link Settings.Property#inherited}
     * (timeouts, the fabric agent's), so that every node keeps the same ones (the fabric agents of a job must agree
     * on dragon.ofi.integrity, or they drop each other's messages).
     */
    private static final List<String> NAMES = Stream.concat(Stream.of("jna.boot.library.path"),
        Stream.of(Settings.Property.values()).filter(Settings.Property::inherited).map(Settings.Property::key))
        .toList();

    /** This JVM's JDK options, then the properties it has as JVM options (which pass the JDK options on in turn). */
    public static List<String> options() {
        List<String> options = new ArrayList<>(Settings.jdkOptions());
        NAMES.stream().filter(name -> System.getProperty(name) != null)
            .forEach(name -> options.add("-D" + name + "=" + System.getProperty(name)));
        return options;
    }
}
