package io.dragon.core.shm;

import static org.assertj.core.api.Assertions.assertThat;

import io.dragon.core.testing.LeakCheck;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Segments belong to the user who made them: mode 0600 whatever the umask, and another user cannot open one. */
@ExtendWith(LeakCheck.class)
class SharedMemoryTest {
    private static final String NAME = "/dragon-shmtest" + ProcessHandle.current().pid() + "-1";

    @Test
    void shouldCreateSegmentsOnlyTheirOwnerCanOpen() throws Exception {
        try (SharedMemory segment = SharedMemory.create(NAME, 4096)) {
            Path file = Path.of("/dev/shm", NAME.substring(1));
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
            Assumptions.assumeTrue(new String(new ProcessBuilder("id", "-u").start().getInputStream().readAllBytes(),
                StandardCharsets.US_ASCII).trim().equals("0"), "skipped: opening as another user needs root");
            Process other = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "cat",
                file.toString()).redirectErrorStream(true).start();
            String output = new String(other.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(other.waitFor()).as(output).isNotZero();
            assertThat(output).contains("Permission denied");
        } finally {
            SharedMemory.unlink(NAME);
        }
    }
}
