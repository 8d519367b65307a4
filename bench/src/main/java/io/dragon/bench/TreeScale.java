package io.dragon.bench;

import io.dragon.backend.net.LinkHandshake;
import io.dragon.backend.net.LinkSecurity;
import io.dragon.backend.net.NettyTransport;
import io.dragon.backend.tree.TreeNode;
import io.dragon.backend.tree.TreeShape;
import io.dragon.core.channels.ChannelDescriptor;
import io.dragon.core.memory.AllocationDescriptor;
import io.dragon.core.memory.PoolDescriptor;
import io.dragon.core.messages.Message;
import io.dragon.core.messages.MessageCodec;
import io.dragon.core.messages.Messages.BEForward;
import io.dragon.core.messages.Messages.BENodeUp;
import io.dragon.core.messages.Messages.LAChannelsInfo;
import io.dragon.core.messages.Messages.SHChannelsUp;
import io.dragon.core.messages.Messages.SHTeardown;
import io.dragon.core.messages.Messages.TreeContribution;
import io.dragon.core.messages.Messages.TreeReduce;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;

/**
 * Scale simulated in one JVM: a whole fan-out tree of {@code members} backends and its root, real {@link TreeNode}s
 * over loopback TCP with the real fan-out and the real authentication of every link; the root has an event loop of
 * its own, as in the frontend, and the backends share {@code threads} event loops. Measures the tree's set-up
 * (root up to the {@link TreeNode#JOINED} reduction complete) and rounds of one broadcast down plus one reduction
 * up, as bringup does them: every backend answers the broadcast with its {@link BENodeUp} (real channel and pool
 * descriptors), combined on the way up. Two broadcasts: a small one (a {@link BEForward} of an {@link SHTeardown},
 * as every broadcast after bringup is) for the tree's latency, and the {@link LAChannelsInfo} of every node's
 * channels, which grows with the number of nodes. Medians over rounds.
 *
 * <p>The backends start one after the other, at most {@link #IN_FLIGHT} of them not yet registered at the root.
 * Every member's work runs on the same few CPUs here, where a real tree spreads it over its nodes: the figures
 * are upper bounds of the tree's own latency, and the CPU time per member is printed to scale them. The root's
 * thread is measured apart: what it spends per backend during set-up is the part of bringup that grows with the
 * number of nodes at one place (every backend registers with the root).
 *
 * <p>Prints {@code result tree_<members>_setup_ms}, {@code tree_<members>_root_setup_cpu_per_member_us},
 * {@code tree_<members>_bcast_reduce_ms} (the small broadcast) and {@code tree_<members>_channels_info_ms};
 * per-round and per-hop figures go to stderr.
 *
 * <p>usage: TreeScale [members=1024] [fanout=32] [rounds=5] [warmup=2] [threads=2]
 */
public final class TreeScale {
    /** Within run.sh's BENCH_TIMEOUT (120 s), so that a tree that does not come up says why. */
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String RUNTIME = "r5e1b7c2a9d04";
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    /**
     * Backends at most between starting and being registered at the root: below the root's
     * {@link LinkHandshake#MAX_PENDING} waiting places, which the backends' links would overflow when the CPUs are
     * starved (2 unpaced runs of 9 lost 32 and 58 backends while other agents loaded this host; see docs/scale.md).
     */
    private static final int IN_FLIGHT = LinkHandshake.MAX_PENDING * 3 / 4;

    private final int members;
    private final TreeNode[] nodes;
    private final BENodeUp[] reports;
    /** When the last backend of the current round got the broadcast (System.nanoTime). */
    private final AtomicLong lastDelivery = new AtomicLong();
    /** What the backends lost (a link to the root that never answered, a parent), until teardown. */
    private final Queue<String> lost = new ConcurrentLinkedQueue<>();

    private TreeScale(int members) {
        this.members = members;
        this.nodes = new TreeNode[members + 1];
        this.reports = new BENodeUp[members + 1];
        for (int position = 1; position <= members; position++) {
            int node = TreeShape.nodeIndex(position);
            reports[position] = new BENodeUp(0, channels(node), "10." + (node >> 16 & 255) + "." + (node >> 8 & 255)
                + "." + (node & 255) + ":" + (40000 + node % 1000), "", "");
        }
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args, 0);
        int members = options.getInt("members", 1024);
        TreeShape shape = new TreeShape(members, options.getInt("fanout", 32));
        int rounds = options.getInt("rounds", 5);
        int warmup = options.getInt("warmup", 2);
        EventLoopGroup rootGroup = new MultiThreadIoEventLoopGroup(1, NettyTransport.ioHandlers());
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(options.getInt("threads", 2),
            NettyTransport.ioHandlers());
        TreeScale bench = new TreeScale(members);
        try {
            bench.run(shape, rounds, warmup, rootGroup.next(), group);
        } finally {
            bench.close();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            rootGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private void run(TreeShape shape, int rounds, int warmup, EventLoop rootLoop, EventLoopGroup group)
        throws Exception {
        String name = "tree_" + members;
        int depth = depth(shape);
        LinkSecurity security = LinkSecurity.create(false);
        long rootThread = rootLoop.submit(() -> Thread.currentThread().getId()).get();
        long rootCpu = THREADS.getThreadCpuTime(rootThread);
        long cpu = cpuNanos();
        long start = System.nanoTime();
        nodes[0] = TreeNode.root(shape, security, "127.0.0.1", new TreeNode.Listener() { }, rootLoop);
        int registered = 0; // as last asked: asking costs the root's thread a set of every registered node
        int paused = 0;
        for (int position = 1; position <= members; position++) {
            while (position - 1 - registered >= IN_FLIGHT) {
                registered = nodes[0].registeredNodes().size();
                if (position - 1 - registered >= IN_FLIGHT) {
                    paused++;
                    Thread.sleep(1);
                }
            }
            int at = position;
            nodes[position] = TreeNode.backend(shape, position, security, nodes[0].address(), "127.0.0.1",
                reports[position].channels().hostname(), new TreeNode.Listener() {
                    @Override
                    public void onDown(Message message) {
                        lastDelivery.accumulateAndGet(System.nanoTime(), Math::max);
                        nodes[at].contribute(message.tag(), reports[at]);
                    }

                    @Override
                    public void onLost(String what) {
                        lost.add(what);
                    }
                }, group.next());
        }
        double started = millisSince(start);
        int joined = await(TreeNode.JOINED).size();
        double setup = millisSince(start);
        double setupCpu = (cpuNanos() - cpu) / 1e6;
        double rootSetupCpu = (THREADS.getThreadCpuTime(rootThread) - rootCpu) / 1e6;
        check(joined, "joined");
        System.err.printf("set-up: %d members (fan-out %d, depth %d) started in %.0f ms, joined in %.0f ms; CPU %.0f"
            + " ms, %.0f us per member (all ends of its two links and its registration); the root's thread %.0f ms,"
            + " %.0f us per member; paused %d times 1 ms for the root to catch up (at most %d registering at once)%n",
            members, shape.fanout(), depth, started, setup, setupCpu, setupCpu * 1e3 / members, rootSetupCpu,
            rootSetupCpu * 1e3 / members, paused, IN_FLIGHT);

        List<SHChannelsUp> everyNode = new ArrayList<>();
        List<String> agents = new ArrayList<>();
        for (int position = 1; position <= members; position++) {
            everyNode.add(reports[position].channels());
            agents.add(reports[position].transportAgent());
        }
        int reportBytes = MessageCodec.encode(reports[1]).length;
        List<TreeContribution> subtree = new ArrayList<>();
        for (int position : shape.subtree(1)) {
            subtree.add(new TreeContribution(position, MessageCodec.encode(reports[position])));
        }
        System.err.printf("messages: BENodeUp %d B, a first-level member's TreeReduce %d B (%d contributions)%n",
            reportBytes, MessageCodec.encode(new TreeReduce(1, 1, subtree)).length, subtree.size());

        AtomicLong tags = new AtomicLong(TreeNode.JOINED);
        double small = rounds("small broadcast", tag -> new BEForward(tag, -1, false,
            MessageCodec.encode(new SHTeardown(0))), tags, rounds, warmup, depth, rootThread);
        double channels = rounds("LAChannelsInfo", tag -> new LAChannelsInfo(tag, everyNode, "tcp", agents), tags,
            rounds, warmup, depth, rootThread);
        System.out.printf("result %s_setup_ms %.0f ms%n", name, setup);
        System.out.printf("result %s_root_setup_cpu_per_member_us %.0f us%n", name, rootSetupCpu * 1e3 / members);
        System.out.printf("result %s_bcast_reduce_ms %.1f ms%n", name, small);
        System.out.printf("result %s_channels_info_ms %.1f ms%n", name, channels);
    }

    /** Rounds of one broadcast of {@code down} and the reduction of every backend's answer; the median, in ms. */
    private double rounds(String what, LongFunction<Message> down, AtomicLong tags, int rounds, int warmup, int depth,
                          long rootThread) throws Exception {
        System.err.printf("%s: %d B down, to each of %d members%n", what,
            MessageCodec.encode(down.apply(0)).length, members);
        double[] totals = new double[rounds];
        for (int round = -warmup; round < rounds; round++) {
            long tag = tags.incrementAndGet();
            lastDelivery.set(0);
            long rootCpu = THREADS.getThreadCpuTime(rootThread);
            long start = System.nanoTime();
            nodes[0].broadcast(down.apply(tag));
            Map<Integer, Message> answers = await(tag);
            double total = millisSince(start);
            check((int) answers.values().stream().filter(BENodeUp.class::isInstance).count(), "answered");
            double delivered = (lastDelivery.get() - start) / 1e6;
            System.err.printf("  %s %d: every member had it after %.1f ms, every answer at the root after %.1f ms;"
                + " per hop %.2f ms (%d hops down and up); the root's thread %.2f ms%n", round < 0 ? "warm-up"
                : "round", round < 0 ? round + warmup + 1 : round + 1, delivered, total, total / (2 * depth),
                2 * depth, (THREADS.getThreadCpuTime(rootThread) - rootCpu) / 1e6);
            if (round >= 0) {
                totals[round] = total;
            }
        }
        return Median.of(totals);
    }

    /** Reduction {@code id}, complete; fails as soon as a backend lost a link, saying which and how many. */
    private Map<Integer, Message> await(long id) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        for (;;) {
            try {
                return nodes[0].awaitReduction(id, Duration.ofMillis(200));
            } catch (TimeoutException e) {
                if (!lost.isEmpty()) {
                    throw new IllegalStateException(lost.size() + " backends lost a tree link, first " + lost.peek()
                        + " (the root closes a link when more than " + LinkHandshake.MAX_PENDING + " wait for their"
                        + " handshake, or when one waits " + LinkHandshake.TIMEOUT_MS + " ms; see docs/scale.md)");
                }
                if (System.nanoTime() - deadline > 0) {
                    throw e;
                }
            }
        }
    }

    /** Every backend's, and every link's, as a teardown ends them: the parents' closes are expected. */
    private void close() {
        for (int position = 1; position <= members; position++) {
            if (nodes[position] != null) {
                nodes[position].ending();
            }
        }
        for (TreeNode node : nodes) {
            if (node != null) {
                node.close();
            }
        }
    }

    private void check(int count, String what) {
        if (count != members) {
            throw new IllegalStateException(count + " of " + members + " members " + what);
        }
    }

    /**
     * Node {@code node}'s channels as its Local Services reports them: descriptors of real channels and pools,
     * with the sizes and numbers of a runtime's (only node 0 has Global Services).
     */
    private static SHChannelsUp channels(int node) {
        long hostId = 0x5eed_0000_0000L + node;
        PoolDescriptor infra = new PoolDescriptor(RUNTIME, 2L * node + 1, 0x9e37_79b9_7f4a_7c15L * (node + 1),
            hostId, 64L << 20);
        PoolDescriptor user = new PoolDescriptor(RUNTIME, 2L * node + 2, 0xc2b2_ae3d_27d4_eb4fL * (node + 1), hostId,
            1L << 30);
        LongFunction<byte[]> channel = cuid -> new ChannelDescriptor(cuid, new AllocationDescriptor(infra,
            cuid % 64 << 20, 1L << 20), cuid * 31).serialize();
        long cuid = 4L * node + 16;
        return new SHChannelsUp(0, String.format("nid%06d", node), node, 64, List.of(), channel.apply(cuid), node == 0
            ? channel.apply(1) : null, channel.apply(cuid + 1), infra.serialize(), user.serialize(),
            channel.apply(cuid + 2));
    }

    /** Hops from the root to the deepest backend. */
    private static int depth(TreeShape shape) {
        int depth = 0;
        for (int position = shape.backends(); position != 0; position = shape.parent(position)) {
            depth++;
        }
        return depth;
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
            .getProcessCpuTime();
    }

    private static double millisSince(long start) {
        return (System.nanoTime() - start) / 1e6;
    }
}
