package io.dragon.core.channels;

import static io.dragon.core.channels.LocalChannel.RECV_CLAIMED;
import static io.dragon.core.channels.LocalChannel.RECV_HEAD_MOVED;
import static io.dragon.core.channels.LocalChannel.RECV_RELEASED;
import static io.dragon.core.channels.LocalChannel.REMOVE_CLAIMED;
import static io.dragon.core.channels.LocalChannel.REMOVE_RELEASED;
import static io.dragon.core.channels.LocalChannel.REPAIR_CLAIMED;
import static io.dragon.core.channels.LocalChannel.REPAIR_RELEASED;
import static io.dragon.core.channels.LocalChannel.SEND_CLAIMED;
import static io.dragon.core.channels.LocalChannel.SEND_PUBLISHED;
import static io.dragon.core.channels.LocalChannel.SEND_SIDE_WRITTEN;
import static io.dragon.core.channels.LocalChannel.SEND_TAIL_MOVED;
import static io.dragon.core.channels.LocalChannel.SEND_WRITTEN;
import static io.dragon.core.channels.LocalChannel.SIDE_CLEARED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dragon.core.memory.Allocation;
import io.dragon.core.memory.MemoryPool;
import io.dragon.core.shm.SharedBuffer;
import io.dragon.core.testing.ChildJvm;
import io.dragon.core.testing.LeakCheck;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Crash injection, in the spirit of SQLite's crash tests: a child process stops at a named point inside a channel's
 * send, receive or repair ({@link CrashPoints}), is killed with SIGKILL there, and the channel must still serve
 * everyone else.
 *
 * <p>Invariants checked after each kill: (1) while the child was stopped and alive, its claim was not taken for
 * dead; (2) every message of the live processes arrives exactly once and in order, and the dead process's own
 * message at most once (exactly when it was published); (3) the survivors get past the dead claim within
 * {@link #BOUND}; (4) once drained, the channel is empty, head and tail agree, every slot is free for its next
 * position with no claimant, and the pool holds no more allocations than before, but for the documented leaks (a side
 * allocation whose reference was not yet in the slot, or already cleared from it).
 */
@ExtendWith(LeakCheck.class)
class ChannelCrashTest {
    private static final int CAPACITY = 4;
    private static final int BLOCK = 64;
    private static final int LARGE = 200;
    private static final Duration CHILD_TIMEOUT = Duration.ofSeconds(60);
    /** Longest the survivors may take to get past a killed process (claims are checked after 100 ms). */
    private static final Duration BOUND = Duration.ofSeconds(5);
    private static final long PROBE_MILLIS = 300;
    private static final int ROUNDS = 3 * CAPACITY;

    /**
     * What a child does: send a message (inline or in a side allocation), receive one, remove one it looked at,
     * receive past a dead claim.
     */
    private static final String SEND = "send";
    private static final String SEND_LARGE = "sendLarge";
    private static final String RECV = "recv";
    private static final String REMOVE = "remove";
    private static final String REPAIR = "repair";

    private static int kills;
    private static long slowestRecoveryNanos;

    private MemoryPool pool;
    private LocalChannel channel;
    private SharedBuffer ring;
    private long baseAllocations;

    /**
     * A child doing {@code scenario} with a {@code large} message, killed at {@code point}: its message is
     * {@code delivered} or lost, and {@code leaks} a side allocation or not.
     */
    record Case(String point, String scenario, boolean large, boolean delivered, boolean leaks) {
        @Override
        public String toString() {
            return point + " in " + scenario + (large ? " (side allocation)" : "");
        }

        /** Whether the child takes a message the test sent first (by a receive or a removal). */
        boolean receives() {
            return scenario.equals(RECV) || scenario.equals(REMOVE);
        }

        /** Whether the child holds a claim while stopped at the point. */
        boolean claims() {
            return !point.equals(SEND_SIDE_WRITTEN) && !point.equals(SEND_PUBLISHED) && !point.equals(RECV_RELEASED)
                && !point.equals(REPAIR_RELEASED) && !point.equals(REMOVE_RELEASED);
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
            new Case(SEND_SIDE_WRITTEN, SEND_LARGE, true, false, true),
            new Case(SEND_CLAIMED, SEND, false, false, false),
            new Case(SEND_CLAIMED, SEND_LARGE, true, false, true),
            new Case(SEND_TAIL_MOVED, SEND, false, false, false),
            new Case(SEND_WRITTEN, SEND, false, false, false),
            new Case(SEND_WRITTEN, SEND_LARGE, true, false, false),
            new Case(SEND_PUBLISHED, SEND, false, true, false),
            new Case(SEND_PUBLISHED, SEND_LARGE, true, true, false),
            new Case(RECV_CLAIMED, RECV, false, false, false),
            new Case(RECV_CLAIMED, RECV, true, false, false),
            new Case(RECV_HEAD_MOVED, RECV, false, false, false),
            new Case(SIDE_CLEARED, RECV, true, false, true),
            new Case(RECV_RELEASED, RECV, false, false, false),
            new Case(RECV_RELEASED, RECV, true, false, false),
            new Case(REMOVE_CLAIMED, REMOVE, false, false, false),
            new Case(REMOVE_CLAIMED, REMOVE, true, false, false),
            new Case(SIDE_CLEARED, REMOVE, true, false, true),
            new Case(REMOVE_RELEASED, REMOVE, false, false, false),
            new Case(REMOVE_RELEASED, REMOVE, true, false, false),
            new Case(REPAIR_CLAIMED, REPAIR, true, false, false),
            new Case(SIDE_CLEARED, REPAIR, true, false, true),
            new Case(REPAIR_RELEASED, REPAIR, true, false, false));
    }

    @BeforeEach
    void createChannel() {
        pool = MemoryPool.create(ChildJvm.uniqueRuntimeId(), 1, 16 << 20);
        channel = LocalChannel.create(pool, 7, CAPACITY, BLOCK);
        var where = channel.descriptor().allocation();
        ring = pool.buffer().slice(where.offset(), where.size());
        baseAllocations = pool.allocationCount();
    }

    @AfterEach
    void destroyPool() {
        pool.destroy();
    }

    @AfterAll
    static void report() {
        System.out.printf("channel crash points %d, kills %d, slowest recovery %d ms%n",
            LocalChannel.CRASH_POINTS.size(), kills, TimeUnit.NANOSECONDS.toMillis(slowestRecoveryNanos));
    }

    @Test
    void shouldCoverEveryCrashPoint() {
        assertThat(cases().map(Case::point).collect(Collectors.toSet()))
            .containsExactlyInAnyOrderElementsOf(LocalChannel.CRASH_POINTS);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void shouldLeaveTheChannelUsableWhenKilledAt(Case c) throws Exception {
        List<String> sent = new ArrayList<>();
        if (c.scenario().equals(REPAIR)) {
            killAt(SEND_WRITTEN, SEND_LARGE);
        }
        if (c.receives()) {
            send(message("M", 0, c.large()), new ArrayList<>()); // the child takes it, and dies with it
        }
        try (ChildJvm child = startAt(c.point(), c.scenario())) {
            int pid = (int) child.pid();
            if (c.claims()) {
                probeWhileAlive(c, pid, sent);
            }
            child.kill();
            kills++;
        }

        long start = System.nanoTime();
        List<String> received = new ArrayList<>();
        for (int i = 0; i < ROUNDS; i++) {
            send(message("P", sent.size(), i % 3 == 0), sent);
            received.add(receive());
        }
        while (received.size() < sent.size() + (c.delivered() ? 1 : 0)) {
            received.add(receive());
        }
        long took = System.nanoTime() - start;
        slowestRecoveryNanos = Math.max(slowestRecoveryNanos, took);
        assertThat(took).as("time to get past the killed process").isLessThan(BOUND.toNanos());

        List<String> expected = new ArrayList<>();
        if (c.delivered()) {
            expected.add(message("D", 0, c.large()));
        }
        expected.addAll(sent);
        assertThat(received).as("messages received").isEqualTo(expected);
        assertDrained(c.leaks() ? 1 : 0);
    }

    /**
     * Kills at random moments (not only at named points) senders and receivers working on the channel alongside a
     * sender and a receiver that live: no message is received twice, every message a sender saw sent arrives unless a
     * killed receiver took it (at most one per such kill), and the survivors carry on within {@link #BOUND} each time.
     */
    @Test
    void shouldCarryOnWhenSendersAndReceiversAreKilledAtRandomMoments() throws Exception {
        int victims = 12;
        Allocation ledger = pool.allocate(Ledger.size(victims + 1));
        Ledger book = new Ledger(ledger.buffer(), victims + 1);
        book.clear();
        String ledgerHex = HexFormat.of().formatHex(ledger.descriptor().serialize());
        long base = pool.allocationCount();
        AtomicReference<String> receiverError = new AtomicReference<>();
        Thread receiver = new Thread(() -> receiveUntilStopped(book, receiverError), "survivor receiver");
        Random random = new Random(16);
        int receiverKills = 0;
        try (ChildJvm survivor = ChildJvm.start(RandomChild.class, "send", channelHex(), ledgerHex, "0")) {
            receiver.start();
            awaitProgress(book, 0, 1, survivor);
            for (int round = 1; round <= victims; round++) {
                boolean sends = round % 2 == 1;
                try (ChildJvm victim = ChildJvm.start(RandomChild.class, sends ? "send" : "recv", channelHex(),
                    ledgerHex, Integer.toString(round))) {
                    long received = book.receivedBy(round);
                    while (sends ? book.sent(round) == 0 : book.receivedBy(round) == received) {
                        assertThat(victim.isAlive()).as("victim alive; output: %s", victim.output()).isTrue();
                        Thread.sleep(1);
                    }
                    Thread.sleep(random.nextInt(30));
                    victim.kill();
                    kills++;
                    receiverKills += sends ? 0 : 1;
                }
                long start = System.nanoTime();
                awaitProgress(book, 0, book.sent(0) + 100, survivor);
                long receivedBySurvivor = book.receivedBy(Ledger.SURVIVOR);
                while (book.receivedBy(Ledger.SURVIVOR) < receivedBySurvivor + 100) {
                    assertThat(receiverError.get()).isNull();
                    assertThat(System.nanoTime() - start).as("the survivors carried on within %s", BOUND)
                        .isLessThan(BOUND.toNanos());
                    Thread.sleep(1);
                }
                slowestRecoveryNanos = Math.max(slowestRecoveryNanos, System.nanoTime() - start);
            }
            book.stop();
            survivor.awaitSuccess(CHILD_TIMEOUT);
        } finally {
            book.stop();
            receiver.join();
        }
        kills++;
        assertThat(receiverError.get()).isNull();
        int missing = 0;
        for (int sender = 0; sender <= victims; sender++) {
            long sentBy = book.sent(sender);
            for (int seq = 0; seq < Ledger.MAX_SEQ; seq++) {
                int times = book.times(sender, seq);
                assertThat(times).as("times message %d of sender %d was received", seq, sender).isLessThanOrEqualTo(1);
                if (seq < sentBy && times == 0) {
                    missing++;
                } else if (seq > sentBy) {
                    assertThat(times).as("message %d of sender %d, which it never sent", seq, sender).isZero();
                }
            }
        }
        System.out.printf("random kills: %d, %d of them receivers; messages sent %d, missing %d%n", victims,
            receiverKills, book.totalSent(), missing);
        assertThat(missing).as("messages lost other than with a killed receiver").isLessThanOrEqualTo(receiverKills);
        ledger.free();
        assertThat(channel.tryRecv()).isNull();
        assertThat(pool.allocationCount() - base).as("side allocations leaked").isLessThanOrEqualTo(victims);
    }

    // ---- helpers of the point-by-point test

    private ChildJvm startAt(String point, String scenario) throws InterruptedException {
        ChildJvm child = ChildJvm.startArmed(Child.class, point, scenario, channelHex());
        child.awaitCrashPoint(point, CHILD_TIMEOUT);
        return child;
    }

    private void killAt(String point, String scenario) throws InterruptedException {
        try (ChildJvm child = startAt(point, scenario)) {
            child.kill();
            kills++;
        }
    }

    /** Invariant (1): whoever the stopped child's claim blocks waits for it, and leaves the claim alone. */
    private void probeWhileAlive(Case c, int pid, List<String> sent) throws InterruptedException {
        if (c.receives()) {
            // Fill the ring up to the claimed slot; the send that needs that slot must wait.
            for (int i = 0; i < CAPACITY - 1; i++) {
                send(message("P", sent.size(), false), sent);
            }
            assertThatThrownBy(() -> channel.send(ByteBuffer.wrap(bytes(message("X", 0, false))),
                channel.waitMode(), deadlineAfter(PROBE_MILLIS))).isInstanceOf(ChannelFullException.class);
        } else {
            assertThatThrownBy(() -> channel.recv(channel.waitMode(), deadlineAfter(PROBE_MILLIS)))
                .isInstanceOf(ChannelEmptyException.class);
        }
        assertThat(claimants()).as("claimants while the child lives").contains(pid);
    }

    private void send(String message, List<String> sent) throws InterruptedException {
        channel.send(ByteBuffer.wrap(bytes(message)), channel.waitMode(), deadlineAfter(BOUND.toMillis()));
        sent.add(message);
    }

    private String receive() throws InterruptedException {
        return new String(channel.recv(channel.waitMode(), deadlineAfter(BOUND.toMillis())), StandardCharsets.UTF_8);
    }

    /** Invariant (4). */
    private void assertDrained(int leaks) {
        assertThat(channel.tryRecv()).as("left in the channel").isNull();
        long head = ring.getLongVolatile(ChannelLayout.HEAD_OFFSET);
        long tail = ring.getLongVolatile(ChannelLayout.TAIL_OFFSET);
        assertThat(head).as("head").isEqualTo(tail);
        for (long position = tail; position < tail + CAPACITY; position++) {
            long state = ring.getLongVolatile(slot(position) + ChannelLayout.SLOT_STATE_OFFSET);
            assertThat(state).as("state of the slot of position %d", position).isEqualTo(ChannelLayout.state(position));
            assertThat(ring.getInt(slot(position) + ChannelLayout.SLOT_KIND_OFFSET)).as("kind of a free slot")
                .isEqualTo(ChannelLayout.KIND_INLINE);
        }
        assertThat(pool.allocationCount() - baseAllocations).as("allocations leaked").isEqualTo(leaks);
    }

    private List<Integer> claimants() {
        List<Integer> claimants = new ArrayList<>();
        for (int i = 0; i < CAPACITY; i++) {
            claimants.add((int) (ring.getLongVolatile(slot(i) + ChannelLayout.SLOT_STATE_OFFSET)
                & ChannelLayout.CLAIMANT_MASK));
        }
        return claimants;
    }

    private long slot(long position) {
        return ChannelLayout.SLOTS_OFFSET + (position % CAPACITY) * ChannelLayout.slotStride(BLOCK);
    }

    private String channelHex() {
        return HexFormat.of().formatHex(channel.descriptor().serialize());
    }

    /** Message {@code seq} of {@code who}, longer than a block if {@code large}. */
    static String message(String who, int seq, boolean large) {
        String message = who + seq;
        return large ? message + "-".repeat(LARGE - message.length()) : message;
    }

    static byte[] bytes(String message) {
        return message.getBytes(StandardCharsets.UTF_8);
    }

    static long deadlineAfter(long millis) {
        return System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    }

    // ---- helpers of the random test

    private void receiveUntilStopped(Ledger book, AtomicReference<String> error) {
        long[] last = new long[Ledger.MAX_SENDERS];
        Arrays.fill(last, -1);
        ByteBuffer buffer = ByteBuffer.allocate(LARGE);
        try {
            for (int idle = 0; idle < 20 || !book.stopped(); ) {
                buffer.clear();
                if (channel.tryRecv(buffer) < 0) {
                    idle = book.stopped() ? idle + 1 : 0;
                    Thread.sleep(book.stopped() ? 10 : 0, 100_000);
                    continue;
                }
                int sender = buffer.getInt(0);
                int seq = buffer.getInt(4);
                if (seq <= last[sender]) {
                    error.set("message " + seq + " of sender " + sender + " after " + last[sender]);
                    return;
                }
                last[sender] = seq;
                book.received(Ledger.SURVIVOR, sender, seq);
            }
        } catch (Exception e) {
            error.set(e.toString());
        }
    }

    private static void awaitProgress(Ledger book, int sender, long target, ChildJvm child)
        throws InterruptedException {
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (book.sent(sender) < target) {
            assertThat(child.isAlive()).as("sender %d alive; output: %s", sender, child.output()).isTrue();
            assertThat(System.nanoTime() - deadline).as("sender %d carried on within %s", sender, BOUND).isNegative();
            Thread.sleep(1);
        }
    }

    /**
     * Shared record of the random test: per sender, how many messages it has seen sent; per message, how many times
     * it was received; per receiver, how many it has received; and a stop flag.
     */
    static final class Ledger {
        static final int MAX_SEQ = 1 << 17;
        static final int MAX_SENDERS = 16;
        /** Receiver slot of the test's own receiver (victims use their round number). */
        static final int SURVIVOR = MAX_SENDERS - 1;
        private static final int STOP = 0;
        private static final int SENT = 64;
        private static final int RECEIVED = SENT + 8 * MAX_SENDERS;
        private static final int TIMES = RECEIVED + 8 * MAX_SENDERS;

        private final SharedBuffer buffer;
        private final int senders;

        Ledger(SharedBuffer buffer, int senders) {
            this.buffer = buffer;
            this.senders = senders;
        }

        static long size(int senders) {
            return TIMES + 4L * senders * MAX_SEQ;
        }

        void clear() {
            buffer.setMemory(0, size(senders), (byte) 0);
        }

        void stop() {
            buffer.putIntVolatile(STOP, 1);
        }

        boolean stopped() {
            return buffer.getIntVolatile(STOP) != 0;
        }

        void sent(int sender, long count) {
            buffer.putLongVolatile(SENT + 8L * sender, count);
        }

        long sent(int sender) {
            return buffer.getLongVolatile(SENT + 8L * sender);
        }

        long totalSent() {
            long total = 0;
            for (int sender = 0; sender < senders; sender++) {
                total += sent(sender);
            }
            return total;
        }

        void received(int receiver, int sender, int seq) {
            buffer.getAndAddInt(TIMES + 4L * (sender * (long) MAX_SEQ + seq), 1);
            buffer.getAndAddLong(RECEIVED + 8L * receiver, 1);
        }

        long receivedBy(int receiver) {
            return buffer.getLongVolatile(RECEIVED + 8L * receiver);
        }

        int times(int sender, int seq) {
            return buffer.getIntVolatile(TIMES + 4L * (sender * (long) MAX_SEQ + seq));
        }
    }

    /** Child of the point-by-point test: does args[0] once on the channel args[1] (see {@link #SEND} and others). */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            ChildJvm.exitWithParent();
            Channel channel = Channel.attach(HexFormat.of().parseHex(args[1]));
            long deadline = deadlineAfter(CHILD_TIMEOUT.toMillis());
            switch (args[0]) {
                case SEND, SEND_LARGE -> channel.send(
                    ByteBuffer.wrap(bytes(message("D", 0, args[0].equals(SEND_LARGE)))), channel.waitMode(), deadline);
                case RECV, REPAIR -> channel.recv(channel.waitMode(), deadline);
                case REMOVE -> channel.remove(channel.peek(0, Long.MAX_VALUE, 1, 1 << 20).positions()[0]);
                default -> {
                    System.out.println("unknown scenario " + args[0]);
                    System.exit(1);
                }
            }
            System.out.println("done without stopping");
            System.exit(1);
        }
    }

    /**
     * Child of the random test: "send" sends messages {@code (sender args[3], seq)}, one in four longer than a block
     * (the survivor, sender 0, at most 8 a millisecond), until the ledger's stop flag or {@link Ledger#MAX_SEQ},
     * recording each as sent once the send returns; "recv" receives and records every message as received by receiver
     * args[3], until killed.
     */
    public static final class RandomChild {
        public static void main(String[] args) throws Exception {
            ChildJvm.exitWithParent();
            Channel channel = Channel.attach(HexFormat.of().parseHex(args[1]));
            Allocation ledgerAllocation = Allocation.attach(
                io.dragon.core.memory.AllocationDescriptor.deserialize(HexFormat.of().parseHex(args[2])));
            Ledger book = new Ledger(ledgerAllocation.buffer(), Ledger.MAX_SENDERS);
            int id = Integer.parseInt(args[3]);
            ByteBuffer buffer = ByteBuffer.allocate(LARGE);
            if (args[0].equals("send")) {
                for (int seq = 0; seq < Ledger.MAX_SEQ && !book.stopped(); seq++) {
                    buffer.clear().putInt(id).putInt(seq).position(seq % 4 == 0 ? LARGE : 8).flip();
                    channel.send(buffer, channel.waitMode(), deadlineAfter(CHILD_TIMEOUT.toMillis()));
                    book.sent(id, seq + 1);
                    if (id == 0 && seq % 8 == 7) {
                        Thread.sleep(1); // the survivor must not run out of sequence numbers before the test ends
                    }
                }
                while (!book.stopped()) {
                    Thread.sleep(10);
                }
            } else {
                for (;;) {
                    buffer.clear();
                    channel.recv(buffer, channel.waitMode(), deadlineAfter(CHILD_TIMEOUT.toMillis()));
                    book.received(id, buffer.getInt(0), buffer.getInt(4));
                }
            }
            System.exit(0);
        }
    }
}
