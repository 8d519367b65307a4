package io.dragon.bench;

import io.dragon.backend.net.LinkHandshake;
import io.dragon.backend.net.LinkSecurity;
import io.dragon.backend.net.NettyTransport;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.net.SocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * What a link's handshake costs: the time to open a link over loopback and have both ends authenticated (a
 * {@link LinkSecurity} listener and opener, as the tree and the TCP agents use them), vs the time to open a plain
 * Netty connection, in alternating blocks in one JVM; medians over blocks. Prints {@code result link_setup_us},
 * {@code result tcp_connect_us}, {@code result link_handshake_us} (the difference) and {@code ratio}.
 *
 * <p>usage: LinkSetup [links=200] [blocks=5] [warmup=2] [tls=false]
 */
public final class LinkSetup {
    private LinkSetup() {
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args, 0);
        int links = Integer.parseInt(options.get("links", "200"));
        int blocks = Integer.parseInt(options.get("blocks", "5"));
        int warmup = Integer.parseInt(options.get("warmup", "2"));
        LinkSecurity security = Boolean.parseBoolean(options.get("tls", "false")) ? LinkSecurity.create(true)
            : LinkSecurity.plain("bench");
        EventLoopGroup loop = new MultiThreadIoEventLoopGroup(2, NettyTransport.ioHandlers());
        try {
            ChannelInitializer<Channel> plain = new ChannelInitializer<>() {
                @Override
                protected void initChannel(Channel ch) {
                    // nothing: a bare connection
                }
            };
            SocketAddress secured = listen(loop, security.accepted(LinkHandshake.Purpose.TRANSPORT,
                () -> new ChannelHandler[0]));
            SocketAddress bare = listen(loop, plain);
            Bootstrap opener = bootstrap(loop, security.opened(LinkHandshake.Purpose.TRANSPORT,
                () -> new ChannelHandler[0]));
            Bootstrap bareOpener = bootstrap(loop, plain);
            double[] ours = new double[blocks];
            double[] peer = new double[blocks];
            for (int block = -warmup; block < blocks; block++) {
                double link = perLinkMicros(opener, secured, links, true);
                double connect = perLinkMicros(bareOpener, bare, links, false);
                if (block >= 0) {
                    ours[block] = link;
                    peer[block] = connect;
                    System.err.printf("block %d: link %.1f us, connect %.1f us%n", block, link, connect);
                }
            }
            double link = Median.of(ours);
            double connect = Median.of(peer);
            System.out.printf("result link_setup%s_us %.1f us%n", security.tls() ? "_tls" : "", link);
            System.out.printf("result tcp_connect_us %.1f us%n", connect);
            System.out.printf("result link_handshake%s_us %.1f us%n", security.tls() ? "_tls" : "", link - connect);
            System.out.printf("ratio link_setup%s_vs_tcp_connect %.3f%n", security.tls() ? "_tls" : "",
                link / connect);
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private static SocketAddress listen(EventLoopGroup loop, ChannelInitializer<Channel> links)
        throws InterruptedException {
        return new ServerBootstrap().group(loop).channel(NettyTransport.serverChannel())
            .childOption(ChannelOption.TCP_NODELAY, true).childHandler(links).bind("127.0.0.1", 0).sync().channel()
            .localAddress();
    }

    private static Bootstrap bootstrap(EventLoopGroup loop, ChannelInitializer<Channel> links) {
        return new Bootstrap().group(loop).channel(NettyTransport.socketChannel())
            .option(ChannelOption.TCP_NODELAY, true).handler(links);
    }

    /** Mean time to open one link, until it is usable (authenticated, if {@code authenticate}), over {@code n}. */
    private static double perLinkMicros(Bootstrap opener, SocketAddress to, int n, boolean authenticate)
        throws InterruptedException {
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            Channel link = opener.connect(to).sync().channel();
            if (authenticate && !LinkHandshake.authenticated(link).await().isSuccess()) {
                throw new IllegalStateException("a link failed its handshake", LinkHandshake.authenticated(link)
                    .cause());
            }
            link.close().sync();
        }
        return (System.nanoTime() - start) / 1e3 / n;
    }
}
