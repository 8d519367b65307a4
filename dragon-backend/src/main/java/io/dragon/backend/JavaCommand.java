package io.dragon.backend;

import io.dragon.core.infrastructure.InheritedProperties;
import io.dragon.core.infrastructure.Settings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Command lines that start a JVM like this one: same Java, same classpath, options for quick start-up. */
public final class JavaCommand {
    /**
     * JVM options of the runtime's own services: they are small and mostly wait, so the serial collector and the
     * client compiler start them fastest; the JVM's own warnings go to stderr, since Local Services' stdout is the
     * bringup pipe. Overridable with the system property {@code dragon.service.jvm.options}
     * ({@link Settings.Property#SERVICE_JVM_OPTIONS}).
     */
    public static final String SERVICE_OPTIONS = Settings.serviceJvmOptions();

    private JavaCommand() {
    }

    /** The java executable of this JVM. */
    public static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * JVM options of the launcher backend, which also runs the node's transport agent. The client compiler only,
     * as for the services: the optimizing compiler's threads cost ~300 ms of CPU per node during bringup
     * (bringup_cpu_ms_per_node 1170-1250 -> 820-950 on 3 nodes), while the agent's data path, which copies with
     * intrinsics and waits on sockets and futexes, was no slower without it (offnode_bw_mibs 1031 vs 816,
     * offnode_rtt_us 85 vs 75, medians of 3 alternating runs, within this host's noise).
     */
    public static final String BACKEND_OPTIONS = "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData"
        + " -Xlog:disable -Xlog:all=warning:stderr";

    /** A command starting {@code mainClass} of this JVM's classpath as a runtime service. */
    public static List<String> service(Class<?> mainClass) {
        return command(mainClass, SERVICE_OPTIONS);
    }

    /** A command starting {@code mainClass} of this JVM's classpath as a launcher backend. */
    public static List<String> backend(Class<?> mainClass) {
        return command(mainClass, BACKEND_OPTIONS);
    }

    private static List<String> command(Class<?> mainClass, String options) {
        List<String> command = new ArrayList<>();
        command.add(java());
        for (String option : options.trim().split("\\s+")) {
            if (!option.isEmpty()) {
                command.add(option);
            }
        }
        command.add(Settings.Property.SERVICE_JVM_OPTIONS.option(SERVICE_OPTIONS));
        command.addAll(InheritedProperties.options());
        command.addAll(ClassDataSharing.options(mainClass.getSimpleName()));
        command.addAll(Arrays.asList("-cp", System.getProperty("java.class.path"), mainClass.getName()));
        return command;
    }
}
