package io.dragon.backend.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dragon.backend.LogCapture;
import io.dragon.backend.net.LinkHandshake.Purpose;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.util.concurrent.Future;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Real links over loopback: both ends prove the job's secret before a byte passes, and strangers get nothing. */
class LinkHandshakeTest {
    private static final String SECRET = "the job's secret";

    private final EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, NettyTransport.ioHandlers());
    /** What the handlers behind the handshake received, on either side. */
    private final BlockingQueue<String> received = new LinkedBlockingQueue<>();
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable closeable : closeables) {
            closeable.close();
        }
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void shouldAuthenticateBothEndsThenPassWhatEachWroteEarly() throws Exception {
        assertLinkWorks(LinkSecurity.plain(SECRET), LinkSecurity.plain(SECRET));
    }

    @Test
    void shouldAuthenticateInsideTls() throws Exception {
        LinkSecurity tls = LinkSecurity.create(true);
        assertLinkWorks(tls, LinkSecurity.fromEnvironment(tls.environment()));
    }

    @Test
    void shouldSendNothingToAnAcceptorThatCannotProveTheSecret() throws Exception {
        InetSocketAddress impostor = listen(LinkSecurity.plain("a guess"), Purpose.TRANSPORT);
        Channel link = open(LinkSecurity.plain(SECRET), Purpose.TRANSPORT, impostor);
        ChannelFuture write = link.writeAndFlush(text("request"));

        assertThat(LinkHandshake.authenticated(link).await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(LinkHandshake.authenticated(link).isSuccess()).isFalse();
        assertThat(write.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(write.isSuccess()).isFalse();
        assertThat(received.poll(200, TimeUnit.MILLISECONDS)).as("what the impostor's handlers got").isNull();
    }

    @Test
    void shouldCloseAnOpenerWithTheWrongSecretAndHandOnNothing() throws Exception {
        InetSocketAddress acceptor = listen(LinkSecurity.plain(SECRET), Purpose.TRANSPORT);
        try (RawLink stranger = RawLink.connect(acceptor)) {
            stranger.handshake(LinkSecurity.plain("a guess").key(LinkSecurity.LINK_PURPOSE), Purpose.TRANSPORT);
            stranger.trySendFrame("run this".getBytes(StandardCharsets.UTF_8));
            assertThat(stranger.closedByPeer(10_000)).isTrue();
        }
        assertThat(received.poll(200, TimeUnit.MILLISECONDS)).isNull();
    }

    @Test
    void shouldRefuseAReplayedHandshake() throws Exception {
        InetSocketAddress acceptor = listen(LinkSecurity.plain(SECRET), Purpose.TRANSPORT);
        try (RawLink member = RawLink.authenticated(acceptor, SECRET, Purpose.TRANSPORT);
             RawLink replay = RawLink.connect(acceptor)) {
            member.sendFrame("genuine".getBytes(StandardCharsets.UTF_8));
            assertThat(received.poll(10, TimeUnit.SECONDS)).endsWith("genuine");

            replay.replay(member);
            replay.trySendFrame("replayed".getBytes(StandardCharsets.UTF_8));
            assertThat(replay.closedByPeer(10_000)).isTrue();
        }
        assertThat(received.poll(200, TimeUnit.MILLISECONDS)).isNull();
    }

    @Test
    void shouldCloseAStrangerThatSendsAFrameInsteadOfTheHandshake() throws Exception {
        InetSocketAddress acceptor = listen(LinkSecurity.plain(SECRET), Purpose.TREE);
        try (RawLink stranger = RawLink.connect(acceptor)) {
            stranger.trySendFrame(new byte[LinkHandshake.HELLO_BYTES]);
            assertThat(stranger.closedByPeer(2_000)).as("closed at once, not at the timeout").isTrue();
        }
        assertThat(received.poll(200, TimeUnit.MILLISECONDS)).isNull();
    }

    @Test
    void shouldRefuseATransportHandshakeOnATreeListener() throws Exception {
        InetSocketAddress acceptor = listen(LinkSecurity.plain(SECRET), Purpose.TREE);
        assertThatThrownBy(() -> RawLink.authenticated(acceptor, SECRET, Purpose.TRANSPORT).close())
            .isInstanceOf(EOFException.class);
    }

    @Test
    void shouldNotAuthenticateThroughAStrangersRelay() throws Exception {
        InetSocketAddress acceptor = listen(LinkSecurity.plain(SECRET), Purpose.TRANSPORT);
        try (Relay relay = new Relay(acceptor)) {
            closeables.add(relay);
            Channel link = open(LinkSecurity.plain(SECRET), Purpose.TRANSPORT, relay.address());
            link.writeAndFlush(text("request"));
            Future<Void> authenticated = LinkHandshake.authenticated(link);
            assertThat(authenticated.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(authenticated.isSuccess()).as("the acceptor proved itself for another address").isFalse();
        }
        assertThat(received.poll(200, TimeUnit.MILLISECONDS)).isNull();
    }

    @Test
    void shouldCloseALinkThatDoesNotAuthenticateInTime() throws Exception {
        InetSocketAddress acceptor = listen(LinkSecurity.plain(SECRET), Purpose.TREE);
        try (RawLink silent = RawLink.connect(acceptor)) {
            long start = System.nanoTime();
            assertThat(silent.closedByPeer((int) LinkHandshake.TIMEOUT_MS + 5_000)).isTrue();
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))
                .isGreaterThanOrEqualTo(LinkHandshake.TIMEOUT_MS - 100);
        }
    }

    @Test
    void shouldCloseTheLinkThatWaitedLongestWhenTooManyWaitAndLetAMemberIn() throws Exception {
        InetSocketAddress acceptor = listen(LinkSecurity.plain(SECRET), Purpose.TREE);
        List<RawLink> waiting = new ArrayList<>();
        try {
            for (int i = 0; i < LinkHandshake.MAX_PENDING; i++) {
                waiting.add(RawLink.connect(acceptor));
            }
            try (RawLink oneMore = RawLink.connect(acceptor)) {
                assertThat(waiting.get(0).closedByPeer(2_000)).as("the oldest").isTrue();
                assertThat(oneMore.closedByPeer(100)).as("the newest").isFalse();
            }
            try (RawLink member = RawLink.authenticated(acceptor, SECRET, Purpose.TREE)) {
                member.sendFrame("member".getBytes(StandardCharsets.UTF_8));
                assertThat(received.poll(10, TimeUnit.SECONDS)).endsWith("member");
            }
        } finally {
            for (RawLink link : waiting) {
                link.close();
            }
        }
    }

    @Test
    void shouldLogEveryRefusedLinkButNotALineEachInAFlood() throws Exception {
        InetSocketAddress acceptor = listen(LinkSecurity.plain(SECRET), Purpose.TREE);
        int flood = 3 * LinkHandshake.Listener.LOGGED_PER_SECOND;
        try (LogCapture log = new LogCapture(LinkHandshake.class)) {
            for (int i = 0; i < flood; i++) {
                try (RawLink stranger = RawLink.connect(acceptor)) {
                    stranger.send(new byte[LinkHandshake.HELLO_BYTES]); // not a handshake: refused at once
                    stranger.closedByPeer(2_000);
                }
            }
            Thread.sleep(1_500); // the last second's summary
            List<String> lines = log.text().lines().toList();
            long each = lines.stream().filter(line -> line.contains("closed the tree link from /127.0.0.1:")).count();
            long counted = lines.stream().filter(line -> line.contains("more links (from 127.0.0.1)"))
                .mapToLong(line -> Long.parseLong(line.replaceAll(".*refused ([0-9]+) more links.*", "$1"))).sum();
            assertThat(each + counted).as(log.text()).isEqualTo(flood);
            assertThat(each).as("lines of their own").isLessThan(flood);
        }
    }

    @Test
    void shouldFailTheHandshakeAndTheHeldWritesOfALinkThatNeverConnects() throws Exception {
        InetSocketAddress nobody;
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            nobody = (InetSocketAddress) closed.getLocalSocketAddress();
        }
        ChannelFuture connect = new Bootstrap().group(loop).channel(NettyTransport.socketChannel())
            .handler(LinkSecurity.plain(SECRET).opened(Purpose.TRANSPORT, () -> new ChannelHandler[0]))
            .connect(nobody);
        ChannelFuture write = connect.channel().writeAndFlush(text("request"));
        Future<Void> authenticated = LinkHandshake.authenticated(connect.channel());
        assertThat(authenticated.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(authenticated.isSuccess()).isFalse();
        assertThat(write.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(write.isSuccess()).isFalse();
    }

    private void assertLinkWorks(LinkSecurity acceptorSide, LinkSecurity openerSide) throws Exception {
        InetSocketAddress acceptor = listen(acceptorSide, Purpose.TRANSPORT);
        Channel link = open(openerSide, Purpose.TRANSPORT, acceptor);
        link.writeAndFlush(text("first")); // held until the acceptor has proven itself
        assertThat(LinkHandshake.authenticated(link).await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(LinkHandshake.authenticated(link).isSuccess()).isTrue();
        assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo("acceptor got first");
        assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo("opener got echo first");
    }

    private InetSocketAddress listen(LinkSecurity security, Purpose purpose) throws InterruptedException {
        Channel server = new ServerBootstrap().group(loop).channel(NettyTransport.serverChannel())
            .childHandler(security.accepted(purpose, () -> new ChannelHandler[] {new Recorder("acceptor", true)}))
            .bind("127.0.0.1", 0).sync().channel();
        closeables.add(() -> server.close().sync());
        return (InetSocketAddress) server.localAddress();
    }

    private Channel open(LinkSecurity security, Purpose purpose, InetSocketAddress acceptor)
        throws InterruptedException {
        Channel link = new Bootstrap().group(loop).channel(NettyTransport.socketChannel())
            .handler(security.opened(purpose, () -> new ChannelHandler[] {new Recorder("opener", false)}))
            .connect(acceptor).sync().channel();
        closeables.add(() -> link.close().sync());
        return link;
    }

    private static ByteBuf text(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
    }

    /** Records what reaches it; the acceptor's answers "echo ...". */
    private final class Recorder extends SimpleChannelInboundHandler<ByteBuf> {
        private final String side;
        private final boolean echo;

        Recorder(String side, boolean echo) {
            this.side = side;
            this.echo = echo;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
            String text = msg.toString(StandardCharsets.UTF_8);
            received.add(side + " got " + text.replaceAll("\\p{Cntrl}", ""));
            if (echo) {
                ctx.writeAndFlush(text("echo " + text));
            }
        }
    }

    /** A stranger's relay: it listens on a port of its own and passes bytes to and from {@code target} unchanged. */
    private static final class Relay implements AutoCloseable {
        private final ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        private final List<Socket> sockets = new ArrayList<>();

        Relay(InetSocketAddress target) throws IOException {
            Thread accepter = new Thread(() -> {
                try {
                    Socket in = server.accept();
                    Socket out = new Socket(target.getAddress(), target.getPort());
                    synchronized (sockets) {
                        sockets.add(in);
                        sockets.add(out);
                    }
                    pump(in, out);
                    pump(out, in);
                } catch (IOException closed) {
                    // the test is over
                }
            });
            accepter.setDaemon(true);
            accepter.start();
        }

        InetSocketAddress address() {
            return (InetSocketAddress) server.getLocalSocketAddress();
        }

        private static void pump(Socket from, Socket to) {
            Thread pump = new Thread(() -> {
                try {
                    from.getInputStream().transferTo(to.getOutputStream());
                } catch (IOException closed) {
                    // either end closed
                }
            });
            pump.setDaemon(true);
            pump.start();
        }

        @Override
        public void close() throws IOException {
            server.close();
            synchronized (sockets) {
                for (Socket socket : sockets) {
                    socket.close();
                }
            }
        }
    }
}
