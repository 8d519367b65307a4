package io.dragon.backend.transport;

import static io.dragon.backend.transport.GatewayRequests.bytes;
import static io.dragon.backend.transport.GatewayRequests.payload;
import static io.dragon.backend.transport.GatewayRequests.status;
import static io.dragon.core.channels.GatewayLayout.COMPLETION_ID_OFFSET;
import static io.dragon.core.channels.GatewayLayout.FAILED;
import static io.dragon.core.channels.GatewayLayout.OK;
import static io.dragon.core.channels.GatewayLayout.RECV;
import static io.dragon.core.channels.GatewayLayout.SEND;
import static io.dragon.core.channels.GatewayLayout.VALUE_OFFSET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.dragon.backend.LogCapture;
import io.dragon.backend.net.LinkSecurity;
import io.dragon.core.channels.Channel;
import io.dragon.core.channels.LocalChannel;
import io.dragon.core.infrastructure.RuntimeIds;
import io.dragon.core.memory.MemoryPool;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Two fabric transport agents on loopback with libfabric's tcp provider, in one JVM: "node A" and "node B" are two
 * host ids, each agent with its own gateway channel. Requests are put on A's gateway as a process puts them; B
 * performs them on its channel; the completions come back to a reply channel through A. Small frames travel in one
 * message, large ones (both ways) by RMA reads. Endpoints driven by the test send raw messages, as a node of the
 * job, as a stranger, or as one who carries two nodes' messages (the tcp and verbs providers let another user
 * take over a connection).
 * Agents tag whole messages unless a test sets {@code dragon.ofi.integrity} before it starts them.
 */
class OfiTransportAgentTest {
    private static final long HOST_A = 0xA;
    private static final long HOST_B = 0xB;
    private static final byte[] KEY = LinkSecurity.plain("the job's secret").key("fabric");

    private final List<OfiTransportAgent> agents = new ArrayList<>();
    private final List<RawEndpoint> rawEndpoints = new ArrayList<>();
    private final Map<OfiTransportAgent, LocalChannel> gateways = new HashMap<>();
    private MemoryPool pool;
    private LocalChannel gatewayA;
    private LocalChannel target;
    private LocalChannel replies;
    private long requestIds;

    @BeforeEach
    void setUp() {
        assumeTrue(OfiLibrary.problem() == null, () -> "libfabric cannot be used here: " + OfiLibrary.problem());
        pool = MemoryPool.create(RuntimeIds.next(), 1, 64 << 20);
        gatewayA = Channel.create(pool, 1, 64, 1024);
        target = Channel.create(pool, 10, 1024, 256);
        replies = Channel.create(pool, -11, 1024, 256);
    }

    @AfterEach
    void tearDown() {
        System.clearProperty(OfiTransportAgent.INTEGRITY_PROPERTY);
        agents.forEach(OfiTransportAgent::close);
        rawEndpoints.forEach(RawEndpoint::close);
        if (pool != null) {
            pool.destroy();
        }
    }

    private OfiTransportAgent agent(byte[] key, LocalChannel gateway) {
        OfiTransportAgent agent = OfiTransportAgent.start(key, "tcp", false, "127.0.0.1");
        agents.add(agent);
        gateways.put(agent, gateway);
        return agent;
    }

    /** Agents of nodes A and B (and any others), each knowing all. */
    private void connect(OfiTransportAgent... nodes) {
        connect(Stream.of(nodes).map(OfiTransportAgent::address).toList(), nodes);
    }

    /**
     * Nodes A, B ... with these endpoint addresses (in every address vector), of which the first are {@code
     * agents}'.
     */
    private void connect(List<String> addresses, OfiTransportAgent... nodes) {
        List<Long> hosts = new ArrayList<>();
        for (int node = 0; node < addresses.size(); node++) {
            hosts.add(HOST_A + node);
        }
        for (OfiTransportAgent node : nodes) {
            node.connect(gateways.get(node).serialize(), hosts, hosts.stream().map(host -> "host" + host).toList(),
                addresses);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"full", "header"})
    void shouldCarrySmallAndLargeMessagesBothWays(String integrity) throws Exception {
        System.setProperty(OfiTransportAgent.INTEGRITY_PROPERTY, integrity);
        connect(agent(KEY, gatewayA), agent(KEY, Channel.create(pool, 2, 64, 1024)));
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
    void shouldCarryRequestsForItsOwnNodeThroughItsOwnEndpoint() throws Exception {
        connect(agent(KEY, gatewayA), agent(KEY, Channel.create(pool, 2, 64, 1024)));
        for (int size : new int[] {5, 3 << 20}) {
            byte[] message = bytes(size, size);
            ByteBuf request = GatewayRequests.request(SEND, target.serialize(), replies.serialize(), ++requestIds, 0,
                0, HOST_A, message);
            gatewayA.send(request.nioBuffer());
            request.release();
            assertThat(status(completion(requestIds))).as("send of %d bytes", size).isEqualTo(OK);
            assertThat(target.tryRecv()).isEqualTo(message);
        }
    }

    @Test
    void shouldCarryManyRequestsInFlight() throws Exception {
        connect(agent(KEY, gatewayA), agent(KEY, Channel.create(pool, 2, 64, 1024)));
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

    @ParameterizedTest
    @ValueSource(strings = {"full", "header"})
    void shouldCarryManyRequestsBothWaysAtOnce(String integrity) throws Exception {
        System.setProperty(OfiTransportAgent.INTEGRITY_PROPERTY, integrity);
        LocalChannel gatewayB = Channel.create(pool, 2, 64, 1024);
        LocalChannel targetA = Channel.create(pool, 12, 1024, 256);
        LocalChannel repliesB = Channel.create(pool, -13, 1024, 256);
        connect(agent(KEY, gatewayA), agent(KEY, gatewayB));
        Random random = new Random(11);
        int count = 300;
        for (int i = 0; i < count; i++) {
            // Sizes around libfabric's own protocols' limits (rxm: eager, then segmented up to 64 KiB) and ours.
            for (LocalChannel gateway : List.of(gatewayA, gatewayB)) {
                boolean fromA = gateway == gatewayA;
                int size = switch (random.nextInt(3)) {
                    case 0 -> 4 + random.nextInt(2_000);
                    case 1 -> 10_000 + random.nextInt(55_000);
                    default -> 60_000 + random.nextInt(10_000);
                };
                ByteBuf request = GatewayRequests.request(SEND, (fromA ? target : targetA).serialize(),
                    (fromA ? replies : repliesB).serialize(), i, 0, 0, fromA ? HOST_B : HOST_A, bytes(size, i));
                gateway.send(request.nioBuffer());
                request.release();
            }
        }
        for (LocalChannel answers : List.of(replies, repliesB)) {
            Set<Long> completed = new HashSet<>();
            for (int i = 0; i < count; i++) {
                byte[] bytes = answers.recv(20, TimeUnit.SECONDS);
                assertThat(bytes).as("completion %d of %d", i, count).isNotNull();
                ByteBuffer completion = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
                assertThat(status(completion)).isEqualTo(OK);
                completed.add(completion.getLong(COMPLETION_ID_OFFSET));
            }
            assertThat(completed).hasSize(count);
        }
        assertThat(target.size()).isEqualTo(count);
        assertThat(targetA.size()).isEqualTo(count);
    }

    @Test
    void shouldDropMessagesTaggedWithAnotherKeyAndGoOn() throws Exception {
        LocalChannel gatewayC = Channel.create(pool, 3, 64, 1024);
        connect(agent(KEY, gatewayA), agent(KEY, Channel.create(pool, 2, 64, 1024)),
            agent(LinkSecurity.plain("a guess").key("fabric"), gatewayC));
        try (LogCapture log = new LogCapture(OfiTransportAgent.class)) {
            for (int size : new int[] {10, 3 << 20}) {
                ByteBuf forged = request(SEND, 0, bytes(size, 1));
                gatewayC.send(forged.nioBuffer());
                forged.release();
            }
            awaitLogged(log, "node 2: its tag is wrong", 2);
        }
        assertThat(replies.tryRecv()).as("no answer to a stranger").isNull();
        assertThat(target.size()).as("nothing sent by a stranger").isZero();
        assertThat(status(call(SEND, 0, bytes(10, 2)))).isEqualTo(OK);
    }

    @Test
    void shouldPerformAMessageOnceAndDropItsCopies() throws Exception {
        RawEndpoint node2 = rawEndpoint();
        OfiTransportAgent a = agent(KEY, gatewayA);
        OfiTransportAgent b = agent(KEY, Channel.create(pool, 2, 64, 1024));
        connect(List.of(a.address(), b.address(), node2.address()), a, b);
        long toB = node2.insert(b);
        byte[] first = message(2, 1, FrameKind.REQUEST, 1, request(SEND, 0, bytes(10, 1)));
        try (LogCapture log = new LogCapture(OfiTransportAgent.class)) {
            node2.send(toB, first);
            byte[] completion = node2.receive();
            assertThat(target.size()).isEqualTo(1);
            assertThat(new MessageTags(KEY).verify(Unpooled.wrappedBuffer(completion), 0, 2, completion.length
                - OfiMessageLayout.HEADER)).as("B's answer, tagged for node 2").isTrue();
            node2.send(toB, first);
            node2.send(toB, first);
            awaitLogged(log, "node 2: its counter 1 was seen before", 2);
            assertThat(target.size()).as("a copy performed").isEqualTo(1);
            node2.send(toB, message(2, 1, FrameKind.REQUEST, 2, request(SEND, 0, bytes(10, 2))));
            node2.receive();
            assertThat(target.size()).as("the next message performed").isEqualTo(2);
        }
    }

    @Test
    void shouldDropMessagesFromEndpointsThatAreNotTheNodesTheyName() throws Exception {
        RawEndpoint node2 = rawEndpoint();
        RawEndpoint outsider = rawEndpoint();
        OfiTransportAgent a = agent(KEY, gatewayA);
        OfiTransportAgent b = agent(KEY, Channel.create(pool, 2, 64, 1024));
        connect(List.of(a.address(), b.address(), node2.address()), a, b);
        try (LogCapture log = new LogCapture(OfiTransportAgent.class)) {
            // Well tagged: only where they come from gives them away.
            outsider.send(outsider.insert(b), message(2, 1, FrameKind.REQUEST, 1, request(SEND, 0,
                bytes(10, 1))));
            awaitLogged(log, "node 2: it comes from an endpoint that is not in the job's address vector", 1);
            node2.send(node2.insert(b), message(0, 1, FrameKind.REQUEST, 1, request(SEND, 0, bytes(10, 1))));
            awaitLogged(log, "node 0: it comes from the endpoint of node 2", 1);
        }
        assertThat(target.size()).isZero();
        assertThat(replies.tryRecv()).isNull();
    }

    @Test
    void shouldDropACapturedMessageSentAgainToAnotherNode() throws Exception {
        RawEndpoint node2 = rawEndpoint();
        RawEndpoint outsider = rawEndpoint();
        OfiTransportAgent a = agent(KEY, gatewayA);
        OfiTransportAgent b = agent(KEY, Channel.create(pool, 2, 64, 1024));
        connect(List.of(a.address(), b.address(), node2.address()), a, b);
        ByteBuf request = GatewayRequests.request(SEND, target.serialize(), replies.serialize(), 1, 0, 0, HOST_A + 2,
            bytes(10, 1));
        gatewayA.send(request.nioBuffer());
        request.release();
        byte[] captured = node2.receive();
        try (LogCapture log = new LogCapture(OfiTransportAgent.class)) {
            outsider.send(outsider.insert(b), captured);
            awaitLogged(log, "node 0: it comes from an endpoint that is not in the job's address vector", 1);
            long toB = node2.insert(b);
            node2.send(toB, captured);
            awaitLogged(log, "node 0: it comes from the endpoint of node 2", 1);
            ByteBuffer.wrap(captured).putInt(OfiMessageLayout.SOURCE_OFFSET, 2);
            node2.send(toB, captured);
            awaitLogged(log, "node 2: its tag is wrong", 1);
        }
        assertThat(target.size()).isZero();
        assertThat(replies.tryRecv()).isNull();
    }

    /**
     * One who carries node A's messages to node B (as in A's and B's address vectors, here; on rxm, by taking over
     * the connection) changes a request's body on the way: B drops it, and acts on the unchanged message after it
     * (so its counter was new: the tag is what stopped it).
     */
    @Test
    void shouldDropAMessageWhoseBodyWasChangedOnTheWay() throws Exception {
        RawEndpoint relay = rawEndpoint();
        OfiTransportAgent b = relayed(relay);
        byte[] captured = relay.receive();
        byte[] changed = captured.clone();
        changed[changed.length - 1] ^= 1;
        try (LogCapture log = new LogCapture(OfiTransportAgent.class)) {
            long toB = relay.insert(b);
            relay.send(toB, changed);
            awaitLogged(log, "node 0: its tag is wrong", 1);
            assertThat(target.size()).as("a changed request performed").isZero();
            relay.send(toB, captured);
            assertThat(target.recv(10, TimeUnit.SECONDS)).as("the request as A sent it").isEqualTo(bytes(10, 1));
        }
    }

    /** What dragon.ofi.integrity=header gives up, for fabrics where no one else can carry a job's messages. */
    @Test
    void shouldActOnAChangedBodyWhenTagsCoverHeadersOnly() throws Exception {
        System.setProperty(OfiTransportAgent.INTEGRITY_PROPERTY, "header");
        RawEndpoint relay = rawEndpoint();
        OfiTransportAgent b = relayed(relay);
        byte[] changed = relay.receive();
        changed[changed.length - 1] ^= 1;
        relay.send(relay.insert(b), changed);
        byte[] expected = bytes(10, 1);
        expected[expected.length - 1] ^= 1;
        assertThat(target.recv(10, TimeUnit.SECONDS)).isEqualTo(expected);
    }

    /**
     * Agents A and B, each of which has {@code relay} at the other's place in its address vector; A has sent a
     * request of 10 bytes for B's channel, which the relay can now receive. B's agent.
     */
    private OfiTransportAgent relayed(RawEndpoint relay) throws InterruptedException {
        OfiTransportAgent a = agent(KEY, gatewayA);
        OfiTransportAgent b = agent(KEY, Channel.create(pool, 2, 64, 1024));
        List<Long> hosts = List.of(HOST_A, HOST_B);
        a.connect(gatewayA.serialize(), hosts, List.of("a", "b"), List.of(a.address(), relay.address()));
        b.connect(gateways.get(b).serialize(), hosts, List.of("a", "b"), List.of(relay.address(), b.address()));
        ByteBuf request = request(SEND, 0, bytes(10, 1));
        gatewayA.send(request.nioBuffer());
        request.release();
        return b;
    }

    /**
     * A node of the job (it has the key) offers a large frame but registers other bytes than those it tagged: the
     * receiver reads them, drops them, says so, and performs a frame whose bytes are right.
     */
    @Test
    void shouldDropALargeFrameWhoseBytesAreNotThoseItsMessageNames() throws Exception {
        RawEndpoint node2 = rawEndpoint();
        OfiTransportAgent a = agent(KEY, gatewayA);
        OfiTransportAgent b = agent(KEY, Channel.create(pool, 2, 64, 1024));
        connect(List.of(a.address(), b.address(), node2.address()), a, b);
        long toB = node2.insert(b);
        byte[] message = bytes(100_000, 3);
        ByteBuf frame = Unpooled.directBuffer().writeInt(1).writeInt(FrameKind.REQUEST)
            .writeBytes(request(SEND, 0, message));
        ByteBuf other = frame.copy();
        other.setByte(other.writerIndex() - 1, other.getByte(other.writerIndex() - 1) ^ 1);
        try (LogCapture log = new LogCapture(OfiTransportAgent.class)) {
            node2.offer(toB, 1, other, frame);
            awaitLogged(log, "dropped a large frame of " + frame.readableBytes() + " bytes read from node 2: its"
                + " bytes are not those its LARGE message was tagged for", 1);
            assertThat(target.size()).as("a frame performed whose bytes were changed").isZero();
            node2.offer(toB, 2, frame, frame);
            assertThat(target.recv(10, TimeUnit.SECONDS)).isEqualTo(message);
        } finally {
            frame.release();
            other.release();
        }
    }

    @Test
    void shouldRefuseAnIntegrityItDoesNotKnow() {
        System.setProperty(OfiTransportAgent.INTEGRITY_PROPERTY, "none");
        assertThatThrownBy(() -> agent(KEY, gatewayA)).isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("-Ddragon.ofi.integrity must be full").hasMessageContaining("not 'none'");
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
            a = agent(KEY, gatewayA);
        } finally {
            System.clearProperty(OfiTransportAgent.SEND_TIMEOUT_PROPERTY);
        }
        OfiTransportAgent b = agent(KEY, Channel.create(pool, 2, 64, 1024));
        connect(a, b);
        b.close();
        agents.remove(b);
        ByteBuffer failure = call(SEND, 0, bytes(10, 2));
        assertThat(status(failure)).isEqualTo(FAILED);
        assertThat(new String(payload(failure), StandardCharsets.UTF_8)).contains("node 1");
    }

    // ---- raw endpoints

    private RawEndpoint rawEndpoint() {
        RawEndpoint endpoint = new RawEndpoint();
        rawEndpoints.add(endpoint);
        return endpoint;
    }

    /** A message as an agent makes it, tagged with the job's key: {@code body} from one node to another. */
    private static byte[] message(int source, int destination, int kind, long counter, ByteBuf body) {
        ByteBuf message = Unpooled.buffer().writeInt(source).writeInt(kind).writeLong(counter)
            .writeZero(MessageTags.BYTES).writeBytes(body);
        body.release();
        new MessageTags(KEY).sign(message, 0, destination, message.readableBytes() - OfiMessageLayout.HEADER);
        return ByteBufUtil.getBytes(message);
    }

    /** Waits until {@code what} has been logged {@code times} times, and not more. */
    private static void awaitLogged(LogCapture log, String what, int times) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (count(log.text(), what) < times && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        Thread.sleep(100);
        assertThat(count(log.text(), what)).as("times '%s' was logged in:%n%s", what, log.text()).isEqualTo(times);
    }

    private static int count(String text, String what) {
        int count = 0;
        for (int at = text.indexOf(what); at >= 0; at = text.indexOf(what, at + 1)) {
            count++;
        }
        return count;
    }

    /**
     * An endpoint that sends and receives raw fabric messages, as a program that is no agent would: the test makes
     * them (with the job's key, for a node of the job) or replays what it received.
     */
    private static final class RawEndpoint implements AutoCloseable {
        private static final int SLOTS = 4;
        private final OfiEndpoint endpoint = OfiEndpoint.open("tcp", "127.0.0.1", SLOTS,
            OfiMessageLayout.MAX_MESSAGE, 1);
        private final ArrayDeque<byte[]> received = new ArrayDeque<>();
        private boolean sent;

        String address() {
            return HexFormat.of().formatHex(endpoint.name());
        }

        long insert(OfiTransportAgent agent) {
            return endpoint.insert(HexFormat.of().parseHex(agent.address()));
        }

        /**
         * As node 2, offers {@code served} (direct memory) to node 1 in a LARGE message tagged with the job's keys,
         * whose frame tag is that of {@code tagged}; returns once node 1 has read it (READ_DONE).
         */
        void offer(long peer, long counter, ByteBuf served, ByteBuf tagged) {
            long registration = endpoint.register(served.memoryAddress() + served.readerIndex(),
                served.readableBytes());
            byte[] frameTag = new byte[FrameTags.BYTES];
            new FrameTags(KEY).tag(tagged, 2, counter, frameTag);
            ByteBuf fields = Unpooled.buffer().writeLong(0).writeLong(endpoint.remoteAddress())
                .writeLong(endpoint.key()).writeInt(served.readableBytes()).writeLong(counter).writeBytes(frameTag);
            try {
                send(peer, message(2, 1, FrameKind.LARGE, counter, fields));
                byte[] done = receive();
                assertThat(ByteBuffer.wrap(done).getInt(OfiMessageLayout.KIND_OFFSET)).as("READ_DONE")
                    .isEqualTo(FrameKind.READ_DONE);
            } finally {
                endpoint.unregister(registration);
            }
        }

        void send(long peer, byte[] message) {
            endpoint.sendSlab().setBytes(0, message);
            sent = false;
            long deadline = deadline();
            while (!endpoint.send(peer, 0, message.length)) {
                poll(deadline);
            }
            while (!sent) {
                poll(deadline);
            }
        }

        byte[] receive() {
            long deadline = deadline();
            while (received.isEmpty()) {
                poll(deadline);
            }
            return received.poll();
        }

        private static long deadline() {
            return System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        }

        private void poll(long deadline) {
            assertThat(System.nanoTime()).as("a fabric operation done in time").isLessThan(deadline);
            int completions = endpoint.poll(10);
            for (int i = 0; i < completions; i++) {
                int slot = endpoint.index(i);
                assertThat(endpoint.length(i)).as("completion %d: %s", i, endpoint.error()).isNotNegative();
                if (endpoint.block(i) == OfiLibrary.SEND_BLOCK) {
                    sent = true;
                } else {
                    received.add(ByteBufUtil.getBytes(endpoint.recvSlab(), endpoint.offset(slot),
                        (int) endpoint.length(i)));
                    endpoint.repost(slot);
                }
            }
        }

        @Override
        public void close() {
            endpoint.close();
        }
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
}
