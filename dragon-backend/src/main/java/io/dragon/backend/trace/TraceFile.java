package io.dragon.backend.trace;

import io.dragon.core.messages.Messages.TraceEvent;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A run's timeline as a file of Chrome's Trace Event Format, which https://ui.perfetto.dev and chrome://tracing
 * open: {@code {"traceEvents":[...]}}, one event a line. Each node is a process ({@code pid} 1 + its index, named
 * "node I (HOST)"; the launcher is {@code pid} 0), each track a thread of it ({@code tid}: the services first, in
 * the order of {@link #SERVICES}, then managed processes in the order they started), named by metadata events ("M").
 * The JSON is written by hand: strings are escaped to ASCII ({@link #string}), numbers are longs.
 */
public final class TraceFile {
    /** The service tracks, in the order their threads are shown. */
    static final List<String> SERVICES = List.of(TraceRecorder.LAUNCHER, TraceRecorder.BACKEND,
        TraceRecorder.LOCAL_SERVICES, TraceRecorder.GLOBAL_SERVICES);

    private TraceFile() {
    }

    /**
     * Writes {@code events} to {@code path}, replacing it.
     *
     * @param hostnames every node's hostname by node index, as far as known
     */
    public static void write(Path path, List<TraceEvent> events, Map<Integer, String> hostnames) throws IOException {
        try (Writer out = Files.newBufferedWriter(path, StandardCharsets.US_ASCII)) {
            write(out, events, hostnames);
        }
    }

    /** Writes {@code events} to {@code out} (see {@link #write(Path, List, Map)}). */
    static void write(Appendable out, List<TraceEvent> events, Map<Integer, String> hostnames) throws IOException {
        List<TraceEvent> sorted = new ArrayList<>(events);
        sorted.sort(Comparator.comparingLong(TraceEvent::ts));
        Map<Integer, Map<String, Integer>> tids = new LinkedHashMap<>();
        for (TraceEvent event : sorted) {
            tids.computeIfAbsent(event.node(), node -> new LinkedHashMap<>()).putIfAbsent(event.track(), 0);
        }
        out.append("{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n");
        boolean first = true;
        for (Map.Entry<Integer, Map<String, Integer>> node : tids.entrySet()) {
            int pid = pid(node.getKey());
            String name = node.getKey() == TraceRecorder.LAUNCHER_NODE ? "launcher" : "node " + node.getKey()
                + (hostnames.containsKey(node.getKey()) ? " (" + hostnames.get(node.getKey()) + ")" : "");
            first = metadata(out, first, "process_name", pid, null, name);
            first = metadata(out, first, "process_sort_index", pid, null, pid);
            List<String> tracks = new ArrayList<>(node.getValue().keySet());
            tracks.sort(Comparator.comparingInt(TraceFile::serviceOrder));
            int tid = 1;
            for (String track : tracks) {
                node.getValue().put(track, tid);
                first = metadata(out, first, "thread_name", pid, tid, track);
                first = metadata(out, first, "thread_sort_index", pid, tid, tid);
                tid++;
            }
        }
        for (TraceEvent event : sorted) {
            StringBuilder line = new StringBuilder("{\"ph\":");
            string(line, event.phase());
            line.append(",\"name\":");
            string(line, event.name());
            line.append(",\"pid\":").append(pid(event.node())).append(",\"tid\":")
                .append(tids.get(event.node()).get(event.track())).append(",\"ts\":").append(event.ts());
            if (event.phase().equals(TraceRecorder.SLICE)) {
                line.append(",\"dur\":").append(event.dur());
            } else {
                line.append(",\"s\":\"t\"");
            }
            line.append(",\"args\":{");
            String separator = "";
            for (Map.Entry<String, Long> arg : event.args().entrySet()) {
                line.append(separator);
                string(line, arg.getKey());
                line.append(':').append(arg.getValue());
                separator = ",";
            }
            out.append(first ? "" : ",\n").append(line).append("}}");
            first = false;
        }
        out.append("\n]}\n");
    }

    /** A metadata event naming (or ordering) a process or, with a {@code tid}, a thread. */
    private static boolean metadata(Appendable out, boolean first, String kind, int pid, Integer tid, Object value)
        throws IOException {
        StringBuilder line = new StringBuilder("{\"ph\":\"M\",\"name\":\"").append(kind).append("\",\"pid\":")
            .append(pid);
        if (tid != null) {
            line.append(",\"tid\":").append(tid);
        }
        line.append(",\"args\":{\"").append(kind.endsWith("sort_index") ? "sort_index" : "name").append("\":");
        if (value instanceof String text) {
            string(line, text);
        } else {
            line.append(value);
        }
        out.append(first ? "" : ",\n").append(line).append("}}");
        return false;
    }

    /** The trace's process of a node: the launcher 0, node I 1 + I. */
    static int pid(int node) {
        return node + 1;
    }

    private static int serviceOrder(String track) {
        int index = SERVICES.indexOf(track);
        return index < 0 ? SERVICES.size() : index;
    }

    /**
     * Appends {@code text} as a JSON string in ASCII: quote, backslash and control characters escaped, and every
     * character beyond ASCII as {@code \}{@code uXXXX} (a surrogate pair as two, a lone surrogate as itself), so
     * that any Java string gives valid JSON in any encoding that extends ASCII.
     */
    static void string(StringBuilder out, String text) {
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c > 0x7e) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
