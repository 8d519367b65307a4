package io.dragon.backend.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.dragon.backend.net.LinkSecurity;
import io.dragon.core.channels.Channel;
import io.dragon.core.infrastructure.Facts;
import io.dragon.core.infrastructure.RuntimeIds;
import io.dragon.core.memory.Pool;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A transport agent lets in only a link that shows the job's secret first, and no large frame before that. */
class TcpTransportAgentTest {
    private static final String SECRET = "the job's secret";

    private Pool pool;
    private TcpTransportAgent agent;

    @BeforeEach
    void setUp() throws Exception {
        pool = Pool.create(RuntimeIds.next(), Facts.INFRA_POOL_MUID, 1 << 20);
        agent = TcpTransportAgent.start(LinkSecurity.plain(SECRET), "127.0.0.1");
        agent.connect(Channel.create(pool, Facts.GATEWAY_CUID, 4, 1024).serialize(), List.of(), List.of());
    }

    @AfterEach
    void tearDown() {
        agent.close();
        pool.destroy();
    }

    @Test
    void shouldCloseALinkWhoseHelloHasTheWrongSecret() throws Exception {
        try (Socket socket = connect()) {
            send(socket, TransportFrames.HELLO, "a guess".getBytes(StandardCharsets.UTF_8));
            assertThat(socket.getInputStream().read()).as("end of stream").isEqualTo(-1);
        }
    }

    @Test
    void shouldCloseALinkThatSendsARequestBeforeItsHello() throws Exception {
        try (Socket socket = connect()) {
            send(socket, TransportFrames.REQUEST, new byte[64]);
            assertThat(socket.getInputStream().read()).as("end of stream").isEqualTo(-1);
        }
    }

    @Test
    void shouldCloseALinkThatAnnouncesALargeFrameBeforeItsHello() throws Exception {
        try (Socket socket = connect()) {
            new DataOutputStream(socket.getOutputStream()).writeInt(1 << 30);
            assertThat(socket.getInputStream().read()).as("end of stream").isEqualTo(-1);
        }
    }

    @Test
    void shouldKeepALinkThatShowsTheSecretAndDropOnlyItsMalformedRequest() throws Exception {
        try (Socket socket = connect()) {
            send(socket, TransportFrames.HELLO, SECRET.getBytes(StandardCharsets.UTF_8));
            send(socket, TransportFrames.REQUEST, new byte[8]); // too short to be answered: dropped, logged
            socket.setSoTimeout(500);
            DataInputStream in = new DataInputStream(socket.getInputStream());
            try {
                in.read();
                throw new AssertionError("expected nothing back, and the link open");
            } catch (java.net.SocketTimeoutException expected) {
                assertThat(socket.isClosed()).isFalse();
            }
        }
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket("127.0.0.1", Integer.parseInt(agent.address().split(":")[1]));
        socket.setSoTimeout(10_000);
        return socket;
    }

    private static void send(Socket socket, int kind, byte[] body) throws IOException {
        DataOutputStream out = new DataOutputStream(socket.getOutputStream());
        out.writeInt(Integer.BYTES + body.length);
        out.writeInt(kind);
        out.write(body);
        out.flush();
    }
}
