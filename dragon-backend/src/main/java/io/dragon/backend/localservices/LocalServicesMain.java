package io.dragon.backend.localservices;

import io.dragon.backend.JavaCommand;
import io.dragon.backend.ServiceExit;
import io.dragon.backend.ServiceLogging;
import io.dragon.backend.TerminalSignals;
import io.dragon.backend.Warmup;
import io.dragon.backend.globalservices.GlobalServicesMain;
import io.dragon.core.infrastructure.HostId;
import io.dragon.core.infrastructure.LaunchParameters;
import io.dragon.core.messages.Messages.BENodeIdxSH;
import io.dragon.core.messages.PipeCodec;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Entry point of Local Services. Bringup is CPU-bound, so every JVM of it starts as early as it can: the launcher
 * starts Local Services before it reads its own command line, and Local Services, on the primary node, starts
 * Global Services first thing. Both load what they need while waiting for what they do not know yet: Local
 * Services its launch parameters (BENodeIdxSH on stdin), Global Services its channels (SHChannelsUp). Logging is
 * set up once the parameters are known, before any class with a logger loads. End of file instead of BENodeIdxSH
 * means the launcher had nothing to run: both exit.
 */
public final class LocalServicesMain {
    private LocalServicesMain() {
    }

    /** Starts Local Services of node {@code nodeIndex} of runtime {@code runtimeId}, with pipes on stdin and stdout. */
    public static Process start(String runtimeId, int nodeIndex) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(JavaCommand.service(LocalServicesMain.class))
            .redirectError(ProcessBuilder.Redirect.INHERIT);
        builder.environment().put(LaunchParameters.Var.DRAGON_RUNTIME_ID.name(), runtimeId);
        builder.environment().put(LaunchParameters.Var.DRAGON_NODE_INDEX.name(), Integer.toString(nodeIndex));
        return builder.start();
    }

    /** Gives a started Local Services its launch parameters. */
    public static void configure(Process localServices, LaunchParameters params) throws IOException {
        PipeCodec.write(localServices.getOutputStream(), new BENodeIdxSH(0, params.nodeIndex(),
            params.toEnvironment()));
    }

    public static void main(String[] args) throws IOException {
        TerminalSignals.ignoreInterrupt();
        LaunchParameters initial = LaunchParameters.fromEnvironment();
        Process globalServices = initial.nodeIndex() == 0 ? GlobalServicesMain.start(initial.runtimeId()) : null;
        Warmup.now(); // while the launcher reads its command line
        LaunchParameters params;
        try {
            BENodeIdxSH config = (BENodeIdxSH) PipeCodec.read(new DataInputStream(System.in));
            params = LaunchParameters.fromEnvironment(config.launchParameters());
        } catch (EOFException nothingToRun) {
            Runtime.getRuntime().halt(0); // Global Services sees the end of its stdin and goes too
            return;
        }
        ServiceLogging.configureService(params.logDir(), "local-services-" + HostId.hostname(), params.logLevel());
        OutputStream pipe = new FileOutputStream(FileDescriptor.out);
        System.setOut(System.err); // nothing but messages may reach the bringup pipe
        ServiceExit.exit(new LocalServices(params, pipe, globalServices).run());
    }
}
