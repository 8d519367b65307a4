package io.dragon.bench;

import io.dragon.Policy;
import io.dragon.Process;
import io.dragon.ProcessTemplate;
import io.dragon.Queue;
import io.dragon.core.channels.Channel;
import io.dragon.core.channels.SendReturn;
import io.dragon.core.client.GlobalServicesClient;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Locale;

/**
 * Head program of the off-node benchmarks of {@code bench/run.sh}, under a runtime of at least two nodes: this
 * process (node 0) and a partner on node 1 each receive on a channel of their own node and send to the other's,
 * through the transport agents, each send returning once buffered ({@code SendReturn.WHEN_BUFFERED}).
 * {@code OffNode rtt|bw|msgrate|queue [warmup=3] [blocks=5]}:
 * <ul>
 * <li>{@code rtt}: 64-byte ping-pong, 10,000 round trips per block: {@code result offnode_rtt_us};</li>
 * <li>{@code bw}: 1 MiB messages to the partner's channel, 200 per block, the partner acknowledging the block:
 * {@code result offnode_bw_mibs} (MiB/s);</li>
 * <li>{@code msgrate}: 64-byte messages to the partner's channel, 10,000 per block, the partner acknowledging the
 * block: {@code result offnode_msgrate} (messages/s);</li>
 * <li>{@code queue}: the same ping-pong through two {@link Queue}s of {@code byte[]}, each on its receiver's node
 * (what users call): {@code result queue_offnode_rtt_us}.</li>
 * </ul>
 * Medians over blocks after uncounted warm-up blocks; the peer is {@link TcpPeer} between the same two nodes.
 */
public final class OffNode {
    static final int RTT_ROUNDS = 10_000;
    static final int BW_MESSAGES = 200;
    static final int RATE_MESSAGES = 10_000;
    static final int SMALL = 64;
    static final int LARGE = 1 << 20;

    private OffNode() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length >= 2 && args[0].equals("partner")) {
            partner(args[1], Codec.unbase64(args[2]));
            System.exit(0);
        }
        Options options = Options.parse(args, 1);
        String what = args[0];
        int warmup = options.getInt("warmup", 3);
        double[] values = new double[options.getInt("blocks", 5)];
        if (what.equals("queue")) {
            queueRtt(warmup, values);
            Arrays.sort(values);
            System.out.printf(Locale.ROOT, "result queue_offnode_rtt_us %.3f us%n", values[values.length / 2]);
            System.exit(0);
        }
        GlobalServicesClient gs = GlobalServicesClient.get();
        Channel mine = Channel.attach(gs.createChannel(0, 64, 256, null).descriptor());
        Process partner = Process.start(ProcessTemplate.main(OffNode.class, "partner", what,
            Codec.base64(mine.serialize())).withPolicy(Policy.node(1)));
        Channel theirs = Channel.attach(mine.recv()).sendReturn(SendReturn.WHEN_BUFFERED);
        ByteBuffer message = ByteBuffer.allocateDirect(messageBytes(what));
        ByteBuffer reply = ByteBuffer.allocateDirect(SMALL);
        for (int block = -warmup; block < values.length; block++) {
            long start = System.nanoTime();
            if (what.equals("rtt")) {
                for (int i = 0; i < RTT_ROUNDS; i++) {
                    theirs.send(message.clear());
                    mine.recv(reply.clear());
                }
            } else {
                for (int i = 0; i < blockMessages(what); i++) {
                    theirs.send(message.clear());
                }
                mine.recv(reply.clear());
            }
            long nanos = System.nanoTime() - start;
            if (block >= 0) {
                values[block] = what.equals("rtt") ? nanos / 1e3 / RTT_ROUNDS : what.equals("bw")
                    ? BW_MESSAGES * (double) LARGE / (1 << 20) / (nanos / 1e9) : RATE_MESSAGES / (nanos / 1e9);
                System.err.printf(Locale.ROOT, "  offnode %s block %d: %.3f%n", what, block + 1, values[block]);
            }
        }
        theirs.send(ByteBuffer.allocate(0));
        partner.join();
        Arrays.sort(values);
        double median = values[values.length / 2];
        System.out.println("result " + switch (what) {
            case "rtt" -> String.format(Locale.ROOT, "offnode_rtt_us %.3f us", median);
            case "bw" -> String.format(Locale.ROOT, "offnode_bw_mibs %.3f MiB/s", median);
            default -> String.format(Locale.ROOT, "offnode_msgrate %.1f messages/s", median);
        });
        System.exit(0);
    }

    /**
     * 64-byte round trips through {@code ping}, a Queue the partner makes on node 1 (under a name it tells the head
     * on {@code pong}), and {@code pong}, made here on node 0: each put is to the other node.
     */
    private static void queueRtt(int warmup, double[] micros) throws InterruptedException {
        Queue<byte[]> pong = Queue.create(64);
        String name = "offnode-ping-" + ProcessHandle.current().pid();
        Process partner = Process.start(ProcessTemplate.of(() -> {
            try {
                Queue<byte[]> ping = Queue.create(name, 64);
                pong.put(new byte[0]);
                QueuePingPong.echo(ping, pong);
                ping.destroy();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }).withPolicy(Policy.node(1)));
        pong.take();
        QueuePingPong.measure(Queue.lookup(name), pong, RTT_ROUNDS, warmup, micros, "queue offnode");
        partner.join();
        pong.destroy();
    }

    /** The size of the messages of exchange {@code what}: 1 MiB for bw, 64 bytes otherwise. */
    static int messageBytes(String what) {
        return what.equals("bw") ? LARGE : SMALL;
    }

    /** Messages per acknowledged block of a one-way exchange (bw, msgrate). */
    static int blockMessages(String what) {
        return what.equals("bw") ? BW_MESSAGES : RATE_MESSAGES;
    }

    /** On node 1: tells the head its channel, then echoes (rtt) or acknowledges each block (bw, msgrate). */
    private static void partner(String what, byte[] headChannel) throws Exception {
        GlobalServicesClient gs = GlobalServicesClient.get();
        Channel mine = Channel.attach(gs.createChannel(0, 64, 256, null).descriptor());
        Channel head = Channel.attach(headChannel).sendReturn(SendReturn.WHEN_BUFFERED);
        head.send(mine.serialize());
        ByteBuffer buffer = ByteBuffer.allocateDirect(messageBytes(what));
        ByteBuffer ack = ByteBuffer.allocateDirect(1);
        for (int received = 1; ; received++) {
            if (mine.recv(buffer.clear()) == 0) {
                return;
            }
            if (what.equals("rtt")) {
                head.send(buffer.flip());
            } else if (received % blockMessages(what) == 0) {
                head.send(ack.clear());
            }
        }
    }
}
