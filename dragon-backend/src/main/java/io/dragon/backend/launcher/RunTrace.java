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

/**
 * The launcher's side of {@code dragon --trace}: the nodes' timelines as they arrive at teardown, and at the end
 * the one file with them and the launcher's own events. Used by the launcher's serving thread only.
 */
final class RunTrace {
    private final Path file;
    private final List<TraceEvent> events = new ArrayList<>();
    private final Map<Integer, String> hostnames = new HashMap<>();

    /** A trace to write to {@code file}, of what this JVM's {@link TraceRecorder} and the nodes' recorded. */
    RunTrace(Path file) {
        this.file = file;
    }

    /** Events of a node (with those of the launcher itself when they share a JVM, on a single node). */
    void add(SHTraceEvents nodeEvents) {
        events.addAll(nodeEvents.events());
        hostnames.put(nodeEvents.node(), nodeEvents.hostname());
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
