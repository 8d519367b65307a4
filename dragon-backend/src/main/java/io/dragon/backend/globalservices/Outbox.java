package io.dragon.backend.globalservices;

import io.dragon.core.infrastructure.Ids;
import io.dragon.core.messages.Message;
import io.dragon.core.messages.MessageChannel;
import io.dragon.core.messages.Request;
import io.dragon.core.messages.Response;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * How Global Services' tables talk: answers to clients on their reply channels, requests to Local Services whose
 * answers resume the work that asked (so the single service thread never blocks on another service).
 */
final class Outbox {
    private static final Logger LOG = LogManager.getLogger(Outbox.class);
    private static final long REPLY_TIMEOUT_SECONDS = 10;

    /** Work that resumes when Local Services answers. */
    @FunctionalInterface
    interface Continuation {
        void resume(Response response) throws InterruptedException;
    }

    private final long globalServicesCuid;
    /** Local Services of each node, by node index. */
    private final List<MessageChannel> localServicesInboxes;
    private final MessageChannel launcher;
    private final Map<Long, MessageChannel> replyChannels = new HashMap<>();
    private final Map<Long, Continuation> pending = new HashMap<>();
    private long tags;

    Outbox(long globalServicesCuid, List<MessageChannel> localServicesInboxes, MessageChannel launcher) {
        this.globalServicesCuid = globalServicesCuid;
        this.localServicesInboxes = localServicesInboxes;
        this.launcher = launcher;
        replyChannels.put(launcher.cuid(), launcher);
    }

    long nextTag() {
        return ++tags;
    }

    /** Clients' answers go to this channel from now on (a new process's return channel). */
    void addReplyChannel(MessageChannel channel) {
        replyChannels.put(channel.cuid(), channel);
    }

    void removeReplyChannel(long cuid) {
        replyChannels.remove(cuid);
    }

    /** Answers a client; a client that is gone or never drains its channel costs a warning, never a hang. */
    void reply(Request request, Response response) throws InterruptedException {
        MessageChannel channel = replyChannels.get(request.rCuid());
        if (channel == null) {
            LOG.warn("cannot answer {} from p_uid {}: no channel {}", request.type(), request.puid(), request.rCuid());
            return;
        }
        try {
            channel.send(response, REPLY_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (RuntimeException e) {
            LOG.warn("cannot answer {} from p_uid {} on channel {}: {}", request.type(), request.puid(),
                request.rCuid(), e.toString());
        }
    }

    int nodeCount() {
        return localServicesInboxes.size();
    }

    /**
     * Sends a request to Local Services of {@code node} ({@code tag -> request}); {@code then} runs with its
     * answer.
     */
    void ask(int node, LongFunction<Request> request, Continuation then) throws InterruptedException {
        Request message = request.apply(nextTag());
        pending.put(message.tag(), then);
        localServicesInboxes.get(node).send(message);
    }

    /** Tells Local Services of {@code node}; no answer expected. */
    void tellNode(int node, Message message) throws InterruptedException {
        localServicesInboxes.get(node).send(message);
    }

    /** The p_uid and channel Local Services answers Global Services on. */
    long puid() {
        return Ids.GLOBAL_SERVICES_PUID;
    }

    long cuid() {
        return globalServicesCuid;
    }

    /** Resumes the work waiting for this answer from Local Services. */
    void complete(Response response) throws InterruptedException {
        Continuation then = pending.remove(response.ref());
        if (then == null) {
            LOG.warn("{} answers no request of ours (ref {})", response.type(), response.ref());
            return;
        }
        then.resume(response);
    }

    void tellLauncher(Message message) throws InterruptedException {
        launcher.send(message);
    }
}
