package io.dragon.core.channels;

import static org.assertj.core.api.Assertions.assertThat;

import io.dragon.core.memory.MemoryPool;
import io.dragon.core.sync.WaitMode;
import io.dragon.core.testing.ChildJvm;
import io.dragon.core.testing.LeakCheck;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Many processes on one small channel: 2 sender JVMs and 2 receiver JVMs of 2 threads each move 100,000 messages
 * of 8 bytes to 4 blocks (one in three longer than a block, so in a side allocation) through a 64-slot ring that
 * is often full and often empty, in a pool often too full for the next side allocation. Senders and receivers mix
 * every way of sending and receiving: blocking, polling, and with timeouts that expire. Every message must arrive
 * exactly once, intact and in its sender's order, and all pool memory must come back.
 */
@ExtendWith(LeakCheck.class)
class ChannelStressTest {
    private static final int SENDER_PROCESSES = 2;
    private static final int RECEIVER_PROCESSES = 2;
    private static final int THREADS_PER_PROCESS = 2;
    private static final int SENDERS = SENDER_PROCESSES * THREADS_PER_PROCESS;
    private static final int RECEIVER_THREADS = RECEIVER_PROCESSES * THREADS_PER_PROCESS;
    private static final int MESSAGES = 100_000;
    private static final int PER_SENDER = MESSAGES / SENDERS;
    private static final int CAPACITY = 64;
    private static final int BLOCK = 256;
    /** The channel takes 32 KiB of it; the other 10 KiB hold about a dozen side messages, so senders wait for it. */
    private static final long POOL_SIZE = 48 * 1024;
    /** Liveness limit only: the run takes a few seconds. */
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    @Test
    void shouldDeliverEveryMessageExactlyOnceInOrderAcrossProcesses() throws Exception {
        MemoryPool pool = MemoryPool.create(ChildJvm.uniqueRuntimeId(), 1, POOL_SIZE);
        List<ChildJvm> children = new ArrayList<>();
        List<Path> outputs = new ArrayList<>();
        try {
            long usedBefore = pool.usedBytes();
            Channel channel = Channel.create(pool, 1, CAPACITY, BLOCK);
            String descriptor = HexFormat.of().formatHex(channel.serialize());
            System.out.printf("pool: %d bytes free after the channel, largest block %d%n", pool.freeBytes(),
                pool.largestFreeBlock());

            List<ChildJvm> receivers = new ArrayList<>();
            for (int r = 0; r < RECEIVER_PROCESSES; r++) {
                Path output = Files.createTempFile("dragon-stress-receiver-" + r + "-", ".bin");
                outputs.add(output);
                receivers.add(start(children, "recv", descriptor, Integer.toString(r),
                    Integer.toString(THREADS_PER_PROCESS), Integer.toString(SENDERS), Integer.toString(PER_SENDER),
                    mode(r).name(), output.toString()));
            }
            List<ChildJvm> senders = new ArrayList<>();
            for (int s = 0; s < SENDER_PROCESSES; s++) {
                senders.add(start(children, "send", descriptor, Integer.toString(s * THREADS_PER_PROCESS),
                    Integer.toString(THREADS_PER_PROCESS), Integer.toString(PER_SENDER), mode(s + 1).name()));
            }

            awaitSenders(senders, receivers);
            // Every data message is in the ring or received: one end marker per receiver thread goes after them.
            for (int i = 0; i < RECEIVER_THREADS; i++) {
                channel.send(ByteBuffer.wrap(ChannelStressChild.endMarker()), TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            }
            long count = 0;
            long checksum = 0;
            int[] seen = new int[MESSAGES];
            for (int r = 0; r < RECEIVER_PROCESSES; r++) {
                ChildJvm receiver = receivers.get(r);
                receiver.awaitSuccess(TIMEOUT);
                String output = receiver.output();
                System.out.print(output);
                String[] result = output.lines().filter(l -> l.startsWith("RESULT ")).findFirst()
                    .orElseThrow(() -> new AssertionError("no RESULT line from " + receiver + ":\n" + output))
                    .split(" ");
                count += Long.parseLong(result[1]);
                checksum += Long.parseLong(result[2]);
                byte[] counts = Files.readAllBytes(outputs.get(r));
                assertThat(counts).hasSize(MESSAGES);
                for (int id = 0; id < MESSAGES; id++) {
                    seen[id] += counts[id];
                }
            }

            List<String> wrong = new ArrayList<>();
            for (int id = 0; id < MESSAGES && wrong.size() < 20; id++) {
                if (seen[id] != 1) {
                    wrong.add("sender " + id / PER_SENDER + " seq " + id % PER_SENDER + " received " + seen[id]
                        + " times");
                }
            }
            assertThat(wrong).as("messages lost or duplicated").isEmpty();
            assertThat(count).isEqualTo(MESSAGES);
            assertThat(checksum).as("sum of the CRC32C of all messages").isEqualTo(expectedChecksum());

            assertThat(channel.size()).isZero();
            assertThat(channel.tryRecv()).isNull();
            assertThat(pool.usedBytes() - usedBefore).as("only the channel itself is allocated")
                .isEqualTo(Long.highestOneBit(ChannelLayout.allocationSize(CAPACITY, BLOCK) - 1) << 1);
            channel.destroy();
            assertThat(pool.usedBytes()).isEqualTo(usedBefore);
            assertThat(pool.allocationCount()).isZero();
        } finally {
            children.forEach(ChildJvm::close);
            for (Path output : outputs) {
                Files.deleteIfExists(output);
            }
            pool.destroy();
        }
    }

    /** Waits for the senders to succeed, failing as soon as any sender fails or any receiver exits. */
    private static void awaitSenders(List<ChildJvm> senders, List<ChildJvm> receivers) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (senders.stream().anyMatch(ChildJvm::isAlive)) {
            for (ChildJvm sender : senders) {
                if (!sender.isAlive() && sender.process().exitValue() != 0) {
                    sender.awaitSuccess(Duration.ZERO); // throws with its output
                }
            }
            for (ChildJvm receiver : receivers) {
                if (!receiver.isAlive()) {
                    throw new AssertionError(receiver + " exited with status " + receiver.process().exitValue()
                        + " before the senders finished; its output:\n" + receiver.output());
                }
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("senders still running after " + TIMEOUT + "; receivers' output:\n"
                    + receivers.stream().map(ChildJvm::output).reduce("", String::concat));
            }
            Thread.sleep(10);
        }
        for (ChildJvm sender : senders) {
            sender.awaitSuccess(Duration.ZERO);
            System.out.print(sender.output());
        }
    }

    private static ChildJvm start(List<ChildJvm> children, String... args) {
        ChildJvm child = ChildJvm.start(ChannelStressChild.class, args);
        children.add(child);
        return child;
    }

    /** Half the processes wait adaptively, the others sleep at once. */
    private static WaitMode mode(int index) {
        return index % 2 == 0 ? WaitMode.ADAPTIVE : WaitMode.SLEEP;
    }

    private static long expectedChecksum() {
        long sum = 0;
        for (int sender = 0; sender < SENDERS; sender++) {
            for (int seq = 0; seq < PER_SENDER; seq++) {
                byte[] message = ChannelStressChild.message(sender, seq, BLOCK);
                sum += ChannelStressChild.checksum(message, message.length);
            }
        }
        return sum;
    }

}
