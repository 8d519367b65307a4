package io.dragon.core.channels;

import io.dragon.core.memory.PoolFullException;
import io.dragon.core.sync.WaitMode;
import io.dragon.core.testing.ChildJvm;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

/**
 * A sender or receiver process of {@link ChannelStressTest}. Every message is {@code (int sender, int seq, payload)}
 * with the payload's length and bytes derived from {@code (sender, seq)}, so a receiver can check each message on
 * its own; an end marker (sender -1) stops one receiver thread.
 *
 * <pre>
 *   send &lt;channel hex&gt; &lt;first sender id&gt; &lt;threads&gt; &lt;messages per sender&gt;
 *        &lt;wait mode&gt;
 *   recv &lt;channel hex&gt; &lt;receiver id&gt; &lt;threads&gt; &lt;senders&gt; &lt;messages per sender&gt;
 *        &lt;wait mode&gt; &lt;output file&gt;
 * </pre>
 *
 * A receiver writes one byte per message id ({@code sender * perSender + seq}): how many times it received it; and
 * prints {@code RESULT <count> <checksum>}, the checksum being the sum of the CRC32C of every message; the parent
 * finds lost and duplicated messages from those. On the first error it can see itself (a corrupt or out-of-order
 * message, an exception) a child prints it and halts with status 2 at once, so that the parent fails fast instead
 * of waiting on a wedged channel.
 */
public final class ChannelStressChild {
    /** One message in this many is longer than a block. */
    static final int SIDE_ONE_IN = 3;
    static final int HEADER = 8;
    static final int END_MARKER = -1;

    private ChannelStressChild() {
    }

    public static void main(String[] args) throws Exception {
        ChildJvm.exitWithParent();
        Channel channel = Channel.attach(HexFormat.of().parseHex(args[1]));
        int code = switch (args[0]) {
            case "send" -> send(channel, Integer.parseInt(args[2]), Integer.parseInt(args[3]),
                Integer.parseInt(args[4]), WaitMode.valueOf(args[5]));
            case "recv" -> receive(channel, Integer.parseInt(args[2]), Integer.parseInt(args[3]),
                Integer.parseInt(args[4]), Integer.parseInt(args[5]), WaitMode.valueOf(args[6]), Path.of(args[7]));
            default -> {
                System.out.println("unknown role " + args[0]);
                yield 1;
            }
        };
        System.out.flush();
        System.exit(code);
    }

    /** Reports the first error and halts at once: after it nothing this process would do can be trusted. */
    static void fail(String message) {
        System.out.println("FAILED: " + message);
        System.out.flush();
        Runtime.getRuntime().halt(2);
    }

    // ---- messages

    /** The whole message of {@code (sender, seq)}: 8 header bytes, then 0 to 4 blocks of payload. */
    static byte[] message(int sender, int seq, int blockSize) {
        SplittableRandom random = new SplittableRandom((long) sender << 32 | seq);
        int payload = random.nextInt(SIDE_ONE_IN) != 0 ? random.nextInt(blockSize - HEADER + 1)
            : random.nextInt(blockSize - HEADER + 1, 4 * blockSize);
        byte[] bytes = new byte[HEADER + payload];
        ByteBuffer.wrap(bytes).putInt(sender).putInt(seq);
        for (int i = HEADER; i < bytes.length; i++) {
            bytes[i] = (byte) random.nextInt();
        }
        return bytes;
    }

    static long checksum(byte[] bytes, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, length);
        return crc.getValue();
    }

    static byte[] endMarker() {
        return ByteBuffer.allocate(HEADER).putInt(END_MARKER).putInt(0).array();
    }

    // ---- senders

    private static int send(Channel channel, int firstSender, int threads, int perSender, WaitMode mode)
        throws InterruptedException {
        channel.waitMode(mode);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int sender = firstSender + t;
            Thread worker = new Thread(() -> {
                try {
                    int[] misses = sendAll(channel, sender, perSender);
                    System.out.println("sender " + sender + " sent " + perSender + "; timed sends expired "
                        + misses[0] + " times on a full channel and " + misses[1] + " times on a full pool; "
                        + misses[2] + " polling sends found no room");
                } catch (Throwable e) {
                    e.printStackTrace(System.out);
                    fail("sender " + sender + " failed: " + e);
                }
            }, "sender-" + sender);
            worker.start();
            workers.add(worker);
        }
        for (Thread worker : workers) {
            worker.join();
        }
        return 0;
    }

    /**
     * Sends every message of one sender, mixing the ways of sending (all must behave the same).
     *
     * @return how often a timed send expired on a full channel, on a full pool, and a polling send found no room
     */
    private static int[] sendAll(Channel channel, int sender, int perSender) throws InterruptedException {
        int[] misses = new int[3];
        ByteBuffer direct = ByteBuffer.allocateDirect(8 * channel.blockSize());
        for (int seq = 0; seq < perSender; seq++) {
            byte[] message = message(sender, seq, channel.blockSize());
            switch (seq & 3) {
                case 0 -> channel.send(ByteBuffer.wrap(message));
                case 1 -> {
                    direct.clear().put(message).flip();
                    // Short timeouts fail often; a failed send must leave the buffer as it was and send nothing.
                    for (;;) {
                        try {
                            channel.send(direct, 1, TimeUnit.MILLISECONDS);
                            break;
                        } catch (ChannelFullException e) {
                            misses[0]++; // retry with the same buffer
                        } catch (PoolFullException e) {
                            misses[1]++;
                        }
                    }
                    if (direct.hasRemaining()) {
                        throw new AssertionError("send did not consume its buffer");
                    }
                }
                case 2 -> {
                    ByteBuffer src = ByteBuffer.wrap(message);
                    while (!channel.trySend(src)) {
                        misses[2]++;
                        Thread.yield();
                    }
                }
                default -> channel.send(message);
            }
        }
        return misses;
    }

    // ---- receivers

    private static int receive(Channel channel, int receiver, int threads, int senders, int perSender,
        WaitMode mode, Path output) throws Exception {
        channel.waitMode(mode);
        List<ReceiverThread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            ReceiverThread worker = new ReceiverThread(channel, receiver + "." + t, senders, perSender);
            worker.start();
            workers.add(worker);
        }
        byte[] seen = new byte[senders * perSender];
        long count = 0;
        long checksum = 0;
        for (ReceiverThread worker : workers) {
            worker.join();
            for (int i = 0; i < seen.length; i++) {
                seen[i] = (byte) Math.min(100, seen[i] + worker.seen[i]);
            }
            count += worker.count;
            checksum += worker.checksum;
            System.out.println("receiver " + worker.getName() + " received " + worker.count + " messages, "
                + worker.sideMessages + " side-allocated, " + worker.tooSmall + " too large for the first buffer, "
                + worker.empty + " polls found it empty");
        }
        Files.write(output, seen);
        System.out.println("RESULT " + count + " " + checksum);
        return 0;
    }

    private static final class ReceiverThread extends Thread {
        private final Channel channel;
        private final int senders;
        private final int perSender;
        private final byte[] seen;
        private final int[] lastSeq;
        private long count;
        private long checksum;
        private int sideMessages;
        private int tooSmall;
        private int empty;

        ReceiverThread(Channel channel, String name, int senders, int perSender) {
            super("receiver-" + name);
            this.channel = channel;
            this.senders = senders;
            this.perSender = perSender;
            this.seen = new byte[senders * perSender];
            this.lastSeq = new int[senders];
            Arrays.fill(lastSeq, -1);
        }

        @Override
        public void run() {
            try {
                receiveUntilEndMarker();
            } catch (Throwable e) {
                e.printStackTrace(System.out);
                fail(getName() + " failed: " + e);
            }
        }

        private void receiveUntilEndMarker() throws InterruptedException {
            ByteBuffer heap = ByteBuffer.allocate(8 * channel.blockSize());
            ByteBuffer direct = ByteBuffer.allocateDirect(8 * channel.blockSize());
            ByteBuffer small = ByteBuffer.allocate(channel.blockSize() / 4);
            byte[] bytes = new byte[8 * channel.blockSize()];
            SplittableRandom random = new SplittableRandom(getName().hashCode());
            for (;;) {
                int length;
                switch (random.nextInt(8)) {
                    case 0 -> { // poll
                        heap.clear();
                        while ((length = channel.tryRecv(heap)) < 0) {
                            empty++;
                            Thread.yield();
                        }
                        heap.flip().get(bytes, 0, length);
                    }
                    case 1 -> { // a small buffer first: a longer message must stay for the retry
                        small.clear();
                        try {
                            length = channel.recv(small);
                            small.flip().get(bytes, 0, length);
                        } catch (MessageTooLargeException e) {
                            tooSmall++;
                            direct.clear();
                            length = channel.recv(direct);
                            direct.flip().get(bytes, 0, length);
                        }
                    }
                    case 2 -> { // a new array per message, short timeouts
                        byte[] message = null;
                        while (message == null) {
                            try {
                                message = channel.recv(1, TimeUnit.MILLISECONDS);
                            } catch (ChannelEmptyException e) {
                                // retry
                            }
                        }
                        length = message.length;
                        System.arraycopy(message, 0, bytes, 0, length);
                    }
                    default -> {
                        direct.clear();
                        length = channel.recv(direct);
                        direct.flip().get(bytes, 0, length);
                    }
                }
                if (!check(bytes, length)) {
                    return;
                }
            }
        }

        /** Checks one message (halting the process on any error); false for the end marker. */
        private boolean check(byte[] bytes, int length) {
            if (length < HEADER) {
                fail(getName() + ": a message of " + length + " bytes has no header");
            }
            ByteBuffer header = ByteBuffer.wrap(bytes, 0, HEADER);
            int sender = header.getInt();
            int seq = header.getInt();
            if (sender == END_MARKER) {
                return false;
            }
            if (sender < 0 || sender >= senders || seq < 0 || seq >= perSender) {
                fail(getName() + ": a message has a bad header: sender " + sender + ", seq " + seq);
            }
            if (seq <= lastSeq[sender]) {
                fail(getName() + ": sender " + sender + "'s seq " + seq + " came after seq " + lastSeq[sender]);
            }
            lastSeq[sender] = seq;
            byte[] expected = message(sender, seq, channel.blockSize());
            if (!Arrays.equals(bytes, 0, length, expected, 0, expected.length)) {
                fail(getName() + ": sender " + sender + " seq " + seq + ": the " + length + " bytes received differ"
                    + " from the " + expected.length + " sent");
            }
            seen[sender * perSender + seq]++;
            count++;
            checksum += checksum(bytes, length);
            if (length > channel.blockSize()) {
                sideMessages++;
            }
            return true;
        }
    }
}
