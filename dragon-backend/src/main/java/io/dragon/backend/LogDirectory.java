package io.dragon.backend;

import io.dragon.core.infrastructure.OwnUser;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Set;

/**
 * The runtime's log directory, which must be the user's alone: by default
 * {@code <java.io.tmpdir>/dragon-<user>/<runtime id>}, in a /tmp where every user may make {@code dragon-<user>}
 * first (to read the logs, or to put files in), where every node of a multi-node run logs too; a multi-node run
 * gathers its nodes' logs into {@code $SLURM_SUBMIT_DIR/dragon-logs/<runtime id>} ({@link #gatheredFor}); else the
 * directory of {@code dragon --log-dir}.
 *
 * <p>The directories the runtime owns are the log directory, every directory above it that does not exist yet, and
 * its parent if named {@code dragon-<user>} or {@code dragon-logs} as in the default places. Each is made with mode
 * 0700 from the start (not changed after, so it is never open to others), or, if it exists, must be this user's,
 * not a symbolic link, and not writable by group or others. Every process of the runtime does this on its own node
 * before it logs.
 */
public final class LogDirectory {
    private static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY =
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));

    /** The directory, in the job's submit directory, that holds the gathered logs of multi-node runs. */
    public static final String GATHERED = "dragon-logs";

    private LogDirectory() {
    }

    /** Where the logs of runtime {@code runtimeId} go without {@code --log-dir}. */
    public static Path defaultFor(String runtimeId) {
        return Path.of(System.getProperty("java.io.tmpdir"), userDirectoryName(), runtimeId);
    }

    /**
     * Where the logs of multi-node runtime {@code runtimeId} are gathered without {@code --log-dir}:
     * {@code dragon-logs/<runtime id>} in the job's submit directory ({@code SLURM_SUBMIT_DIR} in {@code env}),
     * which usually outlives the job and is shared with the login nodes, else in the working directory.
     */
    public static Path gatheredFor(String runtimeId, Map<String, String> env) {
        String submitDir = env.get("SLURM_SUBMIT_DIR");
        return Path.of(submitDir != null && !submitDir.isEmpty() ? submitDir : "").toAbsolutePath().resolve(GATHERED)
            .resolve(runtimeId);
    }

    /**
     * Makes the log directory {@code dir}, and the directories above it the runtime owns, or checks those that
     * exist (another process of the runtime may have made them).
     *
     * @throws IOException saying which directory is wrong or cannot be made, and what to do
     */
    public static void prepare(Path dir) throws IOException {
        Path logs = dir.toAbsolutePath();
        Path top = logs;
        if (logs.getParent() != null && logs.getParent().getFileName() != null
            && Set.of(userDirectoryName(), GATHERED).contains(logs.getParent().getFileName().toString())) {
            top = logs.getParent();
        }
        while (top.getParent() != null && Files.notExists(top.getParent(), LinkOption.NOFOLLOW_LINKS)) {
            top = top.getParent();
        }
        for (int depth = top.getNameCount(); depth <= logs.getNameCount(); depth++) {
            makeOrCheck(logs.getRoot().resolve(logs.subpath(0, depth)), logs);
        }
    }

    private static String userDirectoryName() {
        return "dragon-" + System.getProperty("user.name");
    }

    private static void makeOrCheck(Path dir, Path logs) throws IOException {
        try {
            Files.createDirectory(dir, OWNER_ONLY);
            return;
        } catch (FileAlreadyExistsException e) {
            // made by another process of the runtime, by an earlier runtime, or by someone else: check it
        } catch (FileSystemException e) {
            throw new IOException("cannot make " + describe(dir, logs) + ": " + reason(e) + "; choose another"
                + " directory with --log-dir", e);
        }
        PosixFileAttributes attributes = Files.readAttributes(dir, PosixFileAttributes.class,
            LinkOption.NOFOLLOW_LINKS);
        long owner = OwnUser.ownerOf(dir);
        String problem;
        if (attributes.isSymbolicLink()) {
            problem = "is a symbolic link (to " + Files.readSymbolicLink(dir) + "), which anyone who can write"
                + " where it points could use: remove it";
        } else if (!attributes.isDirectory()) {
            problem = "is not a directory: remove it";
        } else if (owner != OwnUser.uid()) {
            problem = "belongs to another user (" + attributes.owner().getName() + ", uid " + owner + "), who could"
                + " read the logs or put files in it: it must be removed (by that user or root)";
        } else if (attributes.permissions().contains(PosixFilePermission.GROUP_WRITE)
            || attributes.permissions().contains(PosixFilePermission.OTHERS_WRITE)) {
            problem = "may be written by other users (" + PosixFilePermissions.toString(attributes.permissions())
                + "): make it yours alone (chmod go-w " + dir + ")";
        } else {
            return;
        }
        throw new IOException(describe(dir, logs) + " " + problem + ", or choose another directory with --log-dir");
    }

    private static String describe(Path dir, Path logs) {
        return dir.equals(logs) ? "log directory " + dir : "directory " + dir + " (of log directory " + logs + ")";
    }

    /** What a FileSystemException says beyond the path (the message of some is the path alone). */
    private static String reason(FileSystemException e) {
        return e instanceof AccessDeniedException ? "permission denied"
            : e.getReason() != null ? e.getReason() : e.toString();
    }
}
