package io.dragon.it.api;

import io.dragon.core.infrastructure.Facts;
import java.nio.ByteBuffer;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * The elements that the streaming checks put through queues: each says who sent it, its place in its sender's
 * stream and its length, and every other byte is a function of those and of its offset, so that a receiver can tell
 * a whole element from one cut short, swapped, shifted or overwritten. Layout (big-endian):
 * <pre>
 * offset 0  int  sender
 * offset 4  int  sequence number in the sender's stream, from 0
 * offset 8  int  length of the whole element, header included
 * offset 12      pattern bytes, see {@link #pattern}
 * </pre>
 */
final class StreamElements {
    private static final int SENDER_OFFSET = 0;
    private static final int SEQUENCE_OFFSET = 4;
    private static final int LENGTH_OFFSET = 8;
    /** The shortest element: its header. */
    static final int HEADER = 12;
    /**
     * The longest element that fits a slot of a Queue's channel: its block size (112 bytes; longer elements go to
     * a side allocation) less the standard codec's tag and length (5 bytes).
     */
    private static final int SLOT = 112 - 5;
    private static final int MIB = 1 << 20;

    private StreamElements() {
    }

    /** Element {@code sequence} of {@code sender}, {@code length} bytes long (at least {@link #HEADER}). */
    static byte[] create(int sender, int sequence, int length) {
        byte[] bytes = new byte[length];
        ByteBuffer.wrap(bytes).putInt(SENDER_OFFSET, sender).putInt(SEQUENCE_OFFSET, sequence)
            .putInt(LENGTH_OFFSET, length);
        for (int j = HEADER; j < length; j++) {
            bytes[j] = pattern(sender, sequence, j);
        }
        return bytes;
    }

    /** What is wrong with {@code bytes} as an element, or null if it is whole. */
    static String problem(byte[] bytes) {
        if (bytes.length < HEADER) {
            return "an element of " + bytes.length + " bytes, shorter than its header";
        }
        int sender = sender(bytes);
        int sequence = sequence(bytes);
        int length = ByteBuffer.wrap(bytes).getInt(LENGTH_OFFSET);
        if (length != bytes.length) {
            return "element " + sequence + " of sender " + sender + " says it has " + length + " bytes, it has "
                + bytes.length;
        }
        for (int j = HEADER; j < length; j++) {
            if (bytes[j] != pattern(sender, sequence, j)) {
                return "byte " + j + " of element " + sequence + " of sender " + sender + " (" + length
                    + " bytes) is " + bytes[j] + ", not " + pattern(sender, sequence, j);
            }
        }
        return null;
    }

    /** Fails unless {@code bytes} is element {@code sequence} of {@code sender}, {@code length} bytes long, whole. */
    static void verify(byte[] bytes, int sender, int sequence, int length) {
        String problem = problem(bytes);
        if (problem != null) {
            throw new AssertionError(problem);
        }
        Checks.expectEquals(sender + "/" + sequence + "/" + length, sender(bytes) + "/" + sequence(bytes) + "/"
            + bytes.length, "sender/sequence/length of the next element");
    }

    static int sender(byte[] bytes) {
        return ByteBuffer.wrap(bytes).getInt(SENDER_OFFSET);
    }

    static int sequence(byte[] bytes) {
        return ByteBuffer.wrap(bytes).getInt(SEQUENCE_OFFSET);
    }

    /**
     * The lengths of the elements of {@code sender}'s stream of {@code bytes} bytes in all, drawn from a random of
     * {@code seed}: two thirds fit a slot of the queue (from {@link #HEADER} to {@value #SLOT} bytes), a third do
     * not: as many up to the gateway's frame limit ({@link Facts#INFRA_CHANNEL_BLOCK_SIZE}), up to 64 KiB, and up to
     * 1 MiB. The last is cut to what is left of {@code bytes}.
     */
    static int[] lengths(long seed, int sender, long bytes) {
        Random random = new Random(seed * 31 + sender);
        IntStream.Builder lengths = IntStream.builder();
        long left = bytes;
        while (left > 0) {
            int length = random.nextInt(3) > 0 ? between(random, HEADER, SLOT) : switch (random.nextInt(3)) {
                case 0 -> between(random, SLOT + 1, Facts.INFRA_CHANNEL_BLOCK_SIZE);
                case 1 -> between(random, Facts.INFRA_CHANNEL_BLOCK_SIZE + 1, 64 << 10);
                default -> between(random, (64 << 10) + 1, MIB);
            };
            length = left - length < HEADER ? (int) left : length;
            lengths.add(length);
            left -= length;
        }
        return lengths.build().toArray();
    }

    private static int between(Random random, int least, int most) {
        return least + random.nextInt(most - least + 1);
    }

    /** Byte {@code j} of element {@code sequence} of {@code sender}: no short period, so a shifted run shows. */
    private static byte pattern(int sender, int sequence, int j) {
        return (byte) ((j ^ sequence << 8 ^ sender << 28) * 0x9E3779B1 >>> 24);
    }
}
