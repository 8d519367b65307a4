package io.dragon.backend.net;

import io.dragon.core.infrastructure.Settings;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.PendingWriteQueue;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Mutual authentication of a link between two members of one job, before any other byte: each end proves that it
 * holds the job's secret without the secret, or anything that would let a listener prove it later, going on the
 * wire. It sits first in the pipeline (after TLS, if on): until both ends are proven, it keeps every byte from the
 * handlers behind it and holds back their writes; then it lets both through and leaves the pipeline.
 *
 * <p>The exchange (big-endian), a challenge-response over a nonce from each end:
 * <pre>
 *  opener -> acceptor   HELLO, {@value #HELLO_BYTES} bytes
 *      0   4  magic 0x4452474E ("DRGN")
 *      4   1  version, 1
 *      5   1  purpose: 1 the fan-out tree, 2 the transport agents
 *      6   2  zero
 *      8  32  nonce Nc
 *  acceptor -> opener   CHALLENGE, {@value #CHALLENGE_BYTES} bytes
 *      0  32  nonce Na
 *     32  32  HMAC(k, "acceptor" | purpose | Nc | Na | acceptor address)
 *  opener -> acceptor   PROOF, {@value #PROOF_BYTES} bytes
 *      0  32  HMAC(k, "opener" | purpose | Nc | Na | acceptor address)
 * </pre>
 * with k = {@link LinkSecurity#key LinkSecurity.key("link")} and HMAC-SHA256. A fresh nonce from each end makes a
 * recorded exchange worthless; the role names keep one end's proof from serving as the other's; the purpose keeps a
 * tree link from being taken for a transport link; and the acceptor's address (IP and port, as the opener dialled it
 * and as the acceptor accepted it) keeps a stranger who listens on a dead member's port from relaying the exchange to
 * a live member and sitting in the middle.
 *
 * <p>A link that sends anything else, too much, or a wrong proof is closed and logged at WARN with the peer's
 * address. A link that has not finished within {@link #TIMEOUT_MS} is closed, and a listener keeps at most
 * {@link #MAX_PENDING} accepted links waiting to finish: one more closes the one that has waited longest.
 */
public final class LinkHandshake extends ChannelDuplexHandler {
    /** How long a link may take to authenticate ({@code dragon.link.handshake.timeout.ms}). */
    public static final long TIMEOUT_MS = Settings.linkHandshakeTimeoutMs();
    /** Accepted links a listener lets wait for their handshake at once ({@code dragon.link.pending.max}). */
    public static final int MAX_PENDING = Settings.linkPendingMax();

    static final int MAGIC = 0x4452474E;
    static final byte VERSION = 1;
    static final int NONCE_BYTES = 32;
    static final int MAC_BYTES = 32;
    static final int HELLO_BYTES = 8 + NONCE_BYTES;
    static final int CHALLENGE_BYTES = NONCE_BYTES + MAC_BYTES;
    static final int PROOF_BYTES = MAC_BYTES;
    static final String OPENER = "opener";
    static final String ACCEPTOR = "acceptor";

    private static final Logger LOG = LogManager.getLogger(LinkHandshake.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final AttributeKey<Promise<Void>> AUTHENTICATED = AttributeKey.valueOf("dragon.link.authenticated");

    /** What a link is for; each listener expects one. */
    public enum Purpose {
        TREE(1), TRANSPORT(2);

        final byte code;

        Purpose(int code) {
            this.code = (byte) code;
        }
    }

    private final byte[] key;
    private final Purpose purpose;
    /** The acceptor's listener; null on the opener's side. */
    private final Listener listener;
    private final byte[] ownNonce = new byte[NONCE_BYTES];
    private Channel link;
    private ByteBuf received;
    private byte[] peerNonce;
    private PendingWriteQueue heldWrites;
    private ScheduledFuture<?> timeout;
    private Promise<Void> authenticated;
    private boolean counted;
    private boolean done;
    private boolean failed;

    private LinkHandshake(byte[] key, Purpose purpose, Listener listener) {
        this.key = key;
        this.purpose = purpose;
        this.listener = listener;
    }

    /** The handshake of a link this member opened. */
    static LinkHandshake opener(byte[] key, Purpose purpose) {
        return new LinkHandshake(key, purpose, null);
    }

    /** The handshake of a link a listener accepted; {@code listener} is that listener's. */
    static LinkHandshake acceptor(byte[] key, Purpose purpose, Listener listener) {
        return new LinkHandshake(key, purpose, listener);
    }

    /**
     * Completes once both ends of {@code link} have proven themselves, fails if the link closes first (or was not
     * set up by {@link LinkSecurity}).
     */
    public static Future<Void> authenticated(Channel link) {
        Promise<Void> promise = link.attr(AUTHENTICATED).get();
        return promise != null ? promise : link.eventLoop().<Void>newPromise().setFailure(new IllegalStateException(
            "the link to " + link.remoteAddress() + " has no handshake: it was not set up by LinkSecurity"));
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        link = ctx.channel();
        received = Unpooled.buffer(CHALLENGE_BYTES);
        heldWrites = new PendingWriteQueue(ctx);
        authenticated = ctx.executor().newPromise();
        ctx.channel().attr(AUTHENTICATED).set(authenticated);
        RANDOM.nextBytes(ownNonce);
        if (ctx.channel().isActive()) {
            start(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        start(ctx);
        ctx.fireChannelActive();
    }

    private void start(ChannelHandlerContext ctx) {
        if (timeout != null) {
            return;
        }
        timeout = ctx.executor().schedule(() -> fail(ctx, "it did not authenticate within " + TIMEOUT_MS + " ms"),
            TIMEOUT_MS, TimeUnit.MILLISECONDS);
        if (listener != null) {
            counted = true;
            listener.enter(ctx.channel());
            return;
        }
        ctx.writeAndFlush(Unpooled.buffer(HELLO_BYTES).writeInt(MAGIC).writeByte(VERSION).writeByte(purpose.code)
            .writeShort(0).writeBytes(ownNonce));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (done) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (!(msg instanceof ByteBuf in)) {
            ReferenceCountUtil.release(msg);
            fail(ctx, "it sent " + msg.getClass().getSimpleName() + " instead of a handshake");
            return;
        }
        try {
            while (in.isReadable() && !done && !failed) {
                int expected = expected();
                received.writeBytes(in, Math.min(in.readableBytes(), expected - received.readableBytes()));
                if (received.readableBytes() == expected) {
                    step(ctx);
                    received.clear();
                }
            }
            if (done && in.isReadable()) {
                ctx.fireChannelRead(in.retain()); // the opener's first frames may come right behind its proof
            }
        } finally {
            in.release();
        }
        if (done) {
            ctx.pipeline().remove(this);
        }
    }

    /** Bytes of the next handshake message this end reads. */
    private int expected() {
        if (listener == null) {
            return CHALLENGE_BYTES;
        }
        return peerNonce == null ? HELLO_BYTES : PROOF_BYTES;
    }

    private void step(ChannelHandlerContext ctx) {
        if (listener != null && peerNonce == null) {
            if (received.getInt(0) != MAGIC || received.getByte(4) != VERSION || received.getByte(5) != purpose.code
                || received.getShort(6) != 0) {
                fail(ctx, "its first bytes are not a " + purpose.name().toLowerCase() + " link's handshake");
                return;
            }
            peerNonce = bytes(8, NONCE_BYTES);
            ctx.writeAndFlush(Unpooled.buffer(CHALLENGE_BYTES).writeBytes(ownNonce).writeBytes(proof(key, ACCEPTOR,
                purpose, peerNonce, ownNonce, ctx.channel().localAddress())));
        } else if (listener != null) {
            if (!MessageDigest.isEqual(bytes(0, MAC_BYTES), proof(key, OPENER, purpose, peerNonce, ownNonce,
                ctx.channel().localAddress()))) {
                fail(ctx, "its proof of the job's secret is wrong");
                return;
            }
            succeed(ctx);
        } else {
            byte[] acceptorNonce = bytes(0, NONCE_BYTES);
            SocketAddress dialled = ctx.channel().remoteAddress();
            if (!MessageDigest.isEqual(bytes(NONCE_BYTES, MAC_BYTES), proof(key, ACCEPTOR, purpose, ownNonce,
                acceptorNonce, dialled))) {
                fail(ctx, "it did not prove that it holds the job's secret at the address dialled");
                return;
            }
            ctx.write(Unpooled.wrappedBuffer(proof(key, OPENER, purpose, ownNonce, acceptorNonce, dialled)));
            succeed(ctx);
        }
    }

    private void succeed(ChannelHandlerContext ctx) {
        done = true;
        end();
        LOG.debug("{} link with {} authenticated", purpose, ctx.channel().remoteAddress());
        heldWrites.removeAndWriteAll();
        ctx.flush();
        authenticated.trySuccess(null);
    }

    private void fail(ChannelHandlerContext ctx, String why) {
        if (done || failed) {
            return;
        }
        failed = true;
        String what = "closed the " + purpose.name().toLowerCase() + " link " + (listener == null ? "to " : "from ")
            + ctx.channel().remoteAddress() + ": " + why;
        if (listener == null) {
            LOG.warn(what);
        } else {
            listener.refused(ctx.channel(), what);
        }
        ctx.close();
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (done) {
            ctx.write(msg, promise);
        } else if (failed || !ctx.channel().isActive() && timeout != null) {
            ReferenceCountUtil.release(msg);
            promise.setFailure(notAuthenticated(ctx));
        } else {
            heldWrites.add(msg, promise); // nothing of ours leaves before the peer is proven
        }
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        if (done) {
            ctx.flush();
        } // else what is held is flushed once the peer is proven
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!done) {
            failed = true;
            abandon(ctx);
        }
        ctx.fireChannelInactive();
    }

    /** Fails what waited for the handshake: held writes and {@link #authenticated}. */
    private void abandon(ChannelHandlerContext ctx) {
        heldWrites.removeAndFailAll(notAuthenticated(ctx));
        authenticated.tryFailure(notAuthenticated(ctx));
        end();
    }

    private IllegalStateException notAuthenticated(ChannelHandlerContext ctx) {
        return new IllegalStateException("the " + purpose.name().toLowerCase() + " link to "
            + ctx.channel().remoteAddress() + " closed before it authenticated (see the WARN before, if any)");
    }

    /** An exception in a line of its own: TLS's name the bytes it refused, in hexadecimal, at length. */
    private static String brief(Throwable cause) {
        String text = cause.toString();
        return text.length() <= 160 ? text : text.substring(0, 160) + "...";
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (done) {
            ctx.fireExceptionCaught(cause);
        } else {
            fail(ctx, brief(cause));
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        received.release();
        if (!done) {
            abandon(ctx); // the link closed, perhaps without ever being active (a failed connect)
        }
    }

    /** Leaves the listener's count of pending links and stops the timer, once. */
    private void end() {
        if (timeout != null) {
            timeout.cancel(false);
        }
        if (counted) {
            counted = false;
            listener.leave(link);
        }
    }

    private byte[] bytes(int offset, int length) {
        byte[] bytes = new byte[length];
        received.getBytes(offset, bytes);
        return bytes;
    }

    /** The proof of {@code role} ({@link #OPENER} or {@link #ACCEPTOR}) for one exchange. */
    static byte[] proof(byte[] key, String role, Purpose purpose, byte[] openerNonce, byte[] acceptorNonce,
                        SocketAddress acceptor) {
        InetSocketAddress address = (InetSocketAddress) acceptor;
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update(role.getBytes(StandardCharsets.US_ASCII));
            mac.update(purpose.code);
            mac.update(openerNonce);
            mac.update(acceptorNonce);
            mac.update(address.getAddress().getAddress());
            mac.update((byte) (address.getPort() >>> 8));
            mac.update((byte) address.getPort());
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no HmacSHA256", e);
        }
    }

    /**
     * What one listener keeps of its accepted links: those that have not finished their handshake, oldest first,
     * and the log of those it refused.
     *
     * <p>When one more link would make more than {@link #MAX_PENDING} wait, the oldest is closed: a stranger who
     * holds links open without a handshake loses them to newer links, so a member's link, which authenticates within
     * a round trip or two, gets its turn.
     *
     * <p>Each refused link is logged with its peer's address, up to {@link #LOGGED_PER_SECOND} a second; past that,
     * one line a second counts the others and names their hosts, so that a stranger who keeps connecting cannot
     * fill the log's disk (one line each was 56 MB in 25 s).
     */
    static final class Listener {
        static final int LOGGED_PER_SECOND = 100;
        private static final int HOSTS_NAMED = 16;

        private final ArrayDeque<Channel> waiting = new ArrayDeque<>();
        private long second;
        private int logged;
        private int unlogged;
        private final Set<String> unloggedHosts = new TreeSet<>();

        void enter(Channel link) {
            Channel oldest = null;
            synchronized (this) {
                waiting.addLast(link);
                if (waiting.size() > MAX_PENDING) {
                    oldest = waiting.pollFirst();
                }
            }
            if (oldest != null) {
                refused(oldest, "closed the link from " + oldest.remoteAddress() + ": more than " + MAX_PENDING
                    + " links wait to authenticate on this listener, and it had waited longest");
                oldest.close();
            }
        }

        synchronized void leave(Channel link) {
            waiting.remove(link);
        }

        /** Logs a refused link, or counts it in the next summary if this second has had its share. */
        void refused(Channel link, String what) {
            synchronized (this) {
                long now = System.nanoTime() / 1_000_000_000L;
                if (now != second) {
                    summarize();
                    second = now;
                    logged = 0;
                }
                if (++logged > LOGGED_PER_SECOND) {
                    if (unlogged++ == 0) {
                        link.eventLoop().schedule(this::summarize, 1, TimeUnit.SECONDS);
                    }
                    if (unloggedHosts.size() < HOSTS_NAMED && link.remoteAddress() instanceof InetSocketAddress a) {
                        unloggedHosts.add(a.getAddress().getHostAddress());
                    }
                    return;
                }
            }
            LOG.warn(what);
        }

        private synchronized void summarize() {
            if (unlogged > 0) {
                LOG.warn("refused {} more links (from {}) in the last second, not each logged: more than {} a second",
                    unlogged, String.join(", ", unloggedHosts), LOGGED_PER_SECOND);
                unlogged = 0;
                unloggedHosts.clear();
            }
        }
    }
}
