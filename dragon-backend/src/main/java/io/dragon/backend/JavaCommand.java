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
     * JVM options of the runtime's JVM on each node of a multi-node run: the launcher backend, with the node's
     * transport agent and services. The serial collector and the client compiler only: the optimizing compiler's
     * threads cost ~300 ms of CPU per node during bringup (bringup_cpu_ms_per_node 1170-1250 -> 820-950 on 3 nodes),
     * while the agent's data path, which copies with intrinsics and waits on sockets and futexes, was no slower
     * without it (offnode_bw_mibs 1031 vs 816, offnode_rtt_us 85 vs 75, medians of 3 alternating runs, within this
     * host's noise). Overridable with the system property {@code dragon.runtime.jvm.options}
     * ({@link Settings.Property#RUNTIME_JVM_OPTIONS}), which the frontend passes on.
     */
    public static final String RUNTIME_OPTIONS = Settings.runtimeJvmOptions();

    private JavaCommand() {
    }

    /** The java executable of this JVM. */
    public static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** A command starting {@code mainClass} of this JVM's classpath as a JVM of the runtime on a node. */
    public static List<String> runtime(Class<?> mainClass) {
        return command(mainClass, RUNTIME_OPTIONS);
    }

    private static List<String> command(Class<?> mainClass, String options) {
        List<String> command = new ArrayList<>();
        command.add(java());
        for (String option : options.trim().split("\\s+")) {
            if (!option.isEmpty()) {
                command.add(option);
            }
        }
        command.add(Settings.Property.RUNTIME_JVM_OPTIONS.option(RUNTIME_OPTIONS));
        command.addAll(InheritedProperties.options());
        command.addAll(ClassDataSharing.options(mainClass.getSimpleName()));
        command.addAll(Arrays.asList("-cp", System.getProperty("java.class.path"), mainClass.getName()));
        return command;
    }
}
