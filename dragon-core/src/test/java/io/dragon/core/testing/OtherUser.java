package io.dragon.core.testing;

import io.dragon.core.infrastructure.OwnUser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * Another user of the node (nobody, uid 65534), for tests of what the runtime does with other users' files. Giving
 * a file away needs root, as in CI; elsewhere such tests are skipped.
 */
public final class OtherUser {
    public static final int UID = 65534;

    private OtherUser() {
    }

    /** Skips the test unless it runs as root. */
    public static void assumeRoot() {
        Assumptions.assumeTrue(OwnUser.uid() == 0, "skipped: acting as another user needs root");
    }

    /** Makes {@code path} (not what a symbolic link points to) the other user's. */
    public static Path give(Path path) throws IOException {
        Files.setAttribute(path, "unix:uid", UID, LinkOption.NOFOLLOW_LINKS);
        return path;
    }
}
