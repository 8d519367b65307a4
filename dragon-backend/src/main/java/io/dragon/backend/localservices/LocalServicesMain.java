package io.dragon.backend.localservices;

import io.dragon.backend.JavaCommand;
import io.dragon.backend.ServiceLogging;
import io.dragon.backend.ServiceExit;
import io.dragon.backend.TerminalSignals;
import io.dragon.backend.globalservices.GlobalServicesMain;
import io.dragon.backend.net.LinkSecurity;
import io.dragon.core.infrastructure.Ids;
import io.dragon.core.infrastructure.HostId;
import io.dragon.core.infrastructure.LaunchParameters;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Entry point of Local Services. On the primary node it starts Global Services first thing, so that both JVMs boot
 * at once; then it sets up logging (before any class with a logger loads) and runs.
 */
public final class LocalServicesMain {
    private LocalServicesMain() {
    }

    /**
     * Starts Local Services with pipes on its stdin and stdout; its stderr is the caller's. It gets the caller's
     * environment without the job's secret and key (a backend has them): Local Services passes its environment on
     * to every process it starts.
     */
    public static Process start(LaunchParameters params) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(JavaCommand.service(LocalServicesMain.class))
            .redirectError(ProcessBuilder.Redirect.INHERIT);
        LinkSecurity.removeFrom(builder.environment());
        builder.environment().putAll(params.toEnvironment());
        return builder.start();
    }

    public static void main(String[] args) throws IOException {
        TerminalSignals.ignoreInterrupt();
        LaunchParameters params = LaunchParameters.fromEnvironment();
        Process globalServices = params.nodeIndex() == 0
            ? GlobalServicesMain.start(params.withPuid(Ids.GLOBAL_SERVICES_PUID))
            : null;
        ServiceLogging.configureService(params.logDir(), "local-services-" + HostId.hostname(), params.logLevel());
        OutputStream pipe = new FileOutputStream(FileDescriptor.out);
        System.setOut(System.err); // nothing but messages may reach the bringup pipe
        ServiceExit.exit(new LocalServices(params, System.in, pipe, globalServices).run());
    }
}
