package io.dragon.backend.launcher;

import io.dragon.core.messages.Messages.GSHalted;
import io.dragon.core.messages.Messages.ProcessInfo;
import io.dragon.core.messages.Messages.ProcessState;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The launcher's last words on a run ({@link Console#summary} lines, none with {@code -q}):
 * <pre>
 * exit code 1; runtime r1a2b down after 2345 ms on 3 nodes
 * 7 processes started, 2 failed; logs in /tmp/dragon-me/r1a2b, trace in run.json
 *   p_uid 4294967297 (worker) on node2: exit code 3
 *   p_uid 4294967299 on node3: killed by signal 9 (exit code 137)
 * </pre>
 * What processes ran comes from Global Services at teardown ({@link GSHalted}); a runtime that failed before
 * Global Services halted has no such line, only where its logs are.
 */
final class RunSummary {
    private RunSummary() {
    }

    /**
     * The summary's lines.
     *
     * @param halted what Global Services said of the processes, or null if it did not halt in order
     * @param trace  the trace file written, or null
     */
    static List<String> lines(int exitCode, String runtimeId, long millis, int nodes, GSHalted halted, Path logDir,
                              Path trace) {
        List<String> lines = new ArrayList<>();
        lines.add("exit code " + exitCode + "; runtime " + runtimeId + " down after " + millis + " ms on " + nodes
            + " node" + (nodes == 1 ? "" : "s"));
        String where = "logs in " + logDir + (trace == null ? "" : ", trace in " + trace);
        if (halted == null) {
            lines.add(where);
            return lines;
        }
        lines.add(halted.started() + " process" + (halted.started() == 1 ? "" : "es") + " started, "
            + halted.failed() + " failed; " + where);
        for (ProcessInfo failed : halted.firstFailed()) {
            String name = failed.name() == null || failed.name().isEmpty() ? "" : " (" + failed.name() + ")";
            String host = failed.hostname().isEmpty() ? "node " + failed.node() : failed.hostname();
            String how = failed.state() == ProcessState.FAILED ? "could not start" : exitStatus(failed.exitCode());
            lines.add("  p_uid " + failed.puid() + name + " on " + host + ": " + how);
        }
        if (halted.failed() > halted.firstFailed().size()) {
            lines.add("  and " + (halted.failed() - halted.firstFailed().size()) + " more");
        }
        return lines;
    }

    /**
     * How a process ended, for a person: {@code exit code 3}, or {@code killed by signal 9 (exit code 137)} for
     * the codes Java reports for a process a signal ended (a program may exit with such a code itself, too).
     */
    static String exitStatus(int exitCode) {
        return isSignal(exitCode) ? "killed by signal " + (exitCode - 128) + " (exit code " + exitCode + ")"
            : "exit code " + exitCode;
    }

    /** Whether {@code exitCode} is one Java reports for a process that a signal ended (128 + the signal). */
    static boolean isSignal(int exitCode) {
        return exitCode > 128 && exitCode < 160;
    }
}
