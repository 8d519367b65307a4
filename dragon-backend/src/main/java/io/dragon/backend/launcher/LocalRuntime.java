package io.dragon.backend.launcher;

import io.dragon.backend.ServiceThread;
import io.dragon.backend.cleanup.NodeCleanup;
import io.dragon.backend.cleanup.Watchdog;
import io.dragon.backend.localservices.LocalServices;
import io.dragon.core.infrastructure.HostId;
import io.dragon.core.infrastructure.LaunchParameters;
import io.dragon.core.messages.MalformedMessageException;
import io.dragon.core.messages.Message;
import io.dragon.core.messages.MessageChannel;
import io.dragon.core.messages.Messages.LAChannelsInfo;
import io.dragon.core.messages.Messages.SHChannelsUp;
import io.dragon.core.messages.Messages.SHIsUp;
import io.dragon.core.messages.PipeCodec;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A runtime on this node only: the launcher is frontend and backend at once, its JVM the node's runtime JVM. Local
 * Services (and Global Services, which it starts) run on threads of it ({@link LocalServices#start}), guarded by a
 * {@link Watchdog} against the JVM's sudden death; the launcher talks to the services on their channels.
 */
final class LocalRuntime implements RuntimeLink {
    private static final Logger LOG = LogManager.getLogger(LocalRuntime.class);

    private final String runtimeId;
    private final Watchdog watchdog;
    private final ServiceThread localServices;
    private MessageChannel inbox;
    private MessageChannel globalServices;
    private MessageChannel localServicesInbox;

    /** Starts the runtime's watchdog, then Local Services. */
    LocalRuntime(LaunchParameters params) {
        this.runtimeId = params.runtimeId();
        this.watchdog = Watchdog.start(runtimeId, "the launcher");
        this.localServices = LocalServices.start(params);
    }

    @Override
    public String bringup(BringupProgress progress) throws InterruptedException, IOException {
        BringupPipe pipe = new BringupPipe(localServices, "Local Services");
        Runnable waiting = () -> progress.waiting(() -> "waiting for Local Services on " + HostId.hostname());
        pipe.expect(SHIsUp.class, Launcher.BRINGUP_TIMEOUT_MS, waiting);
        SHChannelsUp channels = pipe.expect(SHChannelsUp.class, Launcher.BRINGUP_TIMEOUT_MS, waiting);
        PipeCodec.write(localServices.getOutputStream(), new LAChannelsInfo(0, List.of(channels), "", List.of()));
        inbox = MessageChannel.attach(channels.launcherChannel());
        globalServices = MessageChannel.attach(channels.globalServicesChannel());
        localServicesInbox = MessageChannel.attach(channels.localServicesChannel());
        LOG.info("channels up on {}", channels.hostname());
        return "on " + HostId.hostname();
    }

    @Override
    public Message next() throws InterruptedException {
        try {
            Message message = inbox.recv(100, TimeUnit.MILLISECONDS);
            if (message == null && !localServices.isAlive()) {
                throw new IllegalStateException("Local Services failed: " + localServices.why() + " (its log is"
                    + " local-services-" + HostId.hostname() + ".log)");
            }
            if (message == null && !watchdog.isAlive()) {
                throw new IllegalStateException(watchdog.death());
            }
            return message;
        } catch (MalformedMessageException e) {
            LOG.error("dropped a malformed message on the launcher's channel: {}", e.getMessage());
            return null;
        }
    }

    @Override
    public void toGlobalServices(Message message) throws InterruptedException {
        globalServices.send(message);
    }

    @Override
    public void toLocalServices(int node, Message message) throws InterruptedException {
        localServicesInbox.send(message);
    }

    @Override
    public void awaitExit() throws InterruptedException {
        closeQuietly();
        if (!localServices.waitFor(Launcher.TEARDOWN_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("Local Services did not exit after halting");
        }
        watchdog.release();
    }

    @Override
    public void forceTeardown() {
        if (localServices.isAlive()) {
            closeQuietly();
            try {
                localServices.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        NodeCleanup.remove(runtimeId).log(LOG);
        watchdog.release();
    }

    private void closeQuietly() {
        try {
            localServices.getOutputStream().close();
        } catch (IOException ignored) {
            // closing is only a signal
        }
    }
}
