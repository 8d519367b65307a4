package io.dragon.backend.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.dragon.backend.ServiceLogging;
import io.dragon.backend.cleanup.NodeCleanup;
import io.dragon.backend.trace.JsonParser;
import io.dragon.backend.trace.TraceRecorder;
import io.dragon.core.infrastructure.HostId;
import io.dragon.core.infrastructure.LaunchParameters;
import io.dragon.core.infrastructure.RuntimeIds;
import io.dragon.core.messages.Messages.ProcessSpec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real single-node runtime (Local Services and Global Services on threads) driven by a launcher in this JVM. */
class LauncherTest {
    @TempDir
    Path logs;

    private String runtimeId;
    private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();

    @AfterEach
    void shouldLeaveNothingBehind() {
        List<NodeCleanup.Leftovers> left = NodeCleanup.scan().stream()
            .filter(l -> l.runtimeId().equals(runtimeId)).toList();
        left.forEach(NodeCleanup::remove);
        assertThat(left).as("segments and processes of runtime %s", runtimeId).isEmpty();
    }

    @Test
    void shouldServeTheNamespaceOfProcessesChannelsAndPools() throws Exception {
        int exit = run(new ProcessSpec(java(), List.of("-cp", System.getProperty("java.class.path"),
            NamespaceProbe.class.getName()), Map.of(), null, null, true, 0), "");
        assertThat(stdout.toString(StandardCharsets.UTF_8)).as("stderr: %s", stderr.toString(StandardCharsets.UTF_8))
            .contains("all checks passed").doesNotContain("FAILED");
        assertThat(exit).isZero();
        String logsText = Files.readString(logs.resolve("global-services.log"));
        assertThat(logsText).contains("dropped a malformed message");
    }

    @Test
    void shouldForwardStdinAndOutputAndReturnTheExitCode() throws Exception {
        int exit = run(new ProcessSpec("/bin/sh", List.of("-c", "cat; echo err >&2; exit 5"), Map.of(), null, null,
            true, 0), "line 1\nline 2\n");
        assertThat(exit).isEqualTo(5);
        assertThat(stdout.toString(StandardCharsets.UTF_8)).isEqualTo("line 1\nline 2\n");
        assertThat(stderr.toString(StandardCharsets.UTF_8)).isEqualTo("err\n");
    }

    @Test
    void shouldReportAProgramThatCannotStart() throws Exception {
        int exit = run(new ProcessSpec("/no/such/program", List.of(), Map.of(), null, null, true, 0), "");
        assertThat(exit).isEqualTo(Launcher.EXIT_CANNOT_START);
    }

    @Test
    void shouldLogEachServiceToItsOwnFile() throws Exception {
        int exit = run(new ProcessSpec("/bin/true", List.of(), Map.of(), null, null, true, 0), "");
        assertThat(exit).isZero();
        assertThat(Files.readString(logs.resolve("local-services-" + HostId.hostname() + ".log")))
            .contains("LocalServices Local Services of runtime " + runtimeId + " up on", "ManagedProcess p_uid ")
            .doesNotContain("GlobalServices");
        assertThat(Files.readString(logs.resolve("launcher.log"))).doesNotContain("LocalServices", "ManagedProcess");
        assertThat(Files.readString(logs.resolve("global-services.log")))
            .contains("GlobalServices Global Services of runtime " + runtimeId + " is up")
            .doesNotContain("LocalServices");
    }

    /** With a trace: the node's and the launcher's events, the head as a slice, the recorder off after the run. */
    @Test
    @SuppressWarnings("unchecked")
    void shouldWriteTheTimelineOfTheRunWhenTraced() throws Exception {
        Path file = logs.resolve("trace.json");
        TraceRecorder.enable(); // as Launcher.local does, before the runtime starts
        int exit = run(new ProcessSpec("/bin/sh", List.of("-c", "exit 3"), Map.of(), null, "head", true, 0), "",
            file);

        assertThat(exit).isEqualTo(3);
        assertThat(TraceRecorder.enabled()).as("recording after the run").isFalse();
        Map<String, Object> trace = (Map<String, Object>) JsonParser.parse(Files.readString(file));
        List<Map<String, Object>> events = (List<Map<String, Object>>) trace.get("traceEvents");
        Map<String, String> threads = new HashMap<>();
        for (Map<String, Object> event : events) {
            if (event.get("name").equals("thread_name")) {
                threads.put(event.get("pid") + "/" + event.get("tid"), (String) ((Map<String, Object>) event
                    .get("args")).get("name"));
            }
        }
        List<String> timed = events.stream().filter(e -> !e.get("ph").equals("M")).map(e -> e.get("pid") + " "
            + threads.get(e.get("pid") + "/" + e.get("tid")) + " " + e.get("ph") + " " + e.get("name")).toList();
        assertThat(timed).contains("0 launcher X bringup", "0 launcher i global-services-halted",
            "0 launcher X teardown", "1 local-services X create-pools-and-channels",
            "1 local-services X await-every-node", "1 global-services i up", "1 global-services X halt",
            "1 local-services X stop-processes", "1 local-services X teardown");
        Map<String, Object> head = events.stream().filter(e -> e.get("name").equals("head")).findFirst().orElseThrow();
        assertThat(threads.get("1/" + head.get("tid"))).startsWith("p_uid ");
        assertThat((Map<String, Object>) head.get("args")).containsEntry("exit_code", 3L).containsKeys("p_uid", "pid");
    }

    private int run(ProcessSpec head, String input) throws Exception {
        return run(head, input, null);
    }

    private int run(ProcessSpec head, String input, Path trace) throws Exception {
        runtimeId = RuntimeIds.next();
        LaunchParameters params = LaunchParameters.initial(runtimeId, 0, 1, 16 << 20, 64 << 20, "INFO",
            logs.toString(), null);
        ServiceLogging.configureLauncher(logs, "INFO"); // before the services' loggers exist
        return new Launcher(new LaunchOptions(head, false, false, trace), params, new LocalRuntime(params),
            new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), stdout, stderr).run();
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
