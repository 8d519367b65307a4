package io.dragon.backend.cleanup;

import io.dragon.backend.JavaCommand;
import io.dragon.backend.net.LinkSecurity;
import io.dragon.core.infrastructure.Settings;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The guard of a node's runtime JVM against its sudden death (kill -9, the OOM killer, a crash of the JVM), which
 * takes the node's services with it: a shell, child of the JVM, that waits on a pipe from it. The JVM writes
 * {@code clean} on the pipe once it has torn its node down ({@link #release()}); if the pipe closes without it, the
 * JVM died, and the shell says so on stderr and runs {@link NodeCleanup} for the runtime (the program's processes
 * killed, the node's segments removed). A shell rather than a JVM: it costs a few ms to start and nothing while it
 * waits; the cleanup's JVM starts only after a death.
 *
 * <p>The shell ignores Ctrl-C and SIGTERM (a cancelled Slurm step sends it to every process) so that it outlives
 * the JVM; only the JVM writes to its pipe (the JVM's children do not inherit it). It has neither the runtime id
 * in its environment (NodeCleanup would take it for one of the runtime's processes) nor the job's secrets.
 */
public final class Watchdog {
    /** $1: what it guards, $2: its pid, then the cleanup's command line. */
    private static final String SCRIPT = "trap '' INT TERM HUP; read -r word; [ \"$word\" = clean ] && exit 0;"
        + " echo \"dragon: $1 (pid $2) died; removing what its runtime left on $(uname -n)\" >&2; shift 2;"
        + " exec \"$@\" >&2";

    private final Process shell;
    private final String what;
    private volatile boolean released;

    private Watchdog(Process shell, String what) {
        this.shell = shell;
        this.what = what;
    }

    /** Guards this JVM, which runs {@code what} ("the launcher", say) of runtime {@code runtimeId}. */
    public static Watchdog start(String runtimeId, String what) {
        List<String> command = new ArrayList<>(List.of("/bin/sh", "-c", SCRIPT, "watchdog", what,
            Long.toString(ProcessHandle.current().pid())));
        command.addAll(JavaCommand.runtime(NodeCleanup.class));
        command.add(runtimeId);
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.INHERIT);
        LinkSecurity.removeFrom(builder.environment());
        builder.environment().remove(Settings.Variable.DRAGON_RUNTIME_ID.name());
        try {
            return new Watchdog(builder.start(), what);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the watchdog of " + what + " (/bin/sh): " + e.getMessage(),
                e);
        }
    }

    /** Whether the watchdog still guards this JVM, or was released: false if someone killed it. */
    public boolean isAlive() {
        return released || shell.isAlive();
    }

    /** Why {@link #isAlive()} is false. */
    public String death() {
        return "the watchdog of " + what + " (pid " + shell.pid() + ") died";
    }

    /** This JVM has torn its node down: the watchdog exits without cleaning. */
    public void release() {
        released = true;
        try (OutputStream pipe = shell.getOutputStream()) {
            pipe.write("clean\n".getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            // it is gone already
        }
    }
}
