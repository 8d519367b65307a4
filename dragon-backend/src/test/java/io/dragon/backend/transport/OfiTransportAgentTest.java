package io.dragon.backend.transport;

import static io.dragon.core.channels.GatewayLayout.COMPLETION_ID_OFFSET;
import static io.dragon.core.channels.GatewayLayout.COMPLETION_PAYLOAD_OFFSET;
import static io.dragon.core.channels.GatewayLayout.FAILED;
import static io.dragon.core.channels.GatewayLayout.OK;
import static io.dragon.core.channels.GatewayLayout.RECV;
import static io.dragon.core.channels.GatewayLayout.SEND;
import static io.dragon.core.channels.GatewayLayout.STATUS_OFFSET;
import static io.dragon.core.channels.GatewayLayout.VALUE_OFFSET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.dragon.core.channels.Channel;
import io.dragon.core.channels.LocalChannel;
import io.dragon.core.infrastructure.RuntimeIds;
import io.dragon.core.memory.Pool;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two fabric transport agents on loopback with libfabric's tcp provider, in one JVM: "node A" and "node B" are two
 * host ids, each agent with its own gateway channel. Requests are put on A's gateway as a process puts them; B
 * performs them on its channel; the completions come back to a reply channel through A. Small frames travel in one
 * message, large ones (both ways) by RMA reads.
 */
class OfiTransportAgentTest {
    private static final long HOST_A = 0xA;
    private static final long HOST_B = 0xB;
    private static final byte[] SECRET = "the job's secret".getBytes(StandardCharsets.UTF_8);

    private final List<OfiTransportAgent> agents = new ArrayList<>();
    private final Map<OfiTransportAgent, LocalChannel> gateways = new HashMap<>();
    private Pool pool;
    private LocalChannel gatewayA;
    private LocalChannel target;
    private LocalChannel replies;
    private long requestIds;

    @BeforeEach
    void setUp() {
        assumeTrue(OfiLibrary.problem() == null, () -> "libfabric cannot be used here: " + OfiLibrary.problem());
        pool = Pool.create(RuntimeIds.next(), 1, 64 << 20);
        gatewayA = Channel.create(pool, 1, 64, 1024);
        target = Channel.create(pool, 10, 1024, 256);
        replies = Channel.create(pool, -11, 1024, 256);
    }

    @AfterEach
    void tearDown() {
        agents.forEach(OfiTransportAgent::close);
        if (pool != null) {
            pool.destroy();
        }
    }

    private OfiTransportAgent agent(byte[] secret, LocalChannel gateway) {
        OfiTransportAgent agent = OfiTransportAgent.start(secret, "tcp", false, "127.0.0.1");
        agents.add(agent);
        gateways.put(agent, gateway);
        return agent;
    }

    /** Agents of nodes A and B (and any others), each knowing all. */
    private void connect(OfiTransportAgent... nodes) {
        List<Long> hosts = new ArrayList<>();
        List<String> addresses = new ArrayList<>();
        for (int node = 0; node < nodes.length; node++) {
            hosts.add(HOST_A + node);
            addresses.add(nodes[node].address());
        }
        for (OfiTransportAgent node : nodes) {
            node.connect(gateways.get(node).serialize(), hosts, addresses);
        }
    }

    @Test
    void shouldCarrySmallAndLargeMessagesBothWays() throws Exception {
        connect(agent(SECRET, gatewayA), agent(SECRET, Channel.create(pool, 2, 64, 1024)));
        for (int size : new int[] {5, 70_000, 3 << 20}) {
            byte[] message = bytes(size, size);
            assertThat(status(call(SEND, 0, message))).as("send of %d bytes", size).isEqualTo(OK);
            assertThat(target.tryRecv()).isEqualTo(message);
            target.send(message);
            ByteBuffer received = call(RECV, Integer.MAX_VALUE, null);
            assertThat(received.getInt(VALUE_OFFSET)).isEqualTo(size);
            assertThat(payload(received)).as("message of %d bytes received", size).isEqualTo(message);
        }
    }

    @Test
    void shouldCarryManyRequestsInFlight() throws Exception {
        connect(agent(SECRET, gatewayA), agent(SECRET, Channel.create(pool, 2, 64, 1024)));
        Random random = new Random(7);
        int count = 600;
        byte[][] sent = new byte[count][];
        for (int i = 0; i < count; i++) {
            // A third are larger than a slot: they are read, so their completions may overtake the others'.
            sent[i] = bytes(random.nextInt(3) == 0 ? 65_536 + random.nextInt(100_000) : 4 + random.nextInt(2000), i);
            ByteBuffer.wrap(sent[i]).putInt(i);
            ByteBuf request = request(SEND, 0, sent[i]);
            gatewayA.send(request.nioBuffer());
            request.release();
        }
        Set<Long> completed = new HashSet<>();
        for (int i = 0; i < count; i++) {
            ByteBuffer completion = completion(-1);
            assertThat(status(completion)).isEqualTo(OK);
            completed.add(completion.getLong(COMPLETION_ID_OFFSET));
        }
        assertThat(completed).hasSize(count);
        for (int i = 0; i < count; i++) {
            byte[] message = target.tryRecv();
            assertThat(message).isEqualTo(sent[ByteBuffer.wrap(message).getInt()]);
        }
    }

    @Test
    void shouldDropMessagesWithoutTheJobsTokenAndGoOn() throws Exception {
        LocalChannel gatewayC = Channel.create(pool, 3, 64, 1024);
        connect(agent(SECRET, gatewayA), agent(SECRET, Channel.create(pool, 2, 64, 1024)),
            agent("a guess".getBytes(StandardCharsets.UTF_8), gatewayC));
        ByteBuf forged = request(SEND, 0, bytes(10, 1));
        gatewayC.send(forged.nioBuffer());
        forged.release();
        Thread.sleep(500);
        assertThat(replies.tryRecv()).as("no answer to a stranger").isNull();
        assertThat(target.size()).as("nothing sent by a stranger").isZero();
        assertThat(status(call(SEND, 0, bytes(10, 2)))).isEqualTo(OK);
    }

    /**
     * The owner's agent is gone before the first request: the provider keeps the message queued (or fails it), and
     * the request is answered as failed, naming the node. (A message to an agent that dies later may be written
     * into a socket buffer and lost, like a TCP agent's: its requester then ends at its own deadline.)
     */
    @Test
    void shouldAnswerAFailureWhenTheOwnersAgentIsGone() throws Exception {
        System.setProperty(OfiTransportAgent.SEND_TIMEOUT_PROPERTY, "1000");
        OfiTransportAgent a;
        try {
            a = agent(SECRET, gatewayA);
        } finally {
            System.clearProperty(OfiTransportAgent.SEND_TIMEOUT_PROPERTY);
        }
        OfiTransportAgent b = agent(SECRET, Channel.create(pool, 2, 64, 1024));
        connect(a, b);
        b.close();
        agents.remove(b);
        ByteBuffer failure = call(SEND, 0, bytes(10, 2));
        assertThat(status(failure)).isEqualTo(FAILED);
        assertThat(new String(payload(failure), StandardCharsets.UTF_8)).contains("node 1");
    }

    // ---- the requester's side

    private ByteBuf request(int op, int maxLength, byte[] payload) {
        return GatewayRequests.request(op, target.serialize(), replies.serialize(), ++requestIds, maxLength, 0,
            HOST_B, payload);
    }

    private ByteBuffer call(int op, int maxLength, byte[] payload) throws InterruptedException {
        ByteBuf request = request(op, maxLength, payload);
        gatewayA.send(request.nioBuffer());
        request.release();
        return completion(requestIds);
    }

    /** The next completion, which must be that of request {@code id} (any if negative). */
    private ByteBuffer completion(long id) throws InterruptedException {
        byte[] bytes = replies.recv(20, TimeUnit.SECONDS);
        assertThat(bytes).as("completion of request %d", id).isNotNull();
        ByteBuffer completion = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (id >= 0) {
            assertThat(completion.getLong(COMPLETION_ID_OFFSET)).isEqualTo(id);
        }
        return completion;
    }

    private static int status(ByteBuffer completion) {
        return completion.getInt(STATUS_OFFSET);
    }

    private static byte[] payload(ByteBuffer completion) {
        return ByteBufUtil.getBytes(io.netty.buffer.Unpooled.wrappedBuffer(completion), COMPLETION_PAYLOAD_OFFSET,
            completion.limit() - COMPLETION_PAYLOAD_OFFSET);
    }

    private static byte[] bytes(int size, int seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }
}
