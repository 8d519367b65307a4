package io.dragon.backend.globalservices;

import io.dragon.backend.JavaCommand;
import io.dragon.backend.ServiceLogging;
import io.dragon.backend.ServiceExit;
import io.dragon.backend.TerminalSignals;
import io.dragon.backend.Warmup;
import io.dragon.core.channels.Gateway;
import io.dragon.core.infrastructure.LaunchParameters;
import io.dragon.core.messages.Messages.LAChannelsInfo;
import io.dragon.core.messages.Messages.SHChannelsUp;
import io.dragon.core.messages.PipeCodec;
import java.io.DataInputStream;
import java.io.IOException;
import org.apache.logging.log4j.LogManager;

/**
 * Entry point of Global Services. Local Services of the primary node starts it before its own pools exist, so that
 * the two JVMs boot side by side, and sends it LAChannelsInfo (every node's channels) on stdin once they are made;
 * nothing else comes on stdin. Logging is set up here, before any class with a logger loads.
 */
public final class GlobalServicesMain {
    private GlobalServicesMain() {
    }

    /** Starts Global Services; it waits for LAChannelsInfo on its stdin. */
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
        LAChannelsInfo nodes = (LAChannelsInfo) PipeCodec.read(localServices);
        SHChannelsUp primary = nodes.nodes().get(0);
        if (nodes.nodes().size() > 1) {
            Gateway.install(primary.gwChannel());
        }
        LaunchParameters params = initial.withInfrastructure(primary.globalServicesChannel(),
            primary.localServicesChannel(), primary.launcherChannel(), primary.infraPool(), primary.defaultPool(),
            null);
        ServiceExit.exit(new GlobalServices(params, nodes.nodes()).run());
    }
}
