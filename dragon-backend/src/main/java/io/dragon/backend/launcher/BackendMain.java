package io.dragon.backend.launcher;

import io.dragon.backend.ServiceExit;
import io.dragon.backend.ServiceLogging;
import io.dragon.backend.TerminalSignals;
import io.dragon.backend.localservices.LocalServicesMain;
import io.dragon.core.infrastructure.HostId;
import io.dragon.core.infrastructure.LaunchParameters;
import java.io.IOException;

/**
 * Entry point of the launcher backend, one per node, started by the frontend's srun. Its node index is Slurm's
 * (SLURM_NODEID); the rest comes from the environment (see {@link Backend}). Local Services starts first thing,
 * so that its JVM boots while this one joins the tree.
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
        Process localServices = LocalServicesMain.start(params);
        ServiceLogging.configureService(params.logDir(), "backend-" + HostId.hostname(), params.logLevel());
        int code = new Backend(params, localServices, System.getenv()).run();
        ServiceExit.logCpuTime();
        System.exit(code);
    }
}
