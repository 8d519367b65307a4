package io.dragon.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * A bringup as slow as a test wants: the runtime JVM of each node of a multi-node run pauses as it starts, until
 * the test lets it go. HotSpot's PauseAtStartup, in a flags file that the runtime's JVM options name
 * ({@code dragon.runtime.jvm.options}, given to the launcher in {@code DRAGON_JAVA_OPTS}), makes each create a file
 * and wait until the file is gone. The nodes of the test cluster share the file system, so one file serves them all.
 */
final class PausedServices {
    private final Path paused;
    private final Path flags;

    /** Pausing services whose files go in {@code dir}. */
    PausedServices(Path dir) throws IOException {
        paused = dir.resolve("paused");
        flags = dir.resolve("service.flags");
        // the runtime's usual options too (Settings), as far as a flags file can have them
        Files.writeString(flags, String.join("\n", "+UseSerialGC", "TieredStopAtLevel=1", "-UsePerfData",
            "+UnlockDiagnosticVMOptions", "+PauseAtStartup", "PauseAtStartupFile=" + paused, ""));
    }

    /** The value of DRAGON_JAVA_OPTS that makes the services pause. */
    String javaOptions() {
        return "-Ddragon.runtime.jvm.options=-XX:Flags=" + flags;
    }

    /** Waits until a service has paused, then lets it (and any other paused by then) go on. */
    void resumeOne(BooleanSupplier running, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!Files.exists(paused)) {
            assertThat(running.getAsBoolean() && System.nanoTime() - deadline < 0).as("a service paused (%s)",
                paused).isTrue();
            Thread.sleep(50);
        }
        Files.delete(paused);
    }

    /** Lets every service go on as soon as it pauses, until the run ends or {@code timeout} passes. */
    void resumeAll(BooleanSupplier running, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (running.getAsBoolean() && System.nanoTime() - deadline < 0) {
            Files.deleteIfExists(paused);
            Thread.sleep(50);
        }
    }
}
