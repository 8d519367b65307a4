package io.dragon.backend;

import io.dragon.core.infrastructure.InheritedProperties;
import io.dragon.core.infrastructure.Settings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Command lines that start a JVM of the runtime like this one: same Java, same classpath, the runtime's JVM options
 * ({@code dragon.runtime.jvm.options}: the serial collector, no perf data, warnings only) for quick start-up, and
 * those every JVM passes on ({@link InheritedProperties}: the options this JDK needs, the runtime's settings).
 */
public final class JavaCommand {
    /**
     * The client compiler only, added to the default options where the node's data path does no cryptography: the
     * optimizing compiler's threads cost 250-450 ms of CPU per node during bringup (bringup_cpu_ms_per_node 440-470
     * without them, 710-920 with, on 3 nodes), while the TCP agent's data path, which copies with intrinsics and
     * waits on sockets and futexes, was no slower without it. AES-GCM and SHA-256 have intrinsics in the optimizing
     * compiler only: without it the fabric agent's tags moved 1 MiB frames at 25 MiB/s against 683 MiB/s.
     */
    static final String CLIENT_COMPILER_ONLY = "-XX:TieredStopAtLevel=1";

    private JavaCommand() {
    }

    /** The java executable of this JVM. */
    public static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * A command starting {@code mainClass} of this JVM's classpath as a JVM of the runtime on a node, whose data path
     * does no cryptography.
     */
    public static List<String> runtime(Class<?> mainClass) {
        return runtime(mainClass, false);
    }

    /**
     * A command starting {@code mainClass} of this JVM's classpath as a JVM of the runtime on a node; {@code crypto}:
     * its data path may encrypt or authenticate every message (TLS links, the fabric agent's tags), so it keeps the
     * optimizing compiler, whose intrinsics that needs (see {@link #CLIENT_COMPILER_ONLY}).
     */
    public static List<String> runtime(Class<?> mainClass, boolean crypto) {
        Settings.Property options = Settings.Property.RUNTIME_JVM_OPTIONS;
        boolean set = System.getProperty(options.key()) != null;
        List<String> command = new ArrayList<>();
        command.add(java());
        if (!set && !crypto) {
            command.add(CLIENT_COMPILER_ONLY);
        }
        command.addAll(options.words());
        if (set) {
            command.add(options.option(options.value())); // for the JVMs it starts in turn
        }
        command.addAll(InheritedProperties.options());
        command.addAll(ClassDataSharing.options(mainClass.getSimpleName()));
        command.addAll(Arrays.asList("-cp", System.getProperty("java.class.path"), mainClass.getName()));
        return command;
    }
}
