package io.dragon.core.shm;

import static io.dragon.core.shm.UnsafeAccess.UNSAFE;

/** Waiting on a file descriptor without a thread parked inside a native read. */
public final class FileDescriptors {
    private static final short POLLIN = 0x1;
    /** One {@code struct pollfd} (int fd, short events, short revents) per thread. */
    private static final ThreadLocal<Long> POLLFD = ThreadLocal.withInitial(() -> UNSAFE.allocateMemory(8));

    private FileDescriptors() {
    }

    /**
     * Waits up to {@code timeoutMillis} for {@code fd} to have data or reach end of file (a read would not block).
     * A JVM exits only after each thread blocked in a native call returns (up to 300 ms): reading a quiet stdin in
     * short polls keeps that wait short.
     */
    public static boolean awaitReadable(int fd, int timeoutMillis) {
        long pollfd = POLLFD.get();
        UNSAFE.putInt(pollfd, fd);
        UNSAFE.putShort(pollfd + 4, POLLIN);
        UNSAFE.putShort(pollfd + 6, (short) 0);
        return LibC.poll(pollfd, 1, timeoutMillis) > 0;
    }
}
