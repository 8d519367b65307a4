package io.dragon.core.shm;

import com.sun.jna.Native;

/**
 * A POSIX shared-memory segment ({@code shm_open} + {@code ftruncate} + {@code mmap}), mapped read-write and
 * shared. Segments are created with mode 0600 so that no other user can open them.
 *
 * <p>{@link #close()} unmaps the segment in this process; {@link #unlink(String)} removes its name so that no new
 * process can attach (processes already attached keep their mapping until they close it).
 */
public final class SharedMemory implements AutoCloseable {
    private static final int MODE_OWNER_ONLY = 0600;

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
                ? "shared-memory segment " + name + " exists already: another runtime uses this name, or an earlier"
                    + " one crashed (run dragon-cleanup)"
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
     * Maps an existing segment.
     *
     * @throws SegmentNotFoundException if no segment has that name (never created, or destroyed)
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
            long size = LibC.lseek(fd, 0, LibC.SEEK_END);
            if (size <= 0) {
                throw new SharedMemoryException("shared-memory segment " + name + " is empty: its creator has not"
                    + " sized it yet, or it is not a Dragon segment");
            }
            return new SharedMemory(name, map(name, fd, size), size);
        } finally {
            LibC.close(fd);
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

    /** Unmaps the segment from this process. Every view of it becomes invalid. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            LibC.munmap(buffer.address(), buffer.capacity());
        }
    }
}
