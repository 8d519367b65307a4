package io.dragon.core.shm;

import static io.dragon.core.shm.UnsafeAccess.UNSAFE;

import com.sun.jna.Native;
import io.dragon.core.infrastructure.OwnUser;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A POSIX shared-memory segment ({@code shm_open} + {@code ftruncate} + {@code mmap}), mapped read-write and
 * shared. Segments are created with mode 0600 so that no other user can open them, and only segments of this
 * user that no one else can open are attached.
 *
 * <p>{@link #close()} lets go of the segment in this process (its views read zeros from then on);
 * {@link #unlink(String)} removes its name so that no new process can attach (processes already attached keep their
 * mapping until they close it).
 */
public final class SharedMemory implements AutoCloseable {
    private static final int MODE_OWNER_ONLY = 0600;
    /** Permission bits for the group and others. */
    private static final int MODE_OTHERS = 0077;
    private static final Path SHM = Path.of("/dev/shm");

    private final String name;
    private final SharedBuffer buffer;
    private volatile boolean closed;

    private SharedMemory(String name, long address, long size) {
        this.name = name;
        this.buffer = new SharedBuffer(address, size);
    }

    /**
     * Creates a new segment of {@code size} bytes, zero-filled.
     *
     * @throws SharedMemoryException if the name exists already or the system refuses
     */
    public static SharedMemory create(String name, long size) {
        if (size <= 0) {
            throw new IllegalArgumentException("segment size must be positive, got " + size);
        }
        int fd = LibC.shm_open(name, LibC.O_RDWR | LibC.O_CREAT | LibC.O_EXCL, MODE_OWNER_ONLY);
        if (fd < 0) {
            int errno = Native.getLastError();
            throw new SharedMemoryException(errno == LibC.EEXIST
                ? "shared-memory segment " + name + " exists already (" + owner(name) + "): a segment is never"
                    + " taken over, since whoever made it could read or change it; remove it (as its owner or root)"
                : "cannot create shared-memory segment " + name + ": " + LibC.errnoText(errno));
        }
        try {
            // shm_open's mode is filtered by the umask; make sure the segment is owner-only whatever the umask.
            if (LibC.fchmod(fd, MODE_OWNER_ONLY) != 0 || LibC.ftruncate(fd, size) != 0) {
                int errno = Native.getLastError();
                LibC.shm_unlink(name);
                throw new SharedMemoryException("cannot size shared-memory segment " + name + " to " + size
                    + " bytes: " + LibC.errnoText(errno) + " (is /dev/shm large enough?)");
            }
            return new SharedMemory(name, map(name, fd, size), size);
        } catch (RuntimeException e) {
            LibC.shm_unlink(name);
            throw e;
        } finally {
            LibC.close(fd);
        }
    }

    /**
     * Maps an existing segment of this user's that no other user can open.
     *
     * @throws SegmentNotFoundException if no segment has that name (never created, or destroyed)
     * @throws SharedMemoryException if another user owns the segment or may open it, or the system refuses
     */
    public static SharedMemory open(String name) {
        int fd = LibC.shm_open(name, LibC.O_RDWR, 0);
        if (fd < 0) {
            int errno = Native.getLastError();
            if (errno == LibC.ENOENT) {
                throw new SegmentNotFoundException(name);
            }
            throw new SharedMemoryException("cannot open shared-memory segment " + name + ": " + LibC.errnoText(errno)
                + (errno == LibC.EACCES ? " (it belongs to another user)" : ""));
        }
        try {
            long size = ownSegmentSize(name, fd);
            if (size <= 0) {
                throw new SharedMemoryException("shared-memory segment " + name + " is empty: its creator has not"
                    + " sized it yet, or it is not a Dragon segment");
            }
            return new SharedMemory(name, map(name, fd, size), size);
        } finally {
            LibC.close(fd);
        }
    }

    /**
     * The size of the open segment, once fstat has shown that it is this user's and closed to everyone else. Root
     * can open any user's segment, and the mode bits of a segment made elsewhere can be anything: whoever else
     * can open it could read or change what the runtime keeps there. Checked on the descriptor, not the name,
     * so that the name cannot be swapped in between.
     */
    private static long ownSegmentSize(String name, int fd) {
        long stat = UNSAFE.allocateMemory(LibC.STAT_BYTES);
        try {
            if (LibC.syscall(LibC.SYS_FSTAT, fd, stat, 0, 0, 0, 0) != 0) {
                throw new SharedMemoryException("cannot stat shared-memory segment " + name + ": "
                    + LibC.errnoText(Native.getLastError()));
            }
            long uid = Integer.toUnsignedLong(UNSAFE.getInt(stat + LibC.STAT_UID_OFFSET));
            int mode = UNSAFE.getInt(stat + LibC.STAT_MODE_OFFSET) & 07777;
            if (uid != OwnUser.uid()) {
                throw new SharedMemoryException("shared-memory segment " + name + " belongs to uid " + uid + ", not"
                    + " to this user (uid " + OwnUser.uid() + "): refusing to use another user's segment (they could"
                    + " read or change it); if it is in the way, its owner or root can remove it");
            }
            if ((mode & MODE_OTHERS) != 0) {
                throw new SharedMemoryException("shared-memory segment " + name + " may be opened by other users"
                    + " (mode " + String.format("%04o", mode) + "): refusing to use it (they could read or change"
                    + " it); the runtime makes its segments 0600, so something else made or changed this one");
            }
            return UNSAFE.getLong(stat + LibC.STAT_SIZE_OFFSET);
        } finally {
            UNSAFE.freeMemory(stat);
        }
    }

    /** Removes a segment's name; returns false if it did not exist. */
    public static boolean unlink(String name) {
        if (LibC.shm_unlink(name) == 0) {
            return true;
        }
        int errno = Native.getLastError();
        if (errno == LibC.ENOENT) {
            return false;
        }
        throw new SharedMemoryException("cannot unlink shared-memory segment " + name + ": " + LibC.errnoText(errno));
    }

    /** Who owns an existing segment, for a message. */
    private static String owner(String name) {
        try {
            return "owner: uid " + OwnUser.ownerOf(SHM.resolve(name.substring(1)));
        } catch (IOException | RuntimeException e) {
            return "owner unknown: " + e.getMessage();
        }
    }

    private static long map(String name, int fd, long size) {
        long address = LibC.mmap(0, size, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_SHARED, fd, 0);
        if (address == LibC.MAP_FAILED) {
            throw new SharedMemoryException(
                "cannot map shared-memory segment " + name + ": " + LibC.errnoText(Native.getLastError()));
        }
        return address;
    }

    public String name() {
        return name;
    }

    public long size() {
        return buffer.capacity();
    }

    /** The whole segment. It must not be used after {@link #close()}. */
    public SharedBuffer buffer() {
        return buffer;
    }

    public boolean isClosed() {
        return closed;
    }

    /**
     * Lets go of the segment in this process: its pages are freed once no process maps them, and every view of it here
     * reads zeros from then on. The address range is not unmapped but mapped over, in one atomic step, with private
     * zero pages reserved for nothing (no memory is used until written): a thread that still reads or writes through
     * a view (a waiter on a channel of a destroyed pool, an output pump at teardown) finds the structure gone (its
     * magic and serial read 0) instead of crashing the JVM on unmapped memory. The range stays reserved until the
     * process exits.
     */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            long zeros = LibC.mmap(buffer.address(), buffer.capacity(), LibC.PROT_READ | LibC.PROT_WRITE,
                LibC.MAP_PRIVATE | LibC.MAP_ANONYMOUS | LibC.MAP_FIXED | LibC.MAP_NORESERVE, -1, 0);
            if (zeros == LibC.MAP_FAILED) {
                throw new SharedMemoryException("cannot map over segment " + name + " at its address (errno "
                    + Native.getLastError() + ")");
            }
        }
    }
}
