package io.dragon.backend.tree;

import io.dragon.backend.net.LinkHandshake;
import io.dragon.backend.net.LinkSecurity;
import io.dragon.backend.net.NettyTransport;
import io.dragon.core.infrastructure.Settings;
import io.dragon.core.messages.MalformedMessageException;
import io.dragon.core.messages.Message;
import io.dragon.core.messages.MessageCodec;
import io.dragon.core.messages.Messages.AbnormalTermination;
import io.dragon.core.messages.Messages.TreeContribution;
import io.dragon.core.messages.Messages.TreeDown;
import io.dragon.core.messages.Messages.TreeHeartbeat;
import io.dragon.core.messages.Messages.TreeJoin;
import io.dragon.core.messages.Messages.TreeParent;
import io.dragon.core.messages.Messages.TreeReduce;
import io.dragon.core.messages.Messages.TreeRegister;
import io.dragon.core.messages.Messages.TreeUp;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One member of the fan-out tree that joins the launcher's frontend (the root, position 0) and its backends
 * (position 1 + node index), standing in for MRNet: the root broadcasts down ({@link #broadcast}), any backend sends
 * up ({@link #sendUp}), and reductions ({@link #contribute}) travel up combined, so the root gets one message per
 * child whatever the number of backends.
 *
 * <p>Joining: every backend listens for its own children, connects to the root and registers its address; the
 * root answers with the address of the backend's parent (or keeps the backend as its own child), and the backend
 * reconnects there. Both ends of every link prove that they hold the job's secret before anything else passes (see
 * {@link LinkHandshake}); a link that does not is closed and logged. The root's answer moves a backend only over the
 * link it opened to the root, and only once. All state is touched only by the tree's single event-loop thread:
 * its own, or one event loop of a group that many members in one JVM share (the scale benchmark); the root's links
 * do their handshakes on threads of their own, and hand what passes to that thread.
 */
public final class TreeNode implements AutoCloseable {
    /** Reduction that completes when every backend is linked to its parent: the tree is up. */
    public static final long JOINED = 0;
    private static final Logger LOG = LogManager.getLogger(TreeNode.class);
    private static final AttributeKey<Integer> POSITION = AttributeKey.valueOf("dragon.tree.position");
    /**
     * How long a link may stay silent before its peer counts as gone ({@code dragon.heartbeat.timeout.ms}); each
     * side sends a heartbeat after a fifth of it without sending anything else.
     */
    public static final long HEARTBEAT_TIMEOUT_MS = Settings.heartbeatTimeoutMs();
    /** Links a backend opens to the root before it gives up, when they close before they authenticate. */
    private static final int ROOT_ATTEMPTS = 5;
    /**
     * Threads of the root that carry its links' handshakes (and TLS), each link's on one of them, while the tree's
     * state stays on the root's one thread: every backend of a bringup registers with the root, and the handshake
     * was most of the root's work per backend (docs/scale.md).
     */
    private static final int ROOT_HANDSHAKE_THREADS = Math.min(8, Runtime.getRuntime().availableProcessors());

    /** What a member hears from the tree. Called on the tree's event-loop thread: hand long work elsewhere. */
    public interface Listener {
        /** A broadcast from the root (backends only). */
        default void onDown(Message message) {
        }

        /** A message a backend sent up (the root only). */
        default void onUp(int position, Message message) {
        }

        /** A link broke: the parent, or the child at a position, is gone. */
        default void onLost(String what) {
        }
    }

    private final TreeShape shape;
    private final int position;
    private final ChannelInitializer<Channel> opened;
    private final Listener listener;
    /** This member's single thread: a group of its own, or one loop of a group its caller owns. */
    private final EventLoopGroup loop;
    private final boolean ownsLoop;
    /** The root's: the threads of its links ({@link #ROOT_HANDSHAKE_THREADS}); others' links are on {@link #loop}. */
    private final EventLoopGroup linkLoops;
    private final Channel server;
    private final AtomicLong tags = new AtomicLong();
    private final Map<Integer, Channel> children = new HashMap<>();
    private final Map<Long, List<TreeContribution>> reductions = new HashMap<>();
    private final List<Message> waitingForParent = new ArrayList<>();
    /** Positions under a child whose link was lost. */
    private final Set<Integer> lost = new TreeSet<>();
    private Channel parent;
    /** The link this backend opened to the root, until the root answers with the parent's address. */
    private Channel rootLink;
    private InetSocketAddress rootAddress;
    private TreeRegister registration;
    private int rootAttempts;
    private volatile boolean closing;
    /** The runtime has halted: the parent closing its link is the normal end, not a loss. */
    private volatile boolean ending;

    // the root's
    private final Map<Long, CompletableFuture<Map<Integer, Message>>> reduced = new ConcurrentHashMap<>();
    private final Map<Integer, TreeRegister> registered = new LinkedHashMap<>();
    private final Map<Integer, Channel> awaitingParentAddress = new HashMap<>();

    private TreeNode(TreeShape shape, int position, LinkSecurity security, String bindHost, Listener listener,
                     EventLoop sharedLoop) throws InterruptedException {
        this.shape = shape;
        this.position = position;
        this.ownsLoop = sharedLoop == null;
        this.loop = ownsLoop ? new MultiThreadIoEventLoopGroup(1, NettyTransport.ioHandlers()) : sharedLoop;
        this.opened = security.opened(LinkHandshake.Purpose.TREE, this::handlers);
        this.listener = listener;
        this.linkLoops = position == 0 ? new MultiThreadIoEventLoopGroup(ROOT_HANDSHAKE_THREADS,
            NettyTransport.ioHandlers()) : loop;
        ServerBootstrap bootstrap = new ServerBootstrap().group(loop, linkLoops)
            .channel(NettyTransport.serverChannel()).childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(security.accepted(LinkHandshake.Purpose.TREE, this::handlers, position == 0 ? loop
                : null));
        this.server = bootstrap.bind(bindHost, 0).sync().channel();
    }

    /** The root, in the frontend: it listens on {@code bindHost} (port chosen by the system) for its backends. */
    public static TreeNode root(TreeShape shape, LinkSecurity security, String bindHost, Listener listener)
        throws InterruptedException {
        return root(shape, security, bindHost, listener, null);
    }

    /**
     * As {@link #root(TreeShape, LinkSecurity, String, Listener)}, on {@code loop} (own thread if null): an event
     * loop of a group the caller owns and shuts down, so that many members in one JVM share a few threads.
     */
    public static TreeNode root(TreeShape shape, LinkSecurity security, String bindHost, Listener listener,
                                EventLoop loop) throws InterruptedException {
        TreeNode root = new TreeNode(shape, 0, security, bindHost, listener, loop);
        LOG.info("tree root listening on {} for {} backends (fan-out {})", root.address(), shape.backends(),
            shape.fanout());
        return root;
    }

    /**
     * A backend: it listens on {@code bindHost} for its children, registers with the root at {@code rootAddress}
     * and links to its parent; {@code hostname} names its node in messages.
     */
    public static TreeNode backend(TreeShape shape, int position, LinkSecurity security, InetSocketAddress rootAddress,
                                   String bindHost, String hostname, Listener listener) throws InterruptedException {
        return backend(shape, position, security, rootAddress, bindHost, hostname, listener, null);
    }

    /**
     * As {@link #backend(TreeShape, int, LinkSecurity, InetSocketAddress, String, String, Listener)}, on {@code loop}
     * (own thread if null), as {@link #root(TreeShape, LinkSecurity, String, Listener, EventLoop)}.
     */
    public static TreeNode backend(TreeShape shape, int position, LinkSecurity security, InetSocketAddress rootAddress,
                                   String bindHost, String hostname, Listener listener, EventLoop loop)
        throws InterruptedException {
        if (position < 1 || position > shape.backends()) {
            throw new IllegalArgumentException("backend position " + position + " is outside 1.." + shape.backends());
        }
        TreeNode node = new TreeNode(shape, position, security, bindHost, listener, loop);
        InetSocketAddress own = node.address();
        node.connectToRoot(rootAddress, new TreeRegister(node.tags.incrementAndGet(), position, hostname,
            own.getAddress().getHostAddress(), own.getPort()));
        return node;
    }

    /** Where this member listens. */
    public InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    /** From the root: delivered by every backend. */
    public void broadcast(Message message) {
        checkRoot(true);
        byte[] bytes = MessageCodec.encode(message);
        loop.execute(() -> toChildren(new TreeDown(tags.incrementAndGet(), bytes)));
    }

    /** From a backend: delivered by the root. */
    public void sendUp(Message message) {
        checkRoot(false);
        byte[] bytes = MessageCodec.encode(message);
        loop.execute(() -> toParent(new TreeUp(tags.incrementAndGet(), position, bytes)));
    }

    /** This backend's part of reduction {@code id}. */
    public void contribute(long id, Message message) {
        checkRoot(false);
        byte[] bytes = MessageCodec.encode(message);
        loop.execute(() -> collect(id, List.of(new TreeContribution(position, bytes))));
    }

    /**
     * At the root: waits until every backend has contributed to reduction {@code id}.
     *
     * @return each backend's contribution, by position
     * @throws TimeoutException naming the backends that had not registered, if some had not
     */
    public Map<Integer, Message> awaitReduction(long id, Duration timeout) throws InterruptedException,
        TimeoutException {
        checkRoot(true);
        try {
            return reduction(id).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("reduction " + id + " failed", e.getCause());
        } catch (TimeoutException e) {
            throw new TimeoutException("not every backend answered within " + timeout.toMillis() + " ms"
                + silentNodes(id));
        }
    }

    /** The indexes of the nodes whose backends this member lost (with the subtrees under them). */
    public Set<Integer> lostNodes() {
        return onLoop(() -> nodeIndexes(lost));
    }

    /**
     * At the root: the indexes of the nodes whose backends have registered so far, each over a link that proved it
     * holds the job's secret. Every backend registers with the root itself before it links to its parent, so the
     * root knows this of every node at once, however deep.
     */
    public Set<Integer> registeredNodes() {
        checkRoot(true);
        return onLoop(() -> nodeIndexes(registered.keySet()));
    }

    /**
     * At the root: the indexes of the nodes whose part of reduction {@code id} has reached the root so far (every
     * node once it is complete). Parts travel up combined: a node below the first level of the tree counts only once
     * the whole subtree of its first-level ancestor has answered.
     */
    public Set<Integer> answeredNodes(long id) {
        checkRoot(true);
        return onLoop(() -> {
            CompletableFuture<Map<Integer, Message>> done = reduced.get(id);
            return nodeIndexes(done != null && done.isDone() ? shape.subtree(0) : answered(id));
        });
    }

    /** After teardown: from now on the parent may close the link (it is still reported to the listener). */
    public void ending() {
        ending = true;
    }

    /**
     * Closes every link, then stops the event loop. The links are closed first, and the closes awaited: shutting
     * the loop down alone sometimes left the sockets open, and the other ends found out only by the heartbeat
     * timeout (a normal multi-node teardown took 6 s longer in one run of four to six). A shared loop is left to
     * its owner.
     */
    @Override
    public void close() {
        closing = true;
        if (loop.isShuttingDown()) {
            return;
        }
        List<ChannelFuture> closes = loop.submit(() -> {
            List<ChannelFuture> links = new ArrayList<>();
            children.values().forEach(child -> links.add(child.close()));
            awaitingParentAddress.values().forEach(child -> links.add(child.close()));
            if (parent != null) {
                links.add(parent.close());
            }
            links.add(server.close());
            return links;
        }).syncUninterruptibly().getNow();
        closes.forEach(link -> link.awaitUninterruptibly(1, TimeUnit.SECONDS));
        if (linkLoops != loop) {
            linkLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (ownsLoop) {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    // ---- on the event loop

    private ChannelHandler[] handlers() {
        return new ChannelHandler[] {new IdleStateHandler(HEARTBEAT_TIMEOUT_MS, HEARTBEAT_TIMEOUT_MS / 5, 0,
            TimeUnit.MILLISECONDS), new TreeMessageDecoder(), new TreeMessageEncoder(), new Handler()};
    }

    private Bootstrap opener() {
        return new Bootstrap().group(loop).channel(NettyTransport.socketChannel())
            .option(ChannelOption.TCP_NODELAY, true).handler(opened);
    }

    /** Registers with the root; the registration leaves once the root has proven itself. */
    private void connectToRoot(InetSocketAddress address, TreeRegister register) throws InterruptedException {
        rootAddress = address;
        registration = register;
        openRootLink().sync();
    }

    /** The root link is known from the moment it connects: the listener runs on the loop before its first read. */
    private ChannelFuture openRootLink() {
        return opener().connect(rootAddress).addListener((ChannelFutureListener) connected -> {
            if (connected.isSuccess()) {
                rootLink = connected.channel();
                rootLink.writeAndFlush(registration);
            } else if (rootAttempts > 0) {
                listener.onLost("the link of tree position " + position + " to the root (" + connected.cause() + ")");
            }
        });
    }

    /**
     * After the root link closed before it authenticated: tries again, a few times, since a stranger flooding the
     * root's listener can push a waiting link out (see {@link LinkHandshake}); false once the attempts are spent.
     */
    private boolean retryRoot(Channel closed) {
        if (LinkHandshake.authenticated(closed).isSuccess() || ++rootAttempts >= ROOT_ATTEMPTS) {
            return false;
        }
        LOG.warn("the link to the tree's root at {} closed before it authenticated; trying again ({} of {})",
            rootAddress, rootAttempts + 1, ROOT_ATTEMPTS);
        rootLink = null;
        loop.schedule(this::openRootLink, 100L * rootAttempts, TimeUnit.MILLISECONDS);
        return true;
    }

    /** One link's messages. */
    private final class Handler extends SimpleChannelInboundHandler<Message> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Message message) {
            Channel ch = ctx.channel();
            if (message instanceof TreeHeartbeat) {
                return; // its arrival was the point
            }
            if (message instanceof TreeRegister register) {
                registerWithRoot(ch, register);
            } else if (message instanceof TreeJoin join) {
                joinAsChild(ch, join);
            } else if (message instanceof TreeParent answer && ch == rootLink) {
                rootLink = null;
                linkToParent(ch, answer);
            } else if (!isChild(ch) && ch != parent) {
                refuse(ch, "a " + message.type() + " on a link that is neither a child's nor the parent's");
            } else if (message instanceof TreeDown down && ch == parent) {
                listener.onDown(MessageCodec.decode(down.message()));
                toChildren(down);
            } else if (message instanceof TreeUp up && isChild(ch)) {
                if (position == 0) {
                    listener.onUp(up.position(), MessageCodec.decode(up.message()));
                } else {
                    toParent(up);
                }
            } else if (message instanceof TreeReduce reduce && isChild(ch)) {
                collect(reduce.id(), reduce.contributions());
            } else {
                LOG.warn("ignored an unexpected {} on the tree link to {}", message.type(), ch.remoteAddress());
            }
        }

        /** A quiet link gets a heartbeat; a link whose peer has been silent too long is closed as lost. */
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event instanceof IdleStateEvent idle && idle.state() == IdleState.WRITER_IDLE) {
                ctx.writeAndFlush(new TreeHeartbeat(tags.incrementAndGet()));
            } else if (event instanceof IdleStateEvent idle && idle.state() == IdleState.READER_IDLE) {
                LOG.error("nothing, not even a heartbeat, from {} for {} ms: its node is gone or hung; dropping the"
                    + " link", ctx.channel().remoteAddress(), HEARTBEAT_TIMEOUT_MS);
                ctx.close();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            Integer child = ctx.channel().attr(POSITION).get();
            if (closing) {
                return;
            }
            if (ctx.channel() == rootLink) {
                if (!retryRoot(ctx.channel())) {
                    LOG.error("lost the link to the tree's root before it answered (see the WARN before, if any)");
                    listener.onLost("the link of tree position " + position + " to the root");
                }
            } else if (ctx.channel() == parent && ending) {
                LOG.info("the tree's parent closed the link after teardown");
                listener.onLost("the parent of tree position " + position);
            } else if (ctx.channel() == parent) {
                LOG.error("lost the link to the tree's parent of position {}", position);
                listener.onLost("the parent of tree position " + position);
            } else if (child != null && children.remove(child, ctx.channel())) {
                LOG.error("lost the link to the backend of node {}", TreeShape.nodeIndex(child));
                lost.addAll(shape.subtree(child));
                listener.onLost("the backend of node " + TreeShape.nodeIndex(child) + hostnameOf(child));
                for (Long pending : List.copyOf(reductions.keySet())) {
                    collect(pending, List.of());
                }
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause.getCause() instanceof MalformedMessageException || cause instanceof MalformedMessageException
                || cause instanceof TooLongFrameException) {
                refuse(ctx.channel(), "a malformed message: " + cause.getMessage());
            } else {
                LOG.warn("tree link to {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
                ctx.close();
            }
        }
    }

    private void registerWithRoot(Channel ch, TreeRegister register) {
        if (position != 0 || register.position() < 1 || register.position() > shape.backends()
            || registered.containsKey(register.position())) {
            refuse(ch, "a registration for position " + register.position() + " that is not expected");
            return;
        }
        registered.put(register.position(), register);
        int parentPosition = shape.parent(register.position());
        if (parentPosition == 0) {
            adopt(ch, register.position());
            ch.writeAndFlush(new TreeParent(tags.incrementAndGet(), "", 0));
        } else {
            awaitingParentAddress.put(register.position(), ch);
        }
        // answer everyone whose parent's address is now known
        awaitingParentAddress.entrySet().removeIf(waiting -> {
            TreeRegister parentOf = registered.get(shape.parent(waiting.getKey()));
            if (parentOf == null) {
                return false;
            }
            waiting.getValue().writeAndFlush(new TreeParent(tags.incrementAndGet(), parentOf.host(), parentOf.port()))
                .addListener(ChannelFutureListener.CLOSE);
            return true;
        });
    }

    private void joinAsChild(Channel ch, TreeJoin join) {
        if (join.position() < 1 || join.position() > shape.backends() || shape.parent(join.position()) != position
            || children.containsKey(join.position())) {
            refuse(ch, "a join of position " + join.position() + ", which is not an expected child of position "
                + position);
            return;
        }
        adopt(ch, join.position());
    }

    private void adopt(Channel ch, int child) {
        ch.attr(POSITION).set(child);
        children.put(child, ch);
    }

    private void linkToParent(Channel ch, TreeParent answer) {
        if (answer.host().isEmpty()) {
            parentLinked(ch);
            return;
        }
        ch.close();
        opener().connect(answer.host(), answer.port()).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                LOG.error("cannot reach the tree parent of position {} at {}:{}: {}", position, answer.host(),
                    answer.port(), f.cause().toString());
                listener.onLost("the parent of tree position " + position + " (unreachable)");
                return;
            }
            f.channel().writeAndFlush(new TreeJoin(tags.incrementAndGet(), position));
            parentLinked(f.channel());
        });
    }

    private void parentLinked(Channel link) {
        parent = link;
        LOG.info("tree position {} linked to its parent at {}", position, parent.remoteAddress());
        waitingForParent.forEach(parent::write);
        waitingForParent.clear();
        parent.flush();
        collect(JOINED, List.of(new TreeContribution(position, MessageCodec.encode(new TreeJoin(0, position)))));
    }

    /**
     * Adds to reduction {@code id}; once the whole subtree has answered, passes it up (or, at the root, completes
     * it). A lost subtree answers every reduction with an AbnormalTermination per node, so that teardown goes on
     * without it and bringup fails at once, naming it.
     */
    private void collect(long id, List<TreeContribution> contributions) {
        List<TreeContribution> all = reductions.computeIfAbsent(id, ignored -> new ArrayList<>());
        all.addAll(contributions);
        for (int gone : lost) {
            if (all.stream().noneMatch(c -> c.position() == gone)) {
                all.add(new TreeContribution(gone, MessageCodec.encode(new AbnormalTermination(0, "the backend of"
                    + " node " + TreeShape.nodeIndex(gone) + hostnameOf(gone) + " is lost"))));
            }
        }
        if (all.size() < shape.subtreeSize(position)) {
            return;
        }
        reductions.remove(id);
        if (position == 0) {
            Map<Integer, Message> byPosition = new LinkedHashMap<>();
            for (TreeContribution contribution : all) {
                byPosition.put(contribution.position(), MessageCodec.decode(contribution.message()));
            }
            reduction(id).complete(byPosition);
        } else {
            toParent(new TreeReduce(tags.incrementAndGet(), id, all));
        }
    }

    private void toParent(Message message) {
        if (parent == null) {
            waitingForParent.add(message);
        } else {
            parent.writeAndFlush(message);
        }
    }

    private void toChildren(Message message) {
        for (Channel child : children.values()) {
            child.writeAndFlush(message);
        }
    }

    private CompletableFuture<Map<Integer, Message>> reduction(long id) {
        return reduced.computeIfAbsent(id, ignored -> new CompletableFuture<>());
    }

    private boolean isChild(Channel ch) {
        Integer child = ch.attr(POSITION).get();
        return child != null && children.get(child) == ch;
    }

    private void refuse(Channel ch, String why) {
        LOG.warn("refused the tree connection from {}: {}", ch.remoteAddress(), why);
        ch.close();
    }

    private String hostnameOf(int child) {
        TreeRegister register = registered.get(child);
        return register == null ? "" : " (" + register.hostname() + ")";
    }

    /** The nodes whose answers to reduction {@code id} have not reached the root, by hostname where known. */
    private String silentNodes(long id) {
        List<String> nodes = onLoop(() -> {
            Set<Integer> answered = answered(id);
            List<String> silent = new ArrayList<>();
            for (int p = 1; p <= shape.backends(); p++) {
                TreeRegister node = registered.get(p);
                if (node == null) {
                    silent.add("node " + TreeShape.nodeIndex(p) + " (never connected)");
                } else if (!answered.contains(p)) {
                    silent.add(node.hostname() + " (node " + TreeShape.nodeIndex(p) + ")");
                }
            }
            return silent;
        });
        return nodes.isEmpty() ? "" : "; no answer from " + String.join(", ", nodes);
    }

    /** The positions whose parts of the pending reduction {@code id} have reached this member. */
    private Set<Integer> answered(long id) {
        Set<Integer> positions = new TreeSet<>();
        for (TreeContribution contribution : reductions.getOrDefault(id, List.of())) {
            positions.add(contribution.position());
        }
        return positions;
    }

    private static Set<Integer> nodeIndexes(Collection<Integer> positions) {
        Set<Integer> indexes = new TreeSet<>();
        positions.forEach(p -> indexes.add(TreeShape.nodeIndex(p)));
        return indexes;
    }

    /** From any thread: what {@code query} finds, run on the tree's event loop, which alone touches its state. */
    private <T> T onLoop(Supplier<T> query) {
        return CompletableFuture.supplyAsync(query, loop).join();
    }

    private void checkRoot(boolean mustBeRoot) {
        if ((position == 0) != mustBeRoot) {
            throw new IllegalStateException(mustBeRoot ? "only the root can do this" : "the root cannot do this");
        }
    }
}
