package io.dragon.backend.globalservices;

import io.dragon.backend.JavaCommand;
import io.dragon.backend.ServiceLogging;
import io.dragon.backend.ServiceExit;
import io.dragon.backend.TerminalSignals;
import io.dragon.core.infrastructure.LaunchParameters;
import io.dragon.core.messages.MessageCodec;
import io.dragon.core.messages.Messages.GSIsUp;
import io.dragon.core.messages.Messages.SHChannelsUp;
import io.dragon.core.messages.PipeCodec;
import io.dragon.core.shm.Futex;
import io.dragon.core.shm.SharedBuffer;
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

    /**
     * Loads what Global Services needs (logging, the codec, the shared-memory bindings) while Local Services is
     * still making the channels, instead of after: that work is on the bringup's critical path.
     */
    private static void warmUp() {
        LogManager.getLogger(GlobalServices.class).debug("warming up");
        MessageCodec.decode(MessageCodec.encode(new GSIsUp(0)));
        SharedBuffer.fullFence();
        Futex.wake(0, 0); // binds libc (the call itself fails harmlessly on address 0)
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        TerminalSignals.ignoreInterrupt();
        LaunchParameters initial = LaunchParameters.fromEnvironment();
        ServiceLogging.configureService(initial.logDir(), "global-services", initial.logLevel());
        warmUp();
        DataInputStream localServices = new DataInputStream(System.in);
        SHChannelsUp channels = (SHChannelsUp) PipeCodec.read(localServices);
        LaunchParameters params = initial.withInfrastructure(channels.gsChannel(), channels.shChannel(),
            channels.launcherChannel(), channels.infraPool(), channels.defaultPool());
        ServiceExit.exit(new GlobalServices(params).run());
    }
}
