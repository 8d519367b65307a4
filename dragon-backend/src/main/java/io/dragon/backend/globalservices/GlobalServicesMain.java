package io.dragon.backend.globalservices;

import io.dragon.backend.JavaCommand;
import io.dragon.backend.ServiceLogging;
import io.dragon.backend.ServiceExit;
import io.dragon.backend.TerminalSignals;
import io.dragon.backend.Warmup;
import io.dragon.core.infrastructure.LaunchParameters;
import io.dragon.core.messages.Messages.SHChannelsUp;
import io.dragon.core.messages.PipeCodec;
import java.io.DataInputStream;
import java.io.IOException;
import org.apache.logging.log4j.LogManager;

/**
 * Entry point of Global Services. Local Services starts it before its own pools exist, so that the two JVMs boot
 * side by side, and sends it SHChannelsUp on stdin once the channels are made; nothing else comes on stdin. Logging is set up here, before any
 * class with a logger loads.
 */
public final class GlobalServicesMain {
    private GlobalServicesMain() {
    }

    /** Starts Global Services; it waits for SHChannelsUp on its stdin. */
    public static Process start(LaunchParameters params) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(JavaCommand.service(GlobalServicesMain.class))
            .redirectOutput(ProcessBuilder.Redirect.INHERIT).redirectError(ProcessBuilder.Redirect.INHERIT);
        builder.environment().putAll(params.toEnvironment());
        return builder.start();
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        TerminalSignals.ignoreInterrupt();
        LaunchParameters initial = LaunchParameters.fromEnvironment();
        ServiceLogging.configureService(initial.logDir(), "global-services", initial.logLevel());
        LogManager.getLogger(GlobalServices.class).debug("warming up");
        Warmup.now(); // while Local Services makes the channels, not after
        DataInputStream localServices = new DataInputStream(System.in);
        SHChannelsUp channels = (SHChannelsUp) PipeCodec.read(localServices);
        LaunchParameters params = initial.withInfrastructure(channels.gsChannel(), channels.shChannel(),
            channels.launcherChannel(), channels.infraPool(), channels.defaultPool());
        ServiceExit.exit(new GlobalServices(params).run());
    }
}
