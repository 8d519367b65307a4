package io.dragon.core.infrastructure;

import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Test-only crash injection, in the spirit of SQLite's crash tests: code on shared memory names the points between
 * its atomic steps where a process can die ({@code CrashPoints.reach("lock.taken")}), and a test starts a child
 * process with system property {@link #PROPERTY} set to a comma-separated list of point names. A process that
 * reaches a listed point announces it on standard error ({@code crash point NAME reached by process PID}) and stops
 * there for good, so that the test can look at the shared state it left and then kill it with SIGKILL. A point is
 * reached by every instance of the structure in the process (every lock, a pool's own included), so such a process
 * should touch no other instance before the one under test. A point inside a loop is reached once per step: the
 * entry {@code NAME#N} ({@link #nth}) stops at the N-th reach of NAME instead of the first, and announces itself as
 * {@code NAME#N}.
 *
 * <p>Off and free when the property is not set: {@link #reach} tests a {@code static final} flag that the JIT folds
 * away, and its argument is a string constant, so a point costs nothing on a hot path.
 */
public final class CrashPoints {
    /** System property listing the points (comma-separated) at which this process stops. */
    public static final String PROPERTY = Settings.Property.CRASH_POINTS.key();
    /** Armed point name to its entry in the property, and the reaches left until it stops the process. */
    private static final Map<String, Armed> ARMED = armed(Settings.crashPoints());
    private static final boolean ENABLED = !ARMED.isEmpty();

    private record Armed(String entry, AtomicInteger reachesLeft) {
    }

    private CrashPoints() {
    }

    /** Stops this process for good if {@code point} is armed (see {@link #PROPERTY}); otherwise does nothing. */
    public static void reach(String point) {
        if (ENABLED) { // kept this small so that the JIT inlines it everywhere, hot or cold
            reachArmed(point);
        }
    }

    /** The entry of {@link #PROPERTY} that stops a process at the {@code occurrence}-th reach of {@code point}. */
    public static String nth(String point, int occurrence) {
        if (occurrence < 1) {
            throw new IllegalArgumentException("occurrence must be at least 1, got " + occurrence);
        }
        return occurrence == 1 ? point : point + "#" + occurrence;
    }

    /** The announcement a process makes when it stops at {@code entry} (an entry of {@link #PROPERTY}). */
    public static String announcement(String entry, long pid) {
        return "crash point " + entry + " reached by process " + pid;
    }

    private static void reachArmed(String point) {
        Armed armed = ARMED.get(point);
        if (armed != null && armed.reachesLeft().decrementAndGet() == 0) {
            stop(armed.entry());
        }
    }

    private static void stop(String entry) {
        System.err.println(announcement(entry, ProcessHandle.current().pid()));
        System.err.flush();
        for (;;) {
            try {
                Thread.sleep(Long.MAX_VALUE);
            } catch (InterruptedException e) {
                // stay stopped: only a kill ends a process at a crash point
            }
        }
    }

    private static Map<String, Armed> armed(String property) {
        if (property == null || property.isBlank()) {
            return Map.of();
        }
        return Stream.of(property.trim().split("\\s*,\\s*")).collect(Collectors.toUnmodifiableMap(
            entry -> entry.split("#")[0],
            entry -> new Armed(entry, new AtomicInteger(entry.contains("#")
                ? Integer.parseInt(entry.substring(entry.indexOf('#') + 1)) : 1))));
    }
}
