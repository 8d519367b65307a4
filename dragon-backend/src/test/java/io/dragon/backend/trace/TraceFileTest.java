package io.dragon.backend.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dragon.core.messages.Messages.TraceEvent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TraceFileTest {
    private static final String AWKWARD = "q\" b\\ nl\n tab\t cr\r nul\0 bell\u0007 del\u007f é \u20ac \uD83D\uDE00"
        + " lone\uD800 /";

    @Test
    void shouldEscapeEveryStringToAsciiThatReadsBackTheSame() {
        StringBuilder out = new StringBuilder();
        TraceFile.string(out, AWKWARD);

        assertThat(out.chars()).allMatch(c -> c >= 0x20 && c < 0x7f);
        assertThat(JsonParser.parse(out.toString())).isEqualTo(AWKWARD);
    }

    @Test
    @SuppressWarnings("unchecked")
    void shouldWriteWellFormedTraceEventsWithATrackPerNodeAndService(@TempDir Path dir) throws IOException {
        List<TraceEvent> events = List.of(
            new TraceEvent("X", 1, TraceRecorder.processTrack(7), AWKWARD, 300, 50, Map.of("exit_code", 3L)),
            new TraceEvent("X", 1, TraceRecorder.LOCAL_SERVICES, "create-pools-and-channels", 100, 20, Map.of()),
            new TraceEvent("i", 0, TraceRecorder.GLOBAL_SERVICES, "create-channel", 200, 0, Map.of("c_uid", 9L)),
            new TraceEvent("X", -1, TraceRecorder.LAUNCHER, "bringup", 10, 500, Map.of()),
            new TraceEvent("X", 1, TraceRecorder.BACKEND, "join-tree", 50, 20, Map.of()));
        Path file = dir.resolve("trace.json");

        TraceFile.write(file, events, Map.of(0, "node1", 1, "node2"));

        Map<String, Object> trace = (Map<String, Object>) JsonParser.parse(Files.readString(file,
            StandardCharsets.US_ASCII));
        List<Map<String, Object>> all = (List<Map<String, Object>>) trace.get("traceEvents");
        assertThat(all.stream().filter(e -> e.get("name").equals("process_name")).map(e -> e.get("pid") + " "
            + ((Map<String, Object>) e.get("args")).get("name")))
            .containsExactlyInAnyOrder("0 launcher", "1 node 0 (node1)", "2 node 1 (node2)");
        assertThat(all.stream().filter(e -> e.get("name").equals("thread_name")).map(e -> e.get("pid") + "/"
            + e.get("tid") + " " + ((Map<String, Object>) e.get("args")).get("name")))
            .containsExactlyInAnyOrder("0/1 launcher", "1/1 global-services", "2/1 backend", "2/2 local-services",
                "2/3 p_uid 7");
        List<Map<String, Object>> timed = all.stream().filter(e -> !e.get("ph").equals("M")).toList();
        assertThat(timed).extracting(e -> e.get("ts")).as("in time order").containsExactly(10L, 50L, 100L, 200L,
            300L);
        assertThat(timed.get(4)).containsEntry("ph", "X").containsEntry("name", AWKWARD).containsEntry("pid", 2L)
            .containsEntry("tid", 3L).containsEntry("dur", 50L).containsEntry("args", Map.of("exit_code", 3L));
        assertThat(timed.get(3)).containsEntry("ph", "i").containsEntry("s", "t").containsEntry("pid", 1L)
            .doesNotContainKey("dur").containsEntry("args", Map.of("c_uid", 9L));
    }

    @Test
    void shouldWriteAnEmptyTraceWhenThereAreNoEvents() throws IOException {
        StringBuilder out = new StringBuilder();
        TraceFile.write(out, List.of(), Map.of());

        assertThat(JsonParser.parse(out.toString())).isEqualTo(Map.of("displayTimeUnit", "ms", "traceEvents",
            List.of()));
    }

    @Test
    void shouldHaveATestParserThatRefusesMalformedJson() {
        for (String bad : List.of("{\"a\":1,}", "[1 2]", "\"tab\there\"", "{\"a\":1}x", "01", "{a:1}", "\"\\x\"")) {
            assertThatThrownBy(() -> JsonParser.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
