package io.dragon.it.api;

import io.dragon.Policy;
import io.dragon.Process;
import io.dragon.ProcessTemplate;
import io.dragon.Queue;
import io.dragon.SerializableRunnable;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import sun.misc.Signal;

/**
 * A stream under load between nodes, run by the head (node 0) of a 3-node runtime: senders on nodes 0 and 1 each put
 * a stream of {@link StreamElements} of random lengths ({@link StreamElements#lengths}) into one small queue owned by
 * node 2 (made there by a process of node 2), which two receivers on node 2 take from. Each receiver checks that an
 * element is whole and reports its sender and sequence number to the head through a queue of node 0, in the order it
 * took them; the head checks as the reports come that no element is duplicated, reordered per sender (each
 * receiver must see a sender's elements in increasing order) or corrupt, and at the end that none is lost.
 */
final class LoadStream {
    static final int SENDERS = 2;
    static final int RECEIVERS = 2;
    /** Node of the queue and of the receivers. */
    static final int OWNER_NODE = 2;
    /** Small, so that the queue fills and drains all the time. */
    private static final int CAPACITY = 8;
    private static final long REPORT_WAIT_MILLIS = 100;

    private final Queue<byte[]> stream;
    private final Queue<Object> reports = Queue.create(1024);
    private final List<Process> senders = new ArrayList<>();
    private final List<Process> receivers = new ArrayList<>();
    private final int[] counts = new int[SENDERS];
    /** Per sender, the sequence numbers reported. */
    private final BitSet[] seen = new BitSet[SENDERS];
    /** Per receiver and sender, the last sequence number reported, or -1. */
    private final int[][] last = new int[RECEIVERS][SENDERS];
    private long reported;
    private int ended;

    /**
     * Starts the stream of {@code bytes} bytes per sender, lengths drawn from {@code seed}. With {@code keepTalking}
     * the senders ignore SIGTERM (saying which put it came in), so that a runtime tearing down (on a lost node)
     * leaves them the time to say why their put failed.
     */
    LoadStream(long seed, long bytes, boolean keepTalking) throws InterruptedException {
        Queue<Queue<byte[]>> handles = Queue.create(2);
        Process owner = Process.start(ProcessTemplate.of(() -> Checks.putQuietly(handles, Queue.create(CAPACITY)))
            .withPolicy(Policy.node(OWNER_NODE)));
        stream = handles.take();
        Checks.expectEquals(0, owner.join(), "exit code of the queue's maker");
        handles.destroy();
        for (int r = 0; r < RECEIVERS; r++) {
            receivers.add(Process.start(ProcessTemplate.of(receiver(stream, reports, r))
                .withPolicy(Policy.node(OWNER_NODE))));
            last[r] = new int[] {-1, -1};
        }
        for (int s = 0; s < SENDERS; s++) {
            seen[s] = new BitSet();
            counts[s] = StreamElements.lengths(seed, s, bytes).length;
            senders.add(Process.start(ProcessTemplate.of(sender(stream, s, seed, bytes, keepTalking))
                .withPolicy(Policy.node(s))));
        }
    }

    /** Elements of both senders together. */
    long total() {
        return (long) counts[0] + counts[1];
    }

    /** Elements reported so far. */
    long reported() {
        return reported;
    }

    /**
     * Checks the reports that come within {@code millis} ms, failing on the first duplicated, reordered or corrupt
     * element; returns false if none came.
     */
    boolean checkReports(long millis) throws InterruptedException {
        Object report = reports.poll(millis, TimeUnit.MILLISECONDS);
        if (report == null) {
            return false;
        }
        for (; report != null; report = reports.poll()) {
            check(report);
        }
        return true;
    }

    /**
     * Checks every report until the end: the senders exit 0, then each receiver takes an end mark, and every
     * element of every sender was reported exactly once.
     */
    void checkToTheEnd() throws InterruptedException {
        int marks = RECEIVERS;
        while (ended < RECEIVERS) {
            if (!checkReports(REPORT_WAIT_MILLIS) && marks > 0 && senders.stream().noneMatch(Process::isAlive)) {
                while (marks > 0 && stream.offer(new byte[0])) { // never waits: the head must go on draining
                    marks--;
                }
            }
        }
        for (Process process : senders) {
            Checks.expectEquals(0, process.join(), "exit code of sender " + process.node());
        }
        for (Process process : receivers) {
            Checks.expectEquals(0, process.join(), "exit code of a receiver");
        }
        for (int s = 0; s < SENDERS; s++) {
            Checks.expectEquals(counts[s], seen[s].cardinality(), "elements of sender " + s + " reported");
            Checks.expectEquals(counts[s], seen[s].nextClearBit(0), "first element of sender " + s + " missing");
        }
        Checks.expectEquals(0, stream.size(), "elements left in the queue");
        stream.destroy();
        reports.destroy();
    }

    /**
     * Checks that no element reported so far is lost: of each sender, every element before the last that each
     * receiver reported was reported (an element after it may still be in the queue, or taken by the other receiver
     * but not reported yet). Returns how many there are of each sender, for a message.
     */
    String checkNoneLostSoFar() {
        StringBuilder said = new StringBuilder();
        for (int s = 0; s < SENDERS; s++) {
            int before = Math.min(last[0][s], last[1][s]);
            Checks.expect(seen[s].nextClearBit(0) >= before, "every element of sender " + s + " before " + before
                + " reported, " + seen[s].nextClearBit(0) + " is not");
            said.append(s == 0 ? "" : ", ").append(seen[s].cardinality()).append(" of sender ").append(s);
        }
        return said.toString();
    }

    private void check(Object report) {
        if (report instanceof String problem) {
            throw new AssertionError(problem);
        }
        long value = (Long) report;
        if (value < 0) {
            ended++;
            return;
        }
        int receiver = (int) (value >>> 40);
        int sender = (int) (value >>> 32 & 0xFF);
        int sequence = (int) value;
        Checks.expect(sender < SENDERS && sequence >= 0 && sequence < counts[sender], "a sender and a sequence"
            + " number that were sent, got element " + sequence + " of sender " + sender);
        Checks.expect(!seen[sender].get(sequence), "element " + sequence + " of sender " + sender + " once, receiver "
            + receiver + " took it again");
        Checks.expect(sequence > last[receiver][sender], "receiver " + receiver + " to take the elements of sender "
            + sender + " in order, it took " + sequence + " after " + last[receiver][sender]);
        seen[sender].set(sequence);
        last[receiver][sender] = sequence;
        reported++;
    }

    /**
     * Puts the elements of sender {@code s}; says which failed, and why, before it exits with the exception. With
     * {@code keepTalking} it ignores SIGTERM, saying which put it was in.
     */
    private static SerializableRunnable sender(Queue<byte[]> stream, int s, long seed, long bytes,
                                               boolean keepTalking) {
        return () -> {
            int[] lengths = StreamElements.lengths(seed, s, bytes);
            AtomicInteger next = new AtomicInteger();
            if (keepTalking) {
                Signal.handle(new Signal("TERM"), signal -> say("sender " + s + " on node " + s + ": SIGTERM (the"
                    + " runtime tears down) in the put of element " + next.get()));
            }
            for (int i = 0; i < lengths.length; i = next.incrementAndGet()) {
                try {
                    stream.put(StreamElements.create(s, i, lengths[i]));
                } catch (RuntimeException | InterruptedException e) {
                    say("sender " + s + " on node " + s + ": put of element " + i + " failed: " + e.getMessage());
                    throw new IllegalStateException(e);
                }
            }
        };
    }

    private static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }

    /**
     * Takes elements until an empty one (the end mark) and reports each: {@code receiver << 40 | sender << 32 |
     * sequence}, or what is wrong with it (a String, and the receiver stops); at the end {@code ~receiver}.
     */
    private static SerializableRunnable receiver(Queue<byte[]> stream, Queue<Object> reports, int receiver) {
        return () -> {
            try {
                for (byte[] element = stream.take(); element.length > 0; element = stream.take()) {
                    String problem = StreamElements.problem(element);
                    if (problem != null) {
                        reports.put("receiver " + receiver + ": " + problem);
                        return;
                    }
                    reports.put((long) receiver << 40 | (long) StreamElements.sender(element) << 32
                        | StreamElements.sequence(element));
                }
                reports.put(~(long) receiver);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        };
    }
}
