package io.dragon.backend.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.dragon.backend.trace.JsonParser;
import io.dragon.core.messages.Messages.SHTraceEvents;
import io.dragon.core.messages.Messages.TraceEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher keeps a node's well-formed events and drops the others, so that one bad event costs no trace. */
class RunTraceTest {
    @Test
    @SuppressWarnings("unchecked")
    void shouldDropEventsMissingAFieldAndWriteTheOthers(@TempDir Path dir) throws IOException {
        Map<String, Long> nullKey = new HashMap<>();
        nullKey.put(null, 1L);
        Map<String, Long> nullValue = new HashMap<>();
        nullValue.put("x", null);
        RunTrace trace = new RunTrace(dir.resolve("trace.json"));

        trace.add(new SHTraceEvents(0, 1, "node2", null));
        trace.add(new SHTraceEvents(0, 1, "node2", Arrays.asList(null,
            new TraceEvent(null, 1, "backend", "a", 1, 0, Map.of()),
            new TraceEvent("X", 1, null, "b", 2, 0, Map.of()),
            new TraceEvent("X", 1, "backend", null, 3, 0, Map.of()),
            new TraceEvent("X", 1, "backend", "d", 4, 0, null),
            new TraceEvent("X", 1, "backend", "e", 5, 0, nullKey),
            new TraceEvent("X", 1, "backend", "f", 6, 0, nullValue),
            new TraceEvent("B", 1, "backend", "g", 7, 0, Map.of()),
            new TraceEvent("X", 1, "backend", "kept", 8, 2, Map.of("n", 3L)))));
        trace.write();

        Map<String, Object> json = (Map<String, Object>) JsonParser.parse(Files.readString(trace.file()));
        List<Map<String, Object>> events = (List<Map<String, Object>>) json.get("traceEvents");
        assertThat(events.stream().filter(e -> !"M".equals(e.get("ph"))).map(e -> e.get("name"))).containsExactly(
            "kept");
    }
}
