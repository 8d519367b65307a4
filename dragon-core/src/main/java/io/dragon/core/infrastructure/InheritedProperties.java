package io.dragon.core.infrastructure;

import java.util.List;
import java.util.stream.Stream;

/** System properties every JVM of the runtime passes on to the JVMs it starts. */
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

    /** The properties this JVM has, as JVM options. */
    public static List<String> options() {
        return NAMES.stream().filter(name -> System.getProperty(name) != null)
            .map(name -> "-D" + name + "=" + System.getProperty(name)).toList();
    }
}
