package io.dragon.backend.localservices;

import io.dragon.core.channels.ChannelDescriptor;
import io.dragon.core.channels.ChannelDestroyedException;
import io.dragon.core.channels.LocalChannel;
import io.dragon.core.messages.Messages.SHReplyChannel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The reply channels that processes of this node made for their gateway calls (registered with
 * {@link SHReplyChannel}), destroyed once their maker has exited, so that the infrastructure pool does not fill
 * up over a long run. A channel belongs to the process that made it: the managed process, or a process it started
 * (which runs with its p_uid); a maker still alive when its managed process exits is checked again at later exits.
 *
 * <p>A transport agent may still deliver a completion to a channel destroyed here (the request of a process that
 * died waiting): the agent finds it destroyed and drops the completion.
 */
final class ReplyChannels {
    private static final Logger LOG = LogManager.getLogger(ReplyChannels.class);

    private record Registered(long pid, LocalChannel channel) {
    }

    /** Channels of running managed processes, by p_uid (every running one has an entry). */
    private final Map<Long, List<Registered>> byProcess = new HashMap<>();
    /** Channels whose maker outlived its managed process. */
    private final List<Registered> outliving = new ArrayList<>();

    /** Managed process {@code puid} is about to start here: its makers may register channels from now on. */
    synchronized void started(long puid) {
        byProcess.put(puid, new ArrayList<>());
    }

    /** Takes a registration. */
    synchronized void add(SHReplyChannel registration) {
        LocalChannel channel;
        try {
            channel = LocalChannel.attach(ChannelDescriptor.deserialize(registration.descriptor()));
        } catch (RuntimeException e) {
            LOG.debug("reply channel of pid {} is gone already: {}", registration.pid(), e.toString());
            return;
        }
        Registered registered = new Registered(registration.pid(), channel);
        List<Registered> running = byProcess.get(registration.puid());
        if (running != null) {
            running.add(registered);
        } else if (!destroyIfGone(registered)) {
            outliving.add(registered);
        }
    }

    /**
     * Managed process {@code puid} has exited: destroys the reply channels of its makers that are gone (it, and
     * what it started that has ended), here and among those that outlived earlier processes.
     */
    synchronized void exited(long puid) {
        List<Registered> channels = byProcess.remove(puid);
        if (channels != null) {
            for (Registered registered : channels) {
                if (!destroyIfGone(registered)) {
                    outliving.add(registered);
                }
            }
        }
        for (Iterator<Registered> it = outliving.iterator(); it.hasNext(); ) {
            if (destroyIfGone(it.next())) {
                it.remove();
            }
        }
    }

    private static boolean destroyIfGone(Registered registered) {
        if (ProcessHandle.of(registered.pid()).map(ProcessHandle::isAlive).orElse(false)) {
            return false;
        }
        try {
            registered.channel().destroy();
        } catch (ChannelDestroyedException e) {
            LOG.debug("reply channel {} was destroyed already", registered.channel().cuid());
        }
        return true;
    }
}
