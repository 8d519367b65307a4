package io.dragon.backend.transport;

import static io.dragon.backend.transport.GatewayRequests.bytes;
import static io.dragon.backend.transport.GatewayRequests.payload;
import static io.dragon.backend.transport.GatewayRequests.status;
import static io.dragon.core.channels.GatewayLayout.COMPLETION_ID_OFFSET;
import static io.dragon.core.channels.GatewayLayout.FULL;
import static io.dragon.core.channels.GatewayLayout.OK;
import static io.dragon.core.channels.GatewayLayout.RECV;
import static io.dragon.core.channels.GatewayLayout.SEND;
import static io.dragon.core.channels.GatewayLayout.TOO_LARGE;
import static io.dragon.core.channels.GatewayLayout.VALUE_OFFSET;
import static org.assertj.core.api.Assertions.assertThat;

import io.dragon.backend.net.LinkSecurity;
import io.dragon.core.channels.Channel;
import io.dragon.core.channels.LocalChannel;
import io.dragon.core.infrastructure.RuntimeIds;
import io.dragon.core.memory.MemoryPool;
import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two TCP transport agents on loopback, in one JVM: "node A" and "node B" are two host ids, each agent with its own
 * gateway channel. Requests are put on A's gateway as a process puts them; B performs them on its channel; the
 * completions come back to a reply channel through A. A large request leaves A from the gateway's side allocation
 * and its payload lands in B straight in a side allocation of the target's pool: nothing of either may leak.
 */
class TcpTransportCarryTest {
    private static final long HOST_A = 0xA;
    private static final long HOST_B = 0xB;

    private final List<TcpTransportAgent> agents = new ArrayList<>();
    private MemoryPool pool;
    private LocalChannel gatewayA;
    private LocalChannel target;
    private LocalChannel replies;
    private long requestIds;

    @BeforeEach
    void setUp() throws Exception {
        pool = MemoryPool.create(RuntimeIds.next(), 1, 64 << 20);
        gatewayA = Channel.create(pool, 1, 64, 1024);
        LocalChannel gatewayB = Channel.create(pool, 2, 64, 1024);
        target = Channel.create(pool, 10, 1024, 256);
        replies = Channel.create(pool, -11, 1024, 256);
        for (int node = 0; node < 2; node++) {
            agents.add(TcpTransportAgent.start(LinkSecurity.plain("the job's secret"), "127.0.0.1"));
        }
        List<Long> hosts = List.of(HOST_A, HOST_B);
        List<String> addresses = agents.stream().map(TcpTransportAgent::address).toList();
        agents.get(0).connect(gatewayA.serialize(), hosts, List.of("a", "b"), addresses);
        agents.get(1).connect(gatewayB.serialize(), hosts, List.of("a", "b"), addresses);
    }

    @AfterEach
    void tearDown() {
        agents.forEach(TcpTransportAgent::close);
        pool.destroy();
    }

    @Test
    void shouldCarrySmallAndLargeMessagesBothWaysAndFreeWhatTheyHeld() throws Exception {
        long used = pool.usedBytes();
        for (int size : new int[] {5, 2_000, 70_000, 3 << 20}) {
            byte[] message = bytes(size, size);
            assertThat(status(call(request(SEND, target, 0, message)))).as("send of %d bytes", size).isEqualTo(OK);
            assertThat(target.tryRecv()).isEqualTo(message);
            target.send(message);
            ByteBuffer received = call(request(RECV, target, Integer.MAX_VALUE, null));
            assertThat(received.getInt(VALUE_OFFSET)).isEqualTo(size);
            assertThat(payload(received)).as("message of %d bytes received", size).isEqualTo(message);
        }
        assertThat(pool.usedBytes()).as("pool memory in use").isEqualTo(used);
    }

    @Test
    void shouldKeepTheOrderOfManyRequestsInFlight() throws Exception {
        long used = pool.usedBytes();
        Random random = new Random(7);
        int count = 600;
        byte[][] sent = new byte[count][];
        for (int i = 0; i < count; i++) {
            sent[i] = bytes(random.nextInt(3) == 0 ? 65_536 + random.nextInt(100_000) : 4 + random.nextInt(2000), i);
            send(request(SEND, target, 0, sent[i]));
        }
        for (int i = 0; i < count; i++) {
            ByteBuffer completion = completion();
            assertThat(status(completion)).isEqualTo(OK);
            assertThat(completion.getLong(COMPLETION_ID_OFFSET)).isEqualTo(i + 1);
        }
        for (int i = 0; i < count; i++) {
            assertThat(target.tryRecv()).as("message %d", i).isEqualTo(sent[i]);
        }
        assertThat(pool.usedBytes()).as("pool memory in use").isEqualTo(used);
    }

    @Test
    void shouldGatherALargeSendWholeWhenTheTargetsPoolHasNoRoomNow() throws Exception {
        MemoryPool small = MemoryPool.create(RuntimeIds.next(), 3, 4 << 20);
        try {
            LocalChannel narrow = Channel.create(small, 20, 8, 256);
            long used = small.usedBytes();
            byte[] message = bytes(300_000, 1);
            assertThat(status(call(request(SEND, narrow, 0, bytes(8 << 20, 2))))).as("larger than the pool")
                .isEqualTo(TOO_LARGE);
            List<Long> fillers = new ArrayList<>();
            while (small.largestFreeBlock() >= message.length) {
                fillers.add(small.tryAllocate(small.largestFreeBlock()));
            }
            assertThat(status(call(request(SEND, narrow, 0, message)))).as("pool full now").isEqualTo(FULL);
            fillers.forEach(small::free);
            assertThat(status(call(request(SEND, narrow, 0, message)))).as("room again").isEqualTo(OK);
            assertThat(narrow.tryRecv()).isEqualTo(message);
            assertThat(small.usedBytes()).as("pool memory in use").isEqualTo(used);
        } finally {
            small.destroy();
        }
    }

    private ByteBuf request(int op, LocalChannel channel, int maxLength, byte[] payload) {
        return GatewayRequests.request(op, channel.serialize(), replies.serialize(), ++requestIds, maxLength, 0,
            HOST_B, payload);
    }

    private void send(ByteBuf request) throws InterruptedException {
        try {
            gatewayA.send(request.nioBuffer());
        } finally {
            request.release();
        }
    }

    private ByteBuffer call(ByteBuf request) throws InterruptedException {
        long id = requestIds;
        send(request);
        ByteBuffer completion = completion();
        assertThat(completion.getLong(COMPLETION_ID_OFFSET)).isEqualTo(id);
        return completion;
    }

    private ByteBuffer completion() throws InterruptedException {
        byte[] bytes = replies.recv(20, TimeUnit.SECONDS);
        assertThat(bytes).as("a completion").isNotNull();
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }
}
