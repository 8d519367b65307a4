package io.dragon.core.infrastructure;

import java.util.Set;

/**
 * Test-only crash injection, in the spirit of SQLite's crash tests: code on shared memory names the points between
 * its atomic steps where a process can die ({@code CrashPoints.reach("lock.taken")}), and a test starts a child
 * process with system property {@value #PROPERTY} set to a comma-separated list of point names. A process that
 * reaches a listed point announces it on standard error ({@code crash point NAME reached by process PID}) and stops
 * there for good, so that the test can look at the shared state it left and then kill it with SIGKILL. A point is
 * reached by every instance of the structure in the process (every lock, a pool's own included), so such a process
 * should touch no other instance before the one under test.
 *
 * <p>Off and free when the property is not set: {@link #reach} tests a {@code static final} flag that the JIT folds
 * away, and its argument is a string constant, so a point costs nothing on a hot path.
 */
public final class CrashPoints {
    /** System property listing the points (comma-separated) at which this process stops. */
    public static final String PROPERTY = "dragon.crash.points";
    private static final Set<String> ARMED = armed(System.getProperty(PROPERTY));
    private static final boolean ENABLED = !ARMED.isEmpty();

    private CrashPoints() {
    }

    /** Stops this process for good if {@code point} is armed (see {@link #PROPERTY}); otherwise does nothing. */
    public static void reach(String point) {
        if (ENABLED && ARMED.contains(point)) {
            stop(point);
        }
    }

    /** The announcement a process makes when it stops at {@code point}. */
    public static String announcement(String point, long pid) {
        return "crash point " + point + " reached by process " + pid;
    }

    private static void stop(String point) {
        System.err.println(announcement(point, ProcessHandle.current().pid()));
        System.err.flush();
        for (;;) {
            try {
                Thread.sleep(Long.MAX_VALUE);
            } catch (InterruptedException e) {
                // stay stopped: only a kill ends a process at a crash point
            }
        }
    }

    private static Set<String> armed(String property) {
        return property == null || property.isBlank() ? Set.of() : Set.of(property.trim().split("\\s*,\\s*"));
    }
}
