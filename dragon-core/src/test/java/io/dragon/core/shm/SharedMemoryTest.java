package io.dragon.core.shm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dragon.core.infrastructure.OwnUser;
import io.dragon.core.testing.LeakCheck;
import io.dragon.core.testing.OtherUser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Segments belong to the user who made them: mode 0600 whatever the umask, another user cannot open one, and a
 * segment of another user, or one that others may open, is never attached.
 */
@ExtendWith(LeakCheck.class)
class SharedMemoryTest {
    private static final String NAME = "/dragon-t" + ProcessHandle.current().pid() + "_shm-1";
    private static final Path FILE = Path.of("/dev/shm", NAME.substring(1));

    @AfterEach
    void unlink() {
        SharedMemory.unlink(NAME);
    }

    @Test
    void shouldCreateSegmentsOnlyTheirOwnerCanOpen() throws Exception {
        try (SharedMemory segment = SharedMemory.create(NAME, 4096)) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(FILE))).isEqualTo("rw-------");
            OtherUser.assumeRoot();
            Process other = new ProcessBuilder("setpriv", "--reuid=" + OtherUser.UID, "--regid=" + OtherUser.UID,
                "--clear-groups", "cat", FILE.toString()).redirectErrorStream(true).start();
            String output = new String(other.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(other.waitFor()).as(output).isNotZero();
            assertThat(output).contains("Permission denied");
        }
    }

    @Test
    void shouldAttachOwnSegments() {
        SharedMemory.create(NAME, 4096).close();

        try (SharedMemory attached = SharedMemory.open(NAME)) {
            assertThat(attached.size()).isEqualTo(4096);
        }
    }

    @Test
    void shouldRefuseToAttachASegmentOthersMayOpen() throws Exception {
        SharedMemory.create(NAME, 4096).close();
        Files.setPosixFilePermissions(FILE, PosixFilePermissions.fromString("rw-rw-rw-"));

        assertThatThrownBy(() -> SharedMemory.open(NAME)).isInstanceOf(SharedMemoryException.class)
            .hasMessageContaining(NAME).hasMessageContaining("may be opened by other users (mode 0666)");
    }

    @Test
    void shouldRefuseToAttachAnotherUsersSegment() throws Exception {
        OtherUser.assumeRoot(); // root can open every segment: only the owner check keeps it out
        SharedMemory.create(NAME, 4096).close();
        OtherUser.give(FILE);

        assertThatThrownBy(() -> SharedMemory.open(NAME)).isInstanceOf(SharedMemoryException.class)
            .hasMessageContaining(NAME).hasMessageContaining("belongs to uid " + OtherUser.UID + ", not to this user");
    }

    @Test
    void shouldRefuseToCreateOverAnExistingSegmentNamingItsOwner() throws Exception {
        OtherUser.assumeRoot();
        Files.createFile(FILE);
        OtherUser.give(FILE);

        assertThatThrownBy(() -> SharedMemory.create(NAME, 4096)).isInstanceOf(SharedMemoryException.class)
            .hasMessageContaining(NAME + " exists already (owner: uid " + OtherUser.UID + ")");
        assertThat(OwnUser.ownerOf(FILE)).as("left as it was").isEqualTo(OtherUser.UID);
    }
}
