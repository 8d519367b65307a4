package io.dragon.backend.globalservices;

import io.dragon.backend.JavaCommand;
import io.dragon.backend.ServiceExit;
import io.dragon.backend.ServiceLogging;
import io.dragon.backend.TerminalSignals;
import io.dragon.backend.Warmup;
import io.dragon.core.infrastructure.Facts;
import io.dragon.core.infrastructure.LaunchParameters;
import io.dragon.core.messages.Messages.SHChannelsUp;
import io.dragon.core.messages.PipeCodec;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;

/**
 * Entry point of Global Services. Local Services starts it first thing, before anything else is known, so that its
 * JVM boots while the rest of bringup happens; it loads what it needs, then waits for SHChannelsUp on stdin (the
 * channels and the launch parameters), sets up logging (before any class with a logger loads) and runs. End of file
 * instead means there is nothing to serve: it exits.
 */
public final class GlobalServicesMain {
    private GlobalServicesMain() {
    }

    /** Starts Global Services of runtime {@code runtimeId}; it waits for SHChannelsUp on its stdin. */
    public static Process start(String runtimeId) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(JavaCommand.service(GlobalServicesMain.class))
            .redirectOutput(ProcessBuilder.Redirect.INHERIT).redirectError(ProcessBuilder.Redirect.INHERIT);
        builder.environment().put(LaunchParameters.Var.DRAGON_RUNTIME_ID.name(), runtimeId);
        return builder.start();
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        TerminalSignals.ignoreInterrupt();
        Warmup.now(); // while Local Services makes the channels, not after
        SHChannelsUp channels;
        try {
            channels = (SHChannelsUp) PipeCodec.read(new DataInputStream(System.in));
        } catch (EOFException nothingToServe) {
            Runtime.getRuntime().halt(0);
            return;
        }
        LaunchParameters params = LaunchParameters.fromEnvironment(channels.launchParameters())
            .withInfrastructure(channels.gsChannel(), channels.shChannel(), channels.launcherChannel(),
                channels.infraPool(), channels.defaultPool())
            .withPuid(Facts.GS_PUID);
        ServiceLogging.configureService(params.logDir(), "global-services", params.logLevel());
        ServiceExit.exit(new GlobalServices(params).run());
    }
}
