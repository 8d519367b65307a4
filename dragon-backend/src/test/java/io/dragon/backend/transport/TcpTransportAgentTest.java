package io.dragon.backend.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.dragon.backend.net.LinkHandshake;
import io.dragon.backend.net.LinkSecurity;
import io.dragon.backend.net.RawLink;
import io.dragon.core.channels.Channel;
import io.dragon.core.infrastructure.Ids;
import io.dragon.core.infrastructure.RuntimeIds;
import io.dragon.core.memory.MemoryPool;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A transport agent acts on nothing from a link before both ends have proven the job's secret. */
class TcpTransportAgentTest {
    private static final String SECRET = "the job's secret";

    private MemoryPool pool;
    private TcpTransportAgent agent;

    @BeforeEach
    void setUp() throws Exception {
        pool = MemoryPool.create(RuntimeIds.next(), Ids.infraPoolMuid(0), 1 << 20);
        agent = TcpTransportAgent.start(LinkSecurity.plain(SECRET), "127.0.0.1");
        agent.connect(Channel.create(pool, Ids.GATEWAY_CUID, 4, 1024).serialize(), List.of(), List.of(),
            List.of());
    }

    @AfterEach
    void tearDown() {
        agent.close();
        pool.destroy();
    }

    @Test
    void shouldCloseALinkWhoseProofIsWrong() throws Exception {
        try (RawLink stranger = RawLink.connect(address())) {
            stranger.handshake(new byte[32], LinkHandshake.Purpose.TRANSPORT);
            stranger.trySendFrame(request());
            assertThat(stranger.closedByPeer(10_000)).isTrue();
        }
    }

    @Test
    void shouldCloseALinkThatSendsARequestInsteadOfTheHandshake() throws Exception {
        try (RawLink stranger = RawLink.connect(address())) {
            stranger.trySendFrame(request());
            assertThat(stranger.closedByPeer(2_000)).isTrue();
        }
    }

    @Test
    void shouldCloseALinkThatAnnouncesALargeFrameInsteadOfTheHandshake() throws Exception {
        try (RawLink stranger = RawLink.connect(address())) {
            stranger.send(ByteBuffer.allocate(40).putInt(1 << 30).array()); // the size of a HELLO
            assertThat(stranger.closedByPeer(2_000)).isTrue();
        }
    }

    @Test
    void shouldKeepAnAuthenticatedLinkAndDropOnlyItsMalformedRequest() throws Exception {
        try (RawLink member = RawLink.authenticated(address(), SECRET, LinkHandshake.Purpose.TRANSPORT)) {
            member.sendFrame(ByteBuffer.allocate(12).putInt(FrameKind.REQUEST).array()); // too short: dropped
            assertThat(member.closedByPeer(500)).as("closed").isFalse();
        }
    }

    private InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", Integer.parseInt(agent.address().split(":")[1]));
    }

    /** A REQUEST frame's body: its kind, then a gateway request's worth of zeros. */
    private static byte[] request() {
        return ByteBuffer.allocate(Integer.BYTES + 64).putInt(FrameKind.REQUEST).array();
    }
}
