package io.dragon.backend.launcher;

import io.dragon.backend.trace.TraceFile;
import io.dragon.backend.trace.TraceRecorder;
import io.dragon.core.messages.Messages.SHTraceEvents;
import io.dragon.core.messages.Messages.TraceEvent;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The launcher's side of {@code dragon --trace}: the nodes' timelines as they arrive at teardown, and at the end
 * the one file with them and the launcher's own events. Used by the launcher's serving thread only.
 */
final class RunTrace {
    private static final Logger LOG = LogManager.getLogger(RunTrace.class);
    private final Path file;
    private final List<TraceEvent> events = new ArrayList<>();
    private final Map<Integer, String> hostnames = new HashMap<>();

    /** A trace to write to {@code file}, of what this JVM's {@link TraceRecorder} and the nodes' recorded. */
    RunTrace(Path file) {
        this.file = file;
    }

    /**
     * Events of a node (with those of the launcher itself when they share a JVM, on a single node). An event
     * missing a field, or of a phase the recorder does not make, is dropped with a warning: one bad event would
     * otherwise cost the whole file.
     */
    void add(SHTraceEvents nodeEvents) {
        List<TraceEvent> received = nodeEvents.events() == null ? List.of() : nodeEvents.events();
        int dropped = nodeEvents.events() == null ? 1 : 0;
        for (TraceEvent event : received) {
            if (wellFormed(event)) {
                events.add(event);
            } else {
                dropped++;
            }
        }
        if (dropped > 0) {
            LOG.warn("dropped {} malformed trace event(s) of node {}", dropped, nodeEvents.node());
        }
        if (nodeEvents.hostname() != null) {
            hostnames.put(nodeEvents.node(), nodeEvents.hostname());
        }
    }

    private static boolean wellFormed(TraceEvent event) {
        return event != null && (TraceRecorder.SLICE.equals(event.phase()) || TraceRecorder.INSTANT.equals(
            event.phase())) && event.track() != null && event.name() != null && event.args() != null
            && event.args().entrySet().stream().allMatch(arg -> arg.getKey() != null && arg.getValue() != null);
    }

    /** Writes every event, the launcher's last ones too; this JVM records no more. */
    void write() throws IOException {
        events.addAll(TraceRecorder.finish());
        TraceFile.write(file, events, hostnames);
    }

    /** Where it is written. */
    Path file() {
        return file;
    }
}
