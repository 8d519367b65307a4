package io.dragon.backend.tree;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dragon.backend.net.LinkHandshake;
import io.dragon.backend.net.LinkSecurity;
import io.dragon.backend.net.NettyTransport;
import io.dragon.backend.net.RawLink;
import io.dragon.core.messages.MessageCodec;
import io.dragon.core.messages.Message;
import io.dragon.core.messages.Messages.GSHeadExit;
import io.dragon.core.messages.Messages.SHIsUp;
import io.dragon.core.messages.Messages.TreeDown;
import io.dragon.core.messages.Messages.TreeParent;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Real trees over loopback TCP: a root and backends in this JVM, each with its own event loop (one test shares one).
 */
class TreeNodeTest {
    private static final String SECRET = "s3cret";
    private static final Duration WAIT = Duration.ofSeconds(20);

    private final List<TreeNode> nodes = new ArrayList<>();
    private final BlockingQueue<String> events = new LinkedBlockingQueue<>();

    @AfterEach
    void closeAll() {
        nodes.forEach(TreeNode::close);
    }

    @Test
    void shouldJoinBroadcastAndReduceOverMutualTlsWithTheJobsCertificate() throws Exception {
        LinkSecurity tls = LinkSecurity.create(true);
        TreeShape shape = new TreeShape(4, 2);
        TreeNode root = root(shape, tls);
        for (int position = 1; position <= 4; position++) {
            backend(shape, position, LinkSecurity.fromEnvironment(tls.environment()), root.address());
        }
        assertThat(root.awaitReduction(TreeNode.JOINED, WAIT)).hasSize(4);
        root.broadcast(new GSHeadExit(1, 99, 3));
        assertThat(take(4)).allMatch(event -> event.endsWith("down GSHeadExit"));
    }

    @Test
    void shouldKeepOutABackendWithAnotherJobsCertificate() throws Exception {
        LinkSecurity tls = LinkSecurity.create(true);
        Map<String, String> stranger = new HashMap<>(LinkSecurity.create(true).environment());
        stranger.putAll(Map.of("DRAGON_TREE_SECRET", tls.environment().get("DRAGON_TREE_SECRET")));
        TreeShape shape = new TreeShape(1, 2);
        TreeNode root = root(shape, tls);
        try {
            backend(shape, 1, LinkSecurity.fromEnvironment(stranger), root.address());
        } catch (RuntimeException refusedAtOnce) {
            // the handshake may fail before the registration is even sent
        }
        assertThatThrownBy(() -> root.awaitReduction(TreeNode.JOINED, Duration.ofSeconds(2)))
            .isInstanceOf(TimeoutException.class).hasMessageContaining("no answer from node 0 (never connected)");
    }

    @Test
    void shouldJoinBroadcastSendUpAndReduceThroughThreeLevels() throws Exception {
        TreeShape shape = new TreeShape(10, 3);
        TreeNode root = root(shape);
        for (int position = 1; position <= 10; position++) {
            backend(shape, position, SECRET, root.address());
        }
        assertThat(root.awaitReduction(TreeNode.JOINED, WAIT)).hasSize(10);

        root.broadcast(new GSHeadExit(1, 99, 3));
        List<String> delivered = take(10);
        assertThat(delivered).allMatch(event -> event.endsWith("down GSHeadExit"));
        assertThat(delivered.stream().map(event -> event.split(" ")[0]).distinct()).hasSize(10);

        nodes.subList(1, nodes.size()).forEach(node -> node.sendUp(new SHIsUp(2, "host", 0)));
        assertThat(take(10)).allMatch(event -> event.matches("root up from [0-9]+ SHIsUp"));

        for (int position = 1; position <= 10; position++) {
            nodes.get(position).contribute(5, new SHIsUp(3, "node" + position, position - 1));
        }
        Map<Integer, Message> answers = root.awaitReduction(5, WAIT);
        assertThat(answers).hasSize(10);
        assertThat(((SHIsUp) answers.get(7)).hostname()).isEqualTo("node7");
    }

    @Test
    void shouldTellTheRootWhoRegisteredAndWhoseAnswersArrivedSoFar() throws Exception {
        TreeShape shape = new TreeShape(4, 2); // positions 3 and 4 below 1, 2 alone
        TreeNode root = root(shape);
        for (int position = 1; position <= 3; position++) {
            backend(shape, position, SECRET, root.address());
        }
        assertThat(eventually(root::registeredNodes, Set.of(0, 1, 2))).containsExactly(0, 1, 2);

        nodes.get(2).contribute(7, new SHIsUp(1, "h2", 1));
        nodes.get(3).contribute(7, new SHIsUp(1, "h3", 2));
        // position 3's part waits at position 1 for the rest of its subtree
        assertThat(eventually(() -> root.answeredNodes(7), Set.of(1))).containsExactly(1);

        backend(shape, 4, SECRET, root.address());
        nodes.get(4).contribute(7, new SHIsUp(1, "h4", 3));
        nodes.get(1).contribute(7, new SHIsUp(1, "h1", 0));
        assertThat(root.awaitReduction(7, WAIT)).hasSize(4);
        assertThat(root.answeredNodes(7)).containsExactly(0, 1, 2, 3);
        assertThat(root.registeredNodes()).containsExactly(0, 1, 2, 3);
    }

    @Test
    void shouldJoinBroadcastAndReduceOnOneSharedEventLoopAndLeaveItRunning() throws Exception {
        EventLoopGroup shared = new MultiThreadIoEventLoopGroup(1, NettyTransport.ioHandlers());
        try {
            TreeShape shape = new TreeShape(5, 2);
            LinkSecurity security = LinkSecurity.plain(SECRET);
            TreeNode root = TreeNode.root(shape, security, "127.0.0.1", new TreeNode.Listener() { }, shared.next());
            nodes.add(root);
            for (int position = 1; position <= 5; position++) {
                int at = position;
                TreeNode node = TreeNode.backend(shape, position, security, root.address(), "127.0.0.1", "h" + at,
                    new TreeNode.Listener() {
                        @Override
                        public void onDown(Message message) {
                            nodes.get(at).contribute(7, new SHIsUp(7, "h" + at, at - 1));
                        }
                    }, shared.next());
                nodes.add(node);
            }
            assertThat(root.awaitReduction(TreeNode.JOINED, WAIT)).hasSize(5);
            root.broadcast(new GSHeadExit(1, 99, 3));
            assertThat(root.awaitReduction(7, WAIT)).hasSize(5);

            closeAll();
            assertThat(shared.isShuttingDown()).isFalse();
            assertThat(shared.submit(() -> "still running").get(WAIT.toSeconds(), TimeUnit.SECONDS))
                .isEqualTo("still running");
        } finally {
            shared.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void shouldRefuseABackendWithoutTheSecretAndNameTheNodeThatNeverJoined() throws Exception {
        TreeShape shape = new TreeShape(2, 4);
        TreeNode root = root(shape);
        backend(shape, 1, SECRET, root.address());
        backend(shape, 2, "wrong", root.address());

        assertThatThrownBy(() -> root.awaitReduction(TreeNode.JOINED, Duration.ofMillis(500)))
            .isInstanceOf(TimeoutException.class).hasMessageContaining("no answer from node 1 (never connected)");
    }

    @Test
    void shouldRefuseMalformedBytesAndKeepServing() throws Exception {
        TreeShape shape = new TreeShape(1, 4);
        TreeNode root = root(shape);
        try (RawLink stranger = RawLink.connect(root.address())) {
            stranger.send(new byte[64]); // no handshake
            assertThat(stranger.closedByPeer(2_000)).isTrue();
        }
        try (RawLink member = RawLink.authenticated(root.address(), SECRET, LinkHandshake.Purpose.TREE)) {
            member.send(new byte[] {0, 0, 0, 3, (byte) 0xc1, 1, 2}); // a frame of 3 bytes that are no message
            assertThat(member.closedByPeer(2_000)).isTrue();
        }
        backend(shape, 1, SECRET, root.address());
        assertThat(root.awaitReduction(TreeNode.JOINED, WAIT)).hasSize(1);
    }

    @Test
    void shouldActOnNoMessageFromAStrangerAtTheRootOrAtABackend() throws Exception {
        TreeShape shape = new TreeShape(2, 1); // position 2's parent is position 1
        TreeNode root = root(shape);
        TreeNode first = backend(shape, 1, SECRET, root.address());
        backend(shape, 2, SECRET, root.address());
        root.awaitReduction(TreeNode.JOINED, WAIT);

        for (InetSocketAddress member : List.of(root.address(), first.address())) {
            try (RawLink stranger = RawLink.connect(member)) {
                stranger.sendFrame(MessageCodec.encode(new TreeParent(1, "", 0)));
                stranger.sendFrame(MessageCodec.encode(new TreeDown(2, MessageCodec.encode(new GSHeadExit(3, 4, 5)))));
                // less than a HELLO's worth of bytes: closed when its time to authenticate is up
                assertThat(stranger.closedByPeer((int) LinkHandshake.TIMEOUT_MS + 5_000)).isTrue();
            }
        }
        root.broadcast(new SHIsUp(9, "genuine", 0));
        assertThat(take(2)).containsExactlyInAnyOrder("1 down SHIsUp", "2 down SHIsUp");
        assertThat(events.poll(200, TimeUnit.MILLISECONDS)).isNull();
    }

    @Test
    void shouldLetBackendsJoinWhileAStrangerHoldsEveryWaitingPlaceOfTheRoot() throws Exception {
        TreeShape shape = new TreeShape(2, 4);
        TreeNode root = root(shape);
        List<RawLink> silent = new ArrayList<>();
        try {
            for (int i = 0; i < LinkHandshake.MAX_PENDING; i++) {
                silent.add(RawLink.connect(root.address()));
            }
            backend(shape, 1, SECRET, root.address());
            backend(shape, 2, SECRET, root.address());
            assertThat(root.awaitReduction(TreeNode.JOINED, WAIT)).hasSize(2);
        } finally {
            for (RawLink link : silent) {
                link.close();
            }
        }
    }

    @Test
    void shouldTakeTheParentsAddressOnlyFromItsOwnLinkToTheRoot() throws Exception {
        TreeShape shape = new TreeShape(1, 4);
        TreeNode root = root(shape);
        TreeNode backend = backend(shape, 1, SECRET, root.address());
        root.awaitReduction(TreeNode.JOINED, WAIT);

        try (RawLink member = RawLink.authenticated(backend.address(), SECRET, LinkHandshake.Purpose.TREE)) {
            member.sendFrame(MessageCodec.encode(new TreeParent(1, "127.0.0.1", member.localPort())));
            assertThat(member.closedByPeer(2_000)).isTrue();
        }
        root.broadcast(new SHIsUp(9, "still linked to the root", 0));
        assertThat(take(1)).containsExactly("1 down SHIsUp");
    }

    @Test
    void shouldTellTheRootWhichNodeWasLost() throws Exception {
        TreeShape shape = new TreeShape(2, 4);
        TreeNode root = root(shape);
        backend(shape, 1, SECRET, root.address());
        TreeNode second = backend(shape, 2, SECRET, root.address());
        root.awaitReduction(TreeNode.JOINED, WAIT);

        second.close();
        assertThat(events.poll(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("root lost the backend of node 1 (h2)");
    }

    private TreeNode root(TreeShape shape) throws InterruptedException {
        return root(shape, LinkSecurity.plain(SECRET));
    }

    private TreeNode root(TreeShape shape, LinkSecurity security) throws InterruptedException {
        TreeNode root = TreeNode.root(shape, security, "127.0.0.1", new TreeNode.Listener() {
            @Override
            public void onUp(int position, Message message) {
                events.add("root up from " + position + " " + message.type());
            }

            @Override
            public void onLost(String what) {
                events.add("root lost " + what);
            }
        });
        nodes.add(root);
        return root;
    }

    private TreeNode backend(TreeShape shape, int position, String secret, InetSocketAddress root)
        throws InterruptedException {
        return backend(shape, position, LinkSecurity.plain(secret), root);
    }

    private TreeNode backend(TreeShape shape, int position, LinkSecurity security, InetSocketAddress root)
        throws InterruptedException {
        TreeNode node = TreeNode.backend(shape, position, security, root, "127.0.0.1", "h" + position,
            new TreeNode.Listener() {
                @Override
                public void onDown(Message message) {
                    events.add(position + " down " + message.type());
                }
            });
        nodes.add(node);
        return node;
    }

    /** What {@code query} finds once it finds {@code expected}, or after {@link #WAIT}. */
    private static Set<Integer> eventually(Supplier<Set<Integer>> query, Set<Integer> expected)
        throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        Set<Integer> found = query.get();
        while (!found.equals(expected) && System.nanoTime() - deadline < 0) {
            Thread.sleep(20);
            found = query.get();
        }
        return found;
    }

    private List<String> take(int count) throws InterruptedException {
        List<String> taken = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String event = events.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(event).as("event %d of %d (got %s)", i + 1, count, taken).isNotNull();
            taken.add(event);
        }
        return taken;
    }
}
