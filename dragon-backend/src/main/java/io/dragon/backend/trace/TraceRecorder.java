package io.dragon.backend.trace;

import io.dragon.core.infrastructure.Settings;
import io.dragon.core.messages.Messages.TraceEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a runtime JVM records of a run's timeline for {@code dragon --trace}: the one home of tracing. Each service
 * of the JVM (the launcher, a backend, Local Services, Global Services) records its own events on its track, with
 * wall-clock microsecond timestamps; Local Services sends them to the launcher at teardown
 * ({@link io.dragon.core.messages.Messages.SHTraceEvents}), which writes the file ({@link TraceFile}).
 *
 * <p>Off unless {@link #enable}d, and then free: every method returns at once, allocating nothing and sending
 * nothing (callers that would build an event's name or arguments first ask {@link #enabled}). Events are rare
 * (phases, process starts and exits, object creations), so recording them takes a lock.
 *
 * <p>Names: tracks are services ({@link #LAUNCHER}, {@link #BACKEND}, {@link #LOCAL_SERVICES},
 * {@link #GLOBAL_SERVICES}) or a managed process ({@link #processTrack}); events are named by what happens, lower
 * case with hyphens ("join-tree", "create-channel"); argument keys are snake case ("p_uid", "exit_code").
 */
public final class TraceRecorder {
    /** The launcher's track; its events' node is {@link #LAUNCHER_NODE}. */
    public static final String LAUNCHER = "launcher";
    /** A node's launcher backend: its JVM's start, the fan-out tree, the transport agent. */
    public static final String BACKEND = "backend";
    /** A node's Local Services. */
    public static final String LOCAL_SERVICES = "local-services";
    /** Global Services, on node 0. */
    public static final String GLOBAL_SERVICES = "global-services";
    /** The node of the launcher's events (a node's are its index). */
    public static final int LAUNCHER_NODE = -1;
    /** Chrome's phase of a complete event (a slice). */
    public static final String SLICE = "X";
    /** Chrome's phase of an instant event. */
    public static final String INSTANT = "i";

    /** The wall clock at class initialization, in microseconds since the epoch, and the monotonic clock then. */
    private static final long ORIGIN_MICROS;
    private static final long ORIGIN_NANOS;

    static {
        Instant origin = Instant.now();
        ORIGIN_NANOS = System.nanoTime();
        ORIGIN_MICROS = origin.getEpochSecond() * 1_000_000 + origin.getNano() / 1_000;
    }

    /** The events recorded so far; null while tracing is off. */
    private static volatile List<TraceEvent> events;

    private TraceRecorder() {
    }

    /** Starts recording in this JVM (the launcher's with {@code dragon --trace}). */
    public static synchronized void enable() {
        if (events == null) {
            events = new ArrayList<>();
        }
    }


    /** Starts recording if the launcher asked every node to ({@code DRAGON_TRACE} in {@code env}). */
    public static void enableFrom(Map<String, String> env) {
        if (!env.getOrDefault(Settings.Variable.DRAGON_TRACE.name(), "").isEmpty()) {
            enable();
        }
    }

    /** The variables that make the runtime JVMs this one starts record too: none unless it records. */
    public static Map<String, String> environment() {
        return enabled() ? Map.of(Settings.Variable.DRAGON_TRACE.name(), "1") : Map.of();
    }

    /** Whether this JVM records. */
    public static boolean enabled() {
        return events != null;
    }

    /** Now, in wall-clock microseconds since the epoch (monotonic within this JVM); allocates nothing. */
    public static long now() {
        return ORIGIN_MICROS + (System.nanoTime() - ORIGIN_NANOS) / 1_000;
    }

    /** When this JVM started, in {@link #now} microseconds (now, if the system does not say). */
    public static long jvmStart() {
        return ProcessHandle.current().info().startInstant()
            .map(start -> start.getEpochSecond() * 1_000_000 + start.getNano() / 1_000).orElseGet(TraceRecorder::now);
    }

    /** The track of managed process {@code puid}. */
    public static String processTrack(long puid) {
        return "p_uid " + puid;
    }

    /** An instant {@code name} of {@code track} on {@code node}, now. */
    public static void instant(int node, String track, String name) {
        instant(node, track, name, null, 0, null, 0, null, 0);
    }

    /** An instant with up to three numeric arguments (a null key: no argument). */
    public static void instant(int node, String track, String name, String key1, long value1, String key2,
                               long value2, String key3, long value3) {
        if (events != null) {
            add(INSTANT, node, track, name, now(), 0, key1, value1, key2, value2, key3, value3);
        }
    }

    /** A slice {@code name} of {@code track} on {@code node} from {@code start} ({@link #now}) to now. */
    public static void slice(int node, String track, String name, long start) {
        slice(node, track, name, start, now(), null, 0, null, 0, null, 0);
    }

    /** A slice from {@code start} to {@code end} with up to three numeric arguments (a null key: none). */
    public static void slice(int node, String track, String name, long start, long end, String key1, long value1,
                             String key2, long value2, String key3, long value3) {
        if (events != null) {
            add(SLICE, node, track, name, start, Math.max(0, end - start), key1, value1, key2, value2, key3, value3);
        }
    }

    /** Takes every event recorded so far (none if tracing is off); later ones are kept for the next call. */
    public static synchronized List<TraceEvent> drain() {
        if (events == null) {
            return List.of();
        }
        List<TraceEvent> taken = List.copyOf(events);
        events.clear();
        return taken;
    }

    /** Takes every event not drained yet and stops recording: the run is over (or a test). */
    public static synchronized List<TraceEvent> finish() {
        List<TraceEvent> last = drain();
        events = null;
        return last;
    }

    private static synchronized void add(String phase, int node, String track, String name, long ts, long dur,
                                         String key1, long value1, String key2, long value2, String key3,
                                         long value3) {
        if (events == null) {
            return; // finished since the caller looked: a thread still running at the end records nothing
        }
        Map<String, Long> args = new LinkedHashMap<>();
        put(args, key1, value1);
        put(args, key2, value2);
        put(args, key3, value3);
        events.add(new TraceEvent(phase, node, track, name, ts, dur, args));
    }

    private static void put(Map<String, Long> args, String key, long value) {
        if (key != null) {
            args.put(key, value);
        }
    }
}
