package io.dragon.core.shm;

import com.sun.jna.Native;
import com.sun.jna.Platform;

/**
 * The few libc calls the runtime needs, bound with JNA direct mapping (about three times cheaper per call than
 * interface mapping, which matters for futex wake-ups on the hot path).
 *
 * <p>Calls return -1 on failure; {@link Native#getLastError()} then holds errno.
 */
final class LibC {
    static final int O_RDWR = 0x2;
    static final int O_CREAT = 0x40;
    static final int O_EXCL = 0x80;

    static final int PROT_READ = 0x1;
    static final int PROT_WRITE = 0x2;
    static final int MAP_SHARED = 0x1;
    static final int MAP_PRIVATE = 0x2;
    static final int MAP_FIXED = 0x10;
    static final int MAP_ANONYMOUS = 0x20;
    static final int MAP_NORESERVE = 0x4000;
    static final long MAP_FAILED = -1L;

    static final int ENOENT = 2;
    static final int EEXIST = 17;
    static final int EACCES = 13;
    static final int EINVAL = 22;

    /** x86-64 syscall number of futex(2). */
    static final long SYS_FUTEX = 202;
    /** x86-64 syscall number of fstat(2): glibc before 2.33 has no fstat symbol to bind. */
    static final long SYS_FSTAT = 5;

    /** The kernel's struct stat on x86-64: its size and the offsets of the fields the runtime reads. */
    static final int STAT_BYTES = 144;
    static final int STAT_MODE_OFFSET = 24;
    static final int STAT_UID_OFFSET = 28;
    static final int STAT_SIZE_OFFSET = 48;

    static {
        if (!Platform.isLinux() || !Platform.isIntel() || !Platform.is64Bit()) {
            throw new UnsupportedOperationException(
                "Dragon shared memory needs Linux on x86-64, found " + System.getProperty("os.name") + "/"
                    + System.getProperty("os.arch"));
        }
        Native.register(LibC.class, Platform.C_LIBRARY_NAME);
    }

    private LibC() {
    }

    static native int shm_open(String name, int oflag, int mode);

    static native int shm_unlink(String name);

    static native int ftruncate(int fd, long length);

    static native long mmap(long addr, long length, int prot, int flags, int fd, long offset);

    static native int munmap(long addr, long length);

    static native int close(int fd);

    static native int fchmod(int fd, int mode);

    static native int kill(int pid, int signal);

    /** {@code act} and {@code oldact}: addresses of glibc's struct sigaction (152 bytes on x86-64), or 0. */
    static native int sigaction(int signal, long act, long oldact);

    /** poll(2) on a single {@code struct pollfd} at {@code fds}. */
    static native int poll(long fds, long nfds, int timeoutMillis);

    /** {@code mask}: the address of a cpu_set_t of {@code size} bytes; {@code pid} 0: the calling thread. */
    static native int sched_getaffinity(int pid, long size, long mask);

    /** {@code mask}: the address of a cpu_set_t of {@code size} bytes; {@code pid} 0: the calling thread. */
    static native int sched_setaffinity(int pid, long size, long mask);

    /** Fixed-signature binding of the variadic syscall(2): all integer arguments travel in registers. */
    static native long syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6);

    static String errnoText(int errno) {
        return strerror(errno) + " (errno " + errno + ")";
    }

    private static native String strerror(int errno);
}
