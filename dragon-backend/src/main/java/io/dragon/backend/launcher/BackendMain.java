package io.dragon.backend.launcher;

import io.dragon.backend.ServiceExit;
import io.dragon.backend.ServiceLogging;
import io.dragon.backend.TerminalSignals;
import io.dragon.backend.cleanup.Watchdog;
import io.dragon.backend.localservices.LocalServices;
import io.dragon.backend.trace.TraceRecorder;
import io.dragon.core.infrastructure.HostId;
import io.dragon.core.infrastructure.LaunchParameters;
import java.io.IOException;

/**
 * Entry point of the node's runtime JVM in a multi-node run, one per node, started by the frontend's srun: the
 * launcher backend with the node's transport agent, Local Services and, on the primary node, Global Services, each
 * on threads of its own, and a {@link Watchdog} against the JVM's sudden death. Its node index is Slurm's
 * (SLURM_NODEID); the rest comes from the environment (see {@link Backend}).
 */
public final class BackendMain {
    private BackendMain() {
    }

    public static void main(String[] args) throws IOException {
        TerminalSignals.ignoreInterrupt(); // Ctrl-C is the frontend's to handle, in order
        LaunchParameters job = LaunchParameters.fromEnvironment();
        String nodeId = System.getenv("SLURM_NODEID");
        if (nodeId == null || !nodeId.matches("[0-9]{1,6}")) {
            System.err.println("dragon backend on " + HostId.hostname() + ": SLURM_NODEID is '" + nodeId
                + "'; the backend must be started by the dragon launcher's srun");
            System.exit(1);
        }
        LaunchParameters params = LaunchParameters.initial(job.runtimeId(), Integer.parseInt(nodeId), job.nodeCount(),
            job.infraPoolSize(), job.defaultPoolSize(), job.logLevel(), job.logDir(), job.serialFilter());
        TraceRecorder.enableFrom(System.getenv());
        ServiceLogging.configureService(params.logDir(), "backend-" + HostId.hostname(), params.logLevel());
        Watchdog watchdog = Watchdog.start(params.runtimeId(), "the runtime JVM of node " + params.nodeIndex() + " ("
            + HostId.hostname() + ")");
        int code = new Backend(params, LocalServices.start(params), watchdog, System.getenv()).run();
        watchdog.release();
        ServiceExit.exit(code);
    }
}
