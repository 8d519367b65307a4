package io.dragon.core.shm;

import com.sun.jna.Native;

/** POSIX signals to processes by pid (Java's Process API only knows SIGTERM and SIGKILL). */
public final class Signals {
    public static final int SIGINT = 2;
    public static final int SIGKILL = 9;
    public static final int SIGTERM = 15;

    private static final int ESRCH = 3;

    private Signals() {
    }

    /**
     * Sends {@code signal} to process {@code pid}.
     *
     * @return false if no such process exists
     */
    public static boolean kill(long pid, int signal) {
        return send((int) pid, signal, "process " + pid);
    }

    private static boolean send(int target, int signal, String what) {
        if (LibC.kill(target, signal) == 0) {
            return true;
        }
        int errno = Native.getLastError();
        if (errno == ESRCH) {
            return false;
        }
        throw new SharedMemoryException("cannot send signal " + signal + " to " + what + ": "
            + LibC.errnoText(errno));
    }
}
