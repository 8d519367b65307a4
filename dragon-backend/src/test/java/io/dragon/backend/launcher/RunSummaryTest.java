package io.dragon.backend.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.dragon.core.messages.Messages.GSHalted;
import io.dragon.core.messages.Messages.ProcessInfo;
import io.dragon.core.messages.Messages.ProcessState;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class RunSummaryTest {
    private static final Path LOGS = Path.of("/tmp/dragon-me/r1");

    @Test
    void shouldSayTheWallTimeNodesProcessesAndWhereTheLogsAndTheTraceAre() {
        assertThat(RunSummary.lines(0, "r1", 1234, 3, new GSHalted(1, 4, 0, List.of()), LOGS, Path.of("t.json")))
            .containsExactly("exit code 0; runtime r1 down after 1234 ms on 3 nodes",
                "4 processes started, 0 failed; logs in /tmp/dragon-me/r1, trace in t.json");
    }

    @Test
    void shouldNameEachFailedProcessItsHostAndHowItEndedAndCountTheOthers() {
        GSHalted halted = new GSHalted(1, 9, 5, List.of(
            new ProcessInfo(4294967297L, "worker", 1, "node2", 42, ProcessState.EXITED, 3),
            new ProcessInfo(4294967298L, "", 2, "node3", 43, ProcessState.EXITED, 137),
            new ProcessInfo(4294967299L, null, 0, "node1", -1, ProcessState.FAILED, -1)));

        assertThat(RunSummary.lines(3, "r1", 5, 1, halted, LOGS, null)).containsExactly(
            "exit code 3; runtime r1 down after 5 ms on 1 node",
            "9 processes started, 5 failed; logs in /tmp/dragon-me/r1",
            "  p_uid 4294967297 (worker) on node2: exit code 3",
            "  p_uid 4294967298 on node3: killed by signal 9 (exit code 137)",
            "  p_uid 4294967299 on node1: could not start",
            "  and 2 more");
    }

    @Test
    void shouldSayOnlyWhereTheLogsAreWhenGlobalServicesDidNotHalt() {
        assertThat(RunSummary.lines(125, "r1", 5, 2, null, LOGS, null)).containsExactly(
            "exit code 125; runtime r1 down after 5 ms on 2 nodes", "logs in /tmp/dragon-me/r1");
    }
}
