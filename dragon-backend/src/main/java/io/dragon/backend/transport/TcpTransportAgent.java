package io.dragon.backend.transport;

import io.dragon.backend.net.LinkHandshake;
import io.dragon.backend.net.LinkSecurity;
import io.dragon.backend.net.NettyTransport;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The TCP transport agent: frames travel on Netty links (epoll), opened on first use; both ends of a link prove that
 * they hold the job's secret before any frame passes (see {@link LinkHandshake}), and with {@code dragon --tls} the
 * link is also mutual TLS. Netty's event loop performs the requests that come.
 */
public final class TcpTransportAgent extends TransportAgent {
    private static final Logger LOG = LogManager.getLogger(TcpTransportAgent.class);
    /** Links to a peer opened before giving up, when they close before they authenticate. */
    private static final int LINK_ATTEMPTS = 3;
    /** Flushes consolidated at most into one write. */
    private static final int FLUSHES_PER_WRITE = 256;
    /** Requests of the gateway's reader written at most before a flush. */
    private static final int WRITES_PER_FLUSH = 64;

    private final ChannelInitializer<Channel> opened;
    private final EventLoopGroup loop = new MultiThreadIoEventLoopGroup(2, NettyTransport.ioHandlers());
    private final Channel server;
    private final Map<Long, InetSocketAddress> peers = new ConcurrentHashMap<>();
    private final Map<Long, Channel> links = new ConcurrentHashMap<>();
    /** Links the gateway's reader wrote to since its last flush, and how many requests: its own. */
    private final List<Channel> unflushed = new ArrayList<>();
    private int writes;

    /** Netty writes a frame in parts with one system call (writev, or TLS records made from its parts). */
    private TcpTransportAgent(LinkSecurity security, String bindHost) throws InterruptedException {
        super(true);
        this.opened = security.opened(LinkHandshake.Purpose.TRANSPORT, this::handlers);
        this.server = new ServerBootstrap().group(loop).channel(NettyTransport.serverChannel())
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(security.accepted(LinkHandshake.Purpose.TRANSPORT, this::handlers))
            .bind(bindHost, 0).sync().channel();
    }

    /** Starts the agent of this node: it listens on {@code bindHost} (port chosen by the system). */
    public static TcpTransportAgent start(LinkSecurity security, String bindHost) throws InterruptedException {
        TcpTransportAgent agent = new TcpTransportAgent(security, bindHost);
        LOG.info("TCP transport agent listening on {}{}", agent.address(), security.tls() ? " (TLS)" : "");
        return agent;
    }

    /** host:port. */
    @Override
    public String address() {
        InetSocketAddress address = (InetSocketAddress) server.localAddress();
        return address.getHostString() + ":" + address.getPort();
    }

    @Override
    void peers(List<Long> hosts, List<String> addresses) {
        for (int node = 0; node < hosts.size(); node++) {
            String address = addresses.get(node);
            int colon = address.lastIndexOf(':');
            peers.put(hosts.get(node), new InetSocketAddress(address.substring(0, colon),
                Integer.parseInt(address.substring(colon + 1))));
        }
    }

    @Override
    void stop() {
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /**
     * A link's handlers once it is authenticated. The completions of the requests that one read brought leave in
     * one write when the read is done (flushes consolidated during reads only: a flush deferred outside them cost a
     * lone message's round trip about 20 µs).
     */
    private ChannelHandler[] handlers() {
        return new ChannelHandler[] {new FlushConsolidationHandler(FLUSHES_PER_WRITE, false),
            new TransportFrameDecoder(operations.channels(), replies.channels()), new TransportHandler(this)};
    }

    @Override
    void forward(ByteBuf frame, long host) {
        Channel link = linkOrFail(frame, host);
        if (link != null) {
            link.writeAndFlush(frame);
        }
    }

    /**
     * Written now, flushed with the small requests that follow it at once (at most {@link #WRITES_PER_FLUSH}); a
     * large one is flushed at once, so that the socket has its bytes while the reader copies the next.
     */
    @Override
    void forwardBatched(ByteBuf frame, long host) {
        Channel link = linkOrFail(frame, host);
        if (link == null) {
            return;
        }
        boolean large = frame.readableBytes() >= TransportFrames.LARGE_FRAME_BYTES;
        link.write(frame);
        if (!unflushed.contains(link)) {
            unflushed.add(link);
        }
        if (++writes == WRITES_PER_FLUSH || large) {
            flushForwarded();
        }
    }

    @Override
    void flushForwarded() {
        for (Channel link : unflushed) {
            link.flush();
        }
        unflushed.clear();
        writes = 0;
    }

    /** The link to {@code host}; null if there is none, after answering the frame with the failure. */
    private Channel linkOrFail(ByteBuf frame, long host) {
        try {
            return link(host);
        } catch (RuntimeException e) {
            fail(frame, e.getMessage());
            return null;
        }
    }

    /**
     * The link to the agent of {@code host}, opened on first use. It waits for the handshake, so that a request to
     * a node whose agent cannot prove itself (a stranger on a dead agent's port) fails at once, saying so; a link
     * that closes before it authenticates is tried again a few times, since a stranger flooding the peer's listener
     * can push a waiting link out (see {@link LinkHandshake}).
     */
    private Channel link(long host) {
        Channel link = links.get(host);
        if (link != null && link.isActive()) {
            return link;
        }
        InetSocketAddress address = peers.get(host);
        if (address == null) {
            throw new IllegalStateException("no node of this runtime has host id " + Long.toHexString(host));
        }
        for (int attempt = 1; ; attempt++) {
            Future<Void> authenticated;
            try {
                link = new Bootstrap().group(loop).channel(NettyTransport.socketChannel())
                    .option(ChannelOption.TCP_NODELAY, true).handler(opened).connect(address).sync().channel();
                authenticated = LinkHandshake.authenticated(link).await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while connecting to the transport agent at " + address);
            } catch (RuntimeException e) {
                throw new IllegalStateException("cannot reach the transport agent at " + address + ": "
                    + e.getMessage());
            }
            if (authenticated.isSuccess()) {
                links.put(host, link);
                link.closeFuture().addListener(closed -> waits.lost(host, "the link to its transport agent closed"));
                LOG.info("transport link to {} open", address);
                return link;
            }
            if (attempt == LINK_ATTEMPTS) {
                throw new IllegalStateException("the transport agent at " + address + " did not authenticate in "
                    + LINK_ATTEMPTS + " attempts: " + authenticated.cause().getMessage());
            }
            LOG.warn("the transport link to {} closed before it authenticated; trying again ({} of {})", address,
                attempt + 1, LINK_ATTEMPTS);
        }
    }
}
