package io.dragon.backend;

import java.time.Duration;
import java.util.Optional;
import org.apache.logging.log4j.LogManager;

/**
 * How the runtime JVM of a node ends: its CPU time logged, logs flushed, then at once. Once its backend has returned
 * it has nothing else to shut down, and an orderly JVM exit (shutdown hooks, finalization of the libraries'
 * threads) costs it hundreds of milliseconds that the launcher and the user would wait for.
 */
public final class ServiceExit {
    private ServiceExit() {
    }

    /** Ends this JVM with {@code code}, after {@link #logCpuTime()}. */
    public static void exit(int code) {
        logCpuTime();
        LogManager.shutdown();
        System.out.flush();
        System.err.flush();
        if (ClassDataSharing.training()) {
            System.exit(code); // an orderly exit writes this JVM's class-data-sharing archive
        }
        Runtime.getRuntime().halt(code);
    }

    /**
     * Logs at INFO the CPU time this process has used so far, user and system, all threads (the kernel's count,
     * to its clock tick, usually 10 ms), as {@code cpu_ms N}: what the runtime costs a node, which bench/run.sh
     * sums per node ({@code bringup_cpu_ms_per_node}). Called last thing before the process exits.
     */
    private static void logCpuTime() {
        Optional<Duration> cpu = ProcessHandle.current().info().totalCpuDuration();
        if (cpu.isPresent()) {
            LogManager.getLogger(ServiceExit.class).info("cpu_ms {}", cpu.get().toMillis());
        }
    }
}
