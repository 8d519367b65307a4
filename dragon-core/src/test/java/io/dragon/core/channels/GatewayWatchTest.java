package io.dragon.core.channels;

import static io.dragon.core.channels.GatewayLayout.COMPLETION_PAYLOAD_OFFSET;
import static io.dragon.core.channels.GatewayLayout.DESCRIPTORS_OFFSET;
import static io.dragon.core.channels.GatewayLayout.LOST;
import static io.dragon.core.channels.GatewayLayout.OK;
import static io.dragon.core.channels.GatewayLayout.OP_OFFSET;
import static io.dragon.core.channels.GatewayLayout.REPLY_LENGTH_OFFSET;
import static io.dragon.core.channels.GatewayLayout.REQUEST_ID_OFFSET;
import static io.dragon.core.channels.GatewayLayout.SEND;
import static io.dragon.core.channels.GatewayLayout.STATUS_OFFSET;
import static io.dragon.core.channels.GatewayLayout.TARGET_LENGTH_OFFSET;
import static io.dragon.core.channels.GatewayLayout.TIMEOUT_OFFSET;
import static io.dragon.core.channels.GatewayLayout.UNWATCH;
import static io.dragon.core.channels.GatewayLayout.WATCH;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dragon.core.memory.AllocationDescriptor;
import io.dragon.core.memory.MemoryPool;
import io.dragon.core.memory.PoolDescriptor;
import io.dragon.core.testing.ChildJvm;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A remote operation that has had no completion for a while asks its agent to watch the node (WATCH), and says
 * when the completion has come (UNWATCH); a LOST completion ends it with the agent's words. The test plays the
 * agent on the gateway channel.
 */
class GatewayWatchTest {
    private MemoryPool pool;
    private LocalChannel gateway;
    private RemoteChannel remote;

    @BeforeEach
    void setUp() {
        pool = MemoryPool.create(ChildJvm.uniqueRuntimeId(), 1, 4 << 20);
        gateway = Channel.create(pool, 2, 16, 1024);
        Gateway.install(gateway.serialize());
        ChannelDescriptor here = Channel.create(pool, 10, 4, 256).descriptor();
        PoolDescriptor pool = here.allocation().pool();
        PoolDescriptor elsewhere = new PoolDescriptor(pool.runtimeId(), pool.muid(), pool.nameKey(),
            pool.hostId() + 1, pool.size());
        remote = new RemoteChannel(new ChannelDescriptor(here.cuid(), new AllocationDescriptor(elsewhere,
            here.allocation().offset(), here.allocation().size()), here.serial()), Gateway.current());
    }

    @AfterEach
    void tearDown() {
        pool.destroy();
    }

    @Test
    void shouldAskItsAgentToWatchASendWithoutCompletionAndSayWhenItCame() throws Exception {
        CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> send(new byte[] {1, 2, 3}));
        ByteBuffer request = next();
        assertThat(request.getInt(OP_OFFSET)).isEqualTo(SEND);
        ByteBuffer watch = next();
        assertThat(watch.getInt(OP_OFFSET)).isEqualTo(WATCH);
        assertThat(watch.getLong(REQUEST_ID_OFFSET)).isEqualTo(request.getLong(REQUEST_ID_OFFSET));
        assertThat(watch.getLong(TIMEOUT_OFFSET)).as("the op watched").isEqualTo(SEND);
        assertThat(Arrays.copyOf(watch.array(), watch.limit())).as("its descriptors").endsWith(
            Arrays.copyOfRange(request.array(), DESCRIPTORS_OFFSET, watch.limit()));
        complete(request, OK, "");
        sent.get(10, TimeUnit.SECONDS);
        ByteBuffer unwatch = next();
        assertThat(unwatch.getInt(OP_OFFSET)).isEqualTo(UNWATCH);
        assertThat(unwatch.getLong(REQUEST_ID_OFFSET)).isEqualTo(request.getLong(REQUEST_ID_OFFSET));
    }

    @Test
    void shouldFailAnOperationWhoseNodeWasLostWithTheAgentsWords() throws Exception {
        CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> send(new byte[] {1}));
        ByteBuffer request = next();
        complete(request, LOST, "lost node 1 (b) while a request waited there: gone");
        assertThatThrownBy(() -> sent.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(ChannelException.class)
            .hasMessageContaining("lost node 1 (b) while a request waited there: gone");
    }

    private void send(byte[] message) {
        try {
            remote.send(message);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The next request on the gateway channel. */
    private ByteBuffer next() throws InterruptedException {
        return ByteBuffer.wrap(gateway.recv(10, TimeUnit.SECONDS)).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Puts a completion of {@code request} on its reply channel, as its agent does. */
    private static void complete(ByteBuffer request, int status, String text) throws InterruptedException {
        int target = request.getInt(TARGET_LENGTH_OFFSET);
        byte[] reply = Arrays.copyOfRange(request.array(), DESCRIPTORS_OFFSET + target, DESCRIPTORS_OFFSET + target
            + request.getInt(REPLY_LENGTH_OFFSET));
        byte[] words = text.getBytes(StandardCharsets.UTF_8);
        ByteBuffer completion = ByteBuffer.allocate(COMPLETION_PAYLOAD_OFFSET + words.length)
            .order(ByteOrder.LITTLE_ENDIAN).putLong(request.getLong(REQUEST_ID_OFFSET));
        completion.putInt(STATUS_OFFSET, status).position(COMPLETION_PAYLOAD_OFFSET);
        completion.put(words).flip();
        Channel.attach(reply).send(completion);
    }
}
