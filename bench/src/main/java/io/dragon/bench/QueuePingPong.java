package io.dragon.bench;

import io.dragon.Queue;
import java.util.Locale;

/**
 * The timed part of a 64-byte ping-pong through two {@link Queue}s, whichever nodes they live on (ApiRates on one
 * node, OffNode across two): the echo takes from {@code ping} and puts into {@code pong} until it takes an empty
 * message, which this sends at the end.
 */
final class QueuePingPong {
    private static final byte[] MESSAGE = new byte[64];

    private QueuePingPong() {
    }

    /** The echo's side: puts into {@code pong} what it takes from {@code ping}, until an empty message. */
    static void echo(Queue<byte[]> ping, Queue<byte[]> pong) throws InterruptedException {
        for (byte[] message = ping.take(); message.length > 0; message = ping.take()) {
            pong.put(message);
        }
    }

    /**
     * Fills {@code micros} with the mean round trip of each block of {@code rounds}, after {@code warmup} uncounted
     * blocks, each on stderr as {@code   LABEL block N: MICROS us}; then stops the echo.
     */
    static void measure(Queue<byte[]> ping, Queue<byte[]> pong, int rounds, int warmup, double[] micros,
                        String label) throws InterruptedException {
        for (int block = -warmup; block < micros.length; block++) {
            long start = System.nanoTime();
            for (int i = 0; i < rounds; i++) {
                ping.put(MESSAGE);
                pong.take();
            }
            if (block >= 0) {
                micros[block] = (System.nanoTime() - start) / 1e3 / rounds;
                System.err.printf(Locale.ROOT, "  %s block %d: %.3f us%n", label, block + 1, micros[block]);
            }
        }
        ping.put(new byte[0]);
    }
}
