package io.dragon.backend.globalservices;

import static org.assertj.core.api.Assertions.assertThat;

import io.dragon.core.channels.Channel;
import io.dragon.core.infrastructure.HostId;
import io.dragon.core.infrastructure.Ids;
import io.dragon.core.infrastructure.RuntimeIds;
import io.dragon.core.memory.MemoryPool;
import io.dragon.core.memory.PoolDescriptor;
import io.dragon.core.messages.Message;
import io.dragon.core.messages.MessageChannel;
import io.dragon.core.messages.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@link Outbox} on real channels around Global Services' tables: the test plays every node's Local Services
 * (reads what the tables ask of it and answers through {@link #answer}) and the client (reads its replies).
 */
final class TableHarness implements AutoCloseable {
    /** The client's p_uid and reply channel. */
    static final long CLIENT_PUID = Ids.FIRST_USER_ID + 1000;
    static final long CLIENT_CUID = Ids.FIRST_USER_ID + 1000;
    /** How long a message that must come may take: generous, as only its absence fails a test. */
    private static final long WAIT_SECONDS = 10;

    final MemoryPool pool;
    final List<MessageChannel> nodes = new ArrayList<>();
    final MessageChannel launcher;
    final MessageChannel client;
    final Outbox outbox;

    TableHarness(int nodeCount) {
        pool = MemoryPool.create(RuntimeIds.next(), Ids.infraPoolMuid(0), 4 << 20);
        for (int node = 0; node < nodeCount; node++) {
            nodes.add(channel(Ids.localServicesCuid(node)));
        }
        launcher = channel(Ids.LAUNCHER_CUID);
        client = channel(CLIENT_CUID);
        outbox = new Outbox(Ids.GLOBAL_SERVICES_CUID, nodes, launcher);
        outbox.addReplyChannel(client);
    }

    /** A channel in the harness's pool. */
    MessageChannel channel(long cuid) {
        return new MessageChannel(Channel.create(pool, cuid, 16, 2048));
    }

    /** A pool descriptor as Local Services hands them out (no segment behind it). */
    static byte[] poolDescriptor(long muid) {
        return new PoolDescriptor("rtest", muid, 1, HostId.local(), 1 << 20).serialize();
    }

    /** The next message the tables sent to Local Services of {@code node}, of the type expected. */
    <T extends Message> T toNode(int node, Class<T> type) throws InterruptedException {
        return next(nodes.get(node), type);
    }

    /** The next reply to the client, of the type expected. */
    <T extends Response> T reply(Class<T> type) throws InterruptedException {
        return next(client, type);
    }

    /** The next message to the launcher, of the type expected. */
    <T extends Message> T toLauncher(Class<T> type) throws InterruptedException {
        return next(launcher, type);
    }

    /** Local Services answers: the work that asked resumes. */
    void answer(Response response) throws InterruptedException {
        outbox.complete(response);
    }

    /** Checks that nothing was sent to Local Services or to the client that the test has not read. */
    void assertQuiet() throws InterruptedException {
        for (MessageChannel channel : nodes) {
            assertThat(channel.recv(0, TimeUnit.MILLISECONDS)).as("left on " + channel).isNull();
        }
        assertThat(client.recv(0, TimeUnit.MILLISECONDS)).as("left for the client").isNull();
    }

    private static <T extends Message> T next(MessageChannel channel, Class<T> type) throws InterruptedException {
        Message message = channel.recv(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(message).as("message on " + channel).isInstanceOf(type);
        return type.cast(message);
    }

    @Override
    public void close() {
        pool.destroy();
    }

    /**
     * After a test: checks that nothing was left unread ({@link #assertQuiet}), then closes, whatever the check says.
     */
    void finish() throws InterruptedException {
        try {
            assertQuiet();
        } finally {
            close();
        }
    }
}
