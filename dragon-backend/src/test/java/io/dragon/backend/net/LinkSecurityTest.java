package io.dragon.backend.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.handler.ssl.SslHandler;
import java.io.ByteArrayInputStream;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The job's certificate and key, made in memory, on a pair of in-JVM Netty links; and who gets them. */
class LinkSecurityTest {
    private final EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, NettyTransport.ioHandlers());
    private final BlockingQueue<String> received = new LinkedBlockingQueue<>();

    @AfterEach
    void stopLoop() {
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void shouldCarryBytesOverMutualTlsBetweenTheFrontendAndABackendWithTheJobsCertificate() throws Exception {
        LinkSecurity frontend = LinkSecurity.create(true);
        Channel backend = connect(listen(frontend), LinkSecurity.fromEnvironment(frontend.environment()));
        SslHandler tls = backend.pipeline().get(SslHandler.class);
        assertThat(tls.handshakeFuture().await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(tls.handshakeFuture().cause()).isNull();
        backend.writeAndFlush(Unpooled.copiedBuffer("hello", StandardCharsets.UTF_8));
        assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo("hello (client CN=dragon-job)");
        SSLSession session = tls.engine().getSession();
        X509Certificate peer = (X509Certificate) session.getPeerCertificates()[0];
        assertThat(peer.getPublicKey().getAlgorithm()).isEqualTo("EC");
        assertThat(peer.getSubjectX500Principal().getName()).isEqualTo("CN=dragon-job");
        peer.checkValidity();
        backend.close().sync();
    }

    @Test
    void shouldRefuseABackendWithAnotherJobsCertificate() throws Exception {
        LinkSecurity frontend = LinkSecurity.create(true);
        Map<String, String> stranger = new HashMap<>(LinkSecurity.create(true).environment());
        stranger.put(LinkSecurity.SECRET_VARIABLE, frontend.environment().get(LinkSecurity.SECRET_VARIABLE));
        Channel backend = connect(listen(frontend), LinkSecurity.fromEnvironment(stranger));
        SslHandler tls = backend.pipeline().get(SslHandler.class);
        assertThat(tls.handshakeFuture().await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(tls.handshakeFuture().isSuccess()).isFalse();
        assertThat(received).isEmpty();
    }

    @Test
    void shouldMakeADifferentCertificateForEveryJob() throws Exception {
        X509Certificate one = certificate(LinkSecurity.create(true));
        X509Certificate other = certificate(LinkSecurity.create(true));
        assertThat(one.getSerialNumber()).isNotEqualTo(other.getSerialNumber());
        assertThat(one.getPublicKey()).isNotEqualTo(other.getPublicKey());
    }

    /**
     * In a JVM of its own, whose temporary directory nothing else uses; a file made there and deleted (as Netty's
     * SelfSignedCertificate does) is seen too.
     */
    @Test
    void shouldWriteNothingToTheTemporaryDirectoryWhileMakingTheCertificate(@TempDir Path tmp) throws Exception {
        try (WatchService watcher = tmp.getFileSystem().newWatchService()) {
            tmp.register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
            Process java = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:-UsePerfData", "-Djava.io.tmpdir=" + tmp, "-Dio.netty.tmpdir=" + tmp, "-cp",
                System.getProperty("java.class.path"), MakeOne.class.getName()).redirectErrorStream(true).start();
            String output = new String(java.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(java.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(java.exitValue()).as(output).isZero();
            assertThat(output).contains("tls true");
            WatchKey written = watcher.poll(500, TimeUnit.MILLISECONDS);
            assertThat(written == null ? List.of() : written.pollEvents().stream().map(WatchEvent::context).toList())
                .as("files made in " + tmp).isEmpty();
        }
    }

    @Test
    void shouldTakeTheSecretAndKeyOutOfAnEnvironmentAndNothingElse() {
        Map<String, String> env = new HashMap<>(LinkSecurity.create(true).environment());
        env.put("PATH", "/bin");
        LinkSecurity.removeFrom(env);
        assertThat(env).containsExactly(Map.entry("PATH", "/bin"));
    }

    /** Makes a job's certificate and key, in a JVM whose temporary directory the test watches. */
    static final class MakeOne {
        public static void main(String[] args) {
            System.out.println("tls " + LinkSecurity.create(true).tls());
        }
    }

    private SocketAddress listen(LinkSecurity security) throws InterruptedException {
        return new ServerBootstrap().group(loop).channel(NettyTransport.serverChannel())
            .childHandler(security.accepted(LinkHandshake.Purpose.TREE, () -> new ChannelHandler[] {
                new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext context, Object message) throws Exception {
                        ByteBuf bytes = (ByteBuf) message;
                        X509Certificate client = (X509Certificate) context.pipeline().get(SslHandler.class).engine()
                            .getSession().getPeerCertificates()[0];
                        received.add(bytes.toString(StandardCharsets.UTF_8) + " (client "
                            + client.getSubjectX500Principal().getName() + ")");
                        bytes.release();
                    }
                }}))
            .bind("127.0.0.1", 0).sync().channel().localAddress();
    }

    private Channel connect(SocketAddress address, LinkSecurity security) throws InterruptedException {
        return new Bootstrap().group(loop).channel(NettyTransport.socketChannel())
            .handler(security.opened(LinkHandshake.Purpose.TREE, () -> new ChannelHandler[0])).connect(address).sync()
            .channel();
    }

    private static X509Certificate certificate(LinkSecurity security) throws Exception {
        byte[] pem = Base64.getDecoder().decode(security.environment().get(LinkSecurity.CERTIFICATE_VARIABLE));
        return (X509Certificate) CertificateFactory.getInstance("X.509")
            .generateCertificate(new ByteArrayInputStream(pem));
    }
}
