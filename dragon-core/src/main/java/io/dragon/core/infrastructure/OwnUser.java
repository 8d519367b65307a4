package io.dragon.core.infrastructure;

import com.sun.security.auth.module.UnixSystem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * The user this process runs as. On a shared node the runtime uses only what belongs to that user: files, segments
 * and processes of other users are theirs, and may have been put there to mislead it.
 */
public final class OwnUser {
    private static final long UID = new UnixSystem().getUid();

    private OwnUser() {
    }

    /** This process's uid. */
    public static long uid() {
        return UID;
    }

    /** The uid that owns {@code path} itself (a symbolic link is not followed). */
    public static long ownerOf(Path path) throws IOException {
        return Integer.toUnsignedLong((Integer) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS));
    }
}
