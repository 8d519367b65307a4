package io.dragon.core.shm;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.util.function.Supplier;

/** POSIX signals to processes by pid (Java's Process API only knows SIGTERM and SIGKILL). */
public final class Signals {
    public static final int SIGINT = 2;
    public static final int SIGKILL = 9;
    public static final int SIGTERM = 15;

    private static final int ESRCH = 3;
    /** Every standard signal; glibc's struct sigaction, with room to spare. */
    private static final int SIGNALS = 31;
    private static final int SIGACTION_BYTES = 256;

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

    /**
     * Runs {@code action}, then puts back every signal handler of the process as it was before: for loading or
     * initializing a native library that installs its own (libfabric's psm providers take SIGSEGV, which the JVM
     * needs for itself, and SIGINT and SIGTERM); its result.
     */
    public static <T> T keepingHandlers(Supplier<T> action) {
        Memory saved = new Memory((long) SIGNALS * SIGACTION_BYTES);
        long base = Pointer.nativeValue(saved);
        for (int signal = 1; signal <= SIGNALS; signal++) {
            LibC.sigaction(signal, 0, base + (long) (signal - 1) * SIGACTION_BYTES);
        }
        try {
            return action.get();
        } finally {
            for (int signal = 1; signal <= SIGNALS; signal++) {
                if (signal != SIGKILL && signal != 19) { // SIGSTOP: neither can be handled
                    LibC.sigaction(signal, base + (long) (signal - 1) * SIGACTION_BYTES, 0);
                }
            }
        }
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
