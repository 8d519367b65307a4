package io.dragon.core.infrastructure;

/**
 * Process ids of this node as the shared-memory structures use them: claims and lock words name the claiming
 * process by its pid, and whoever finds a claim of a dead process may repair it.
 */
public final class Pids {
    /** This process's pid. */
    public static final int MINE = (int) ProcessHandle.current().pid();

    private Pids() {
    }

    /**
     * Whether process {@code pid} of this node is alive (a zombie counts as dead). A pid reused by a new process
     * counts as alive: with Linux's pid_max (at least 32,768, 4,194,304 on most systems today) reuse within the
     * life of a claim is unlikely, and only delays a repair.
     */
    public static boolean isAlive(int pid) {
        return pid == MINE || ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }
}
