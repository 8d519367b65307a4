package io.dragon.backend.transport;

import static io.dragon.core.channels.GatewayLayout.FAILED;
import static io.dragon.core.channels.GatewayLayout.HOST_OFFSET;

import io.dragon.backend.net.LinkSecurity;
import io.dragon.backend.net.NettyTransport;
import io.dragon.core.channels.ChannelDescriptor;
import io.dragon.core.channels.ChannelDestroyedException;
import io.dragon.core.channels.LocalChannel;
import io.dragon.core.channels.MessageTooLargeException;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The transport agent of a node (seed 000): it carries the gateway requests of this node's processes to the agents
 * of the channels' nodes over TCP, performs the requests other agents bring, and delivers completions back. One
 * thread reads the gateway channel; Netty's event loop does the rest. Links are opened on first use and
 * authenticated with the job's secret.
 */
public final class TransportAgent implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(TransportAgent.class);
    private static final long READ_SLICE_MS = 100;

    private final LinkSecurity security;
    private final byte[] secret;
    private final LocalChannel gateway;
    private final EventLoopGroup loop = new MultiThreadIoEventLoopGroup(2, NettyTransport.ioHandlers());
    private final ChannelOperations operations = new ChannelOperations();
    private final Replies replies = new Replies();
    private final Channel server;
    private final Map<Long, InetSocketAddress> peers = new ConcurrentHashMap<>();
    private final Map<Long, Channel> links = new ConcurrentHashMap<>();
    private final Thread reader;
    private volatile boolean closing;

    private TransportAgent(LinkSecurity security, String bindHost, LocalChannel gateway)
        throws InterruptedException {
        this.security = security;
        this.secret = security.secret();
        this.gateway = gateway;
        this.server = new ServerBootstrap().group(loop).channel(NettyTransport.serverChannel())
            .childOption(ChannelOption.TCP_NODELAY, true).childHandler(pipeline(false))
            .bind(bindHost, 0).sync().channel();
        this.reader = new Thread(this::readGateway, "transport-gateway");
        reader.setDaemon(true);
    }

    /**
     * Starts the agent of this node: it listens on {@code bindHost} (port chosen by the system) and reads the
     * gateway channel with this descriptor once it knows its peers.
     */
    public static TransportAgent start(LinkSecurity security, String bindHost, byte[] gatewayChannel)
        throws InterruptedException {
        TransportAgent agent = new TransportAgent(security, bindHost,
            LocalChannel.attach(ChannelDescriptor.deserialize(gatewayChannel)));
        LOG.info("transport agent listening on {}{}", agent.address(), security.tls() ? " (TLS)" : "");
        return agent;
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    /** The agents of the other nodes, by host id; starts carrying requests. */
    public void connect(Map<Long, InetSocketAddress> agents) {
        peers.putAll(agents);
        reader.start();
    }

    @Override
    public void close() {
        closing = true;
        try {
            reader.join(2 * READ_SLICE_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        operations.close();
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private ChannelInitializer<Channel> pipeline(boolean trusted) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                security.secure(ch, !trusted);
                ch.pipeline().addLast(new TransportFrameDecoder(trusted),
                    new TransportHandler(trusted, secret, operations, replies));
            }
        };
    }

    /**
     * Forwards each request of the gateway channel, as read, to the agent of its channel's node. Waits in slices,
     * so that {@link #close} can stop it: a thread asleep on a futex does not see an interrupt.
     */
    private void readGateway() {
        ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
        int room = gateway.blockSize();
        while (!closing) {
            ByteBuf frame = null;
            try {
                if (!gateway.awaitRecv(READ_SLICE_MS, TimeUnit.MILLISECONDS)) {
                    continue;
                }
                frame = alloc.directBuffer(TransportFrames.FRAME_HEADER + room);
                int length = gateway.tryRecv(frame.nioBuffer(TransportFrames.FRAME_HEADER, room));
                if (length < 0) {
                    frame.release();
                    continue;
                }
                frame.writeInt(TransportFrames.BODY_OFFSET + length).writeInt(TransportFrames.REQUEST)
                    .writerIndex(TransportFrames.FRAME_HEADER + length);
                forward(frame);
            } catch (MessageTooLargeException e) {
                frame.release();
                room = e.messageLength();
            } catch (InterruptedException | ChannelDestroyedException e) {
                release(frame);
                return;
            } catch (RuntimeException e) {
                release(frame);
                LOG.error("dropped a gateway request: {}", e.toString());
            }
        }
    }

    private static void release(ByteBuf frame) {
        if (frame != null && frame.refCnt() > 0) {
            frame.release();
        }
    }

    private void forward(ByteBuf frame) {
        long host = frame.getLongLE(TransportFrames.FRAME_HEADER + HOST_OFFSET);
        Channel link;
        try {
            link = link(host);
        } catch (RuntimeException e) {
            fail(frame, e.getMessage());
            return;
        }
        link.writeAndFlush(frame);
    }

    /** The link to the agent of {@code host}, opened (and authenticated) on first use. */
    private Channel link(long host) {
        Channel link = links.get(host);
        if (link != null && link.isActive()) {
            return link;
        }
        InetSocketAddress address = peers.get(host);
        if (address == null) {
            throw new IllegalStateException("no node of this runtime has host id " + Long.toHexString(host));
        }
        try {
            link = new Bootstrap().group(loop).channel(NettyTransport.socketChannel())
                .option(ChannelOption.TCP_NODELAY, true).handler(pipeline(true)).connect(address).sync().channel();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while connecting to the transport agent at " + address);
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot reach the transport agent at " + address + ": " + e.getMessage());
        }
        link.writeAndFlush(TransportFrames.hello(link.alloc(), secret));
        links.put(host, link);
        LOG.info("transport link to {} open", address);
        return link;
    }

    /** Answers a request that could not be carried with a failure, on this node. */
    private void fail(ByteBuf frame, String why) {
        LOG.warn("cannot carry a gateway request: {}", why);
        ByteBuf request = frame.skipBytes(TransportFrames.FRAME_HEADER);
        ByteBuf failure = TransportFrames.failure(frame.alloc(), request, FAILED, 0, why);
        frame.release();
        replies.deliver(failure.skipBytes(TransportFrames.FRAME_HEADER));
    }
}
