package io.dragon.cli;

import io.dragon.backend.ServiceLogging;
import io.dragon.backend.globalservices.GlobalServices;
import io.dragon.backend.launcher.Launcher;
import io.dragon.backend.localservices.LocalServices;
import io.dragon.core.channels.Channel;
import io.dragon.core.infrastructure.RuntimeIds;
import io.dragon.core.memory.Pool;
import io.dragon.core.messages.MessageCodec;
import io.dragon.core.messages.MessageType;
import io.dragon.core.messages.Messages.SHFwdOutput;
import io.dragon.core.messages.Messages.SHIsUp;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.logging.log4j.LogManager;
import picocli.CommandLine;

/**
 * Loads the classes the runtime's JVMs (launcher, Local Services, Global Services) load at start-up, so that the
 * build can archive them for class data sharing (run with {@code -XX:ArchiveClassesAtExit}, see dragon-cli's pom).
 * Start-up is mostly class loading and Log4j2's set-up; with the archive each JVM of the runtime starts in about
 * half the time.
 */
public final class CdsTraining {
    private CdsTraining() {
    }

    public static void main(String[] args) throws Exception {
        Path logs = Files.createTempDirectory("dragon-cds");
        ServiceLogging.configureService(logs.toString(), "training", "INFO");
        LogManager.getLogger(CdsTraining.class).info("loading the runtime's classes");
        DragonCommand.commandLine().parseArgs("--label-output", "-l", "INFO", "program.jar", "arg");
        new CommandLine(new CleanupCommand()).parseArgs("--dry-run");
        for (Class<?> service : new Class<?>[] {Launcher.class, LocalServices.class, GlobalServices.class}) {
            Class.forName(service.getName(), false, CdsTraining.class.getClassLoader());
        }
        MessageCodec.decode(MessageCodec.encode(new SHIsUp(1, "host", 0)));
        MessageCodec.decode(MessageCodec.encode(new SHFwdOutput(2, 3, 1, new byte[8], 4, "host")));
        MessageType.values();
        Pool pool = Pool.create(RuntimeIds.next(), 1, 1 << 20);
        try {
            Channel channel = Channel.create(pool, 1, 4, 64);
            channel.trySend(ByteBuffer.wrap(new byte[8]));
            channel.tryRecv();
        } finally {
            pool.destroy();
        }
        LogManager.shutdown();
        try (var files = Files.list(logs)) {
            for (Path file : files.toList()) {
                Files.delete(file);
            }
        }
        Files.delete(logs);
    }
}
