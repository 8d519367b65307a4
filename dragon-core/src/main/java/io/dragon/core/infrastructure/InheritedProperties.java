package io.dragon.core.infrastructure;

import java.util.List;

/** System properties every JVM of the runtime passes on to the JVMs it starts. */
public final class InheritedProperties {
    private InheritedProperties() {
    }

    /**
     * Where JNA's native library was unpacked (bin/dragon sets it), which spares each JVM extracting it from the jar
     * to a temporary file as it starts; as JVM options.
     */
    public static List<String> options() {
        String jnaPath = System.getProperty("jna.boot.library.path");
        return jnaPath == null ? List.of() : List.of("-Djna.boot.library.path=" + jnaPath);
    }
}
