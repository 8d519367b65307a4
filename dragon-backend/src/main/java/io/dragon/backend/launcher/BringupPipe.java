package io.dragon.backend.launcher;

import io.dragon.backend.ServiceThread;
import io.dragon.core.messages.MalformedMessageException;
import io.dragon.core.messages.Message;
import io.dragon.core.messages.PipeCodec;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Messages from Local Services' stdout, read on a thread of their own so that the launcher can wait with timeouts.
 * If Local Services ends instead, the wait fails with the reason it failed with, not only the pipe's end.
 */
final class BringupPipe {
    private static final Logger LOG = LogManager.getLogger(BringupPipe.class);

    /** How often a waiting {@link #expect} looks up from its wait. */
    private static final long SLICE_MS = 200;
    /** How long the reader waits, at the pipe's end, for the service's thread to end (it is ending already). */
    private static final long END_WAIT_MS = 1_000;

    private final BlockingQueue<Object> messages = new LinkedBlockingQueue<>();
    private final String peer;

    /** How the service failed, in place of the message the launcher waited for. */
    private record Failure(String reason) {
    }

    /** Reads {@code service}'s stdout; {@code peer} names it in messages ("Local Services on node2"). */
    BringupPipe(ServiceThread service, String peer) {
        this.peer = peer;
        InputStream in = service.getInputStream();
        Thread reader = new Thread(() -> read(new DataInputStream(new BufferedInputStream(in)), service),
            "pipe-" + peer);
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * The next message, waiting at most {@code millis}.
     *
     * @throws IllegalStateException naming the peer if it closed its pipe or sent garbage, or on timeout
     */
    <T extends Message> T expect(Class<T> type, long millis) throws InterruptedException {
        return expect(type, millis, () -> { });
    }

    /** As {@link #expect(Class, long)}, running {@code whileWaiting} every {@link #SLICE_MS} of the wait. */
    <T extends Message> T expect(Class<T> type, long millis, Runnable whileWaiting) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        Object next = null;
        for (long left = millis; next == null && left > 0; left = TimeUnit.NANOSECONDS.toMillis(deadline
            - System.nanoTime())) {
            next = messages.poll(Math.min(left, SLICE_MS), TimeUnit.MILLISECONDS);
            if (next == null) {
                whileWaiting.run();
            }
        }
        if (next == null) {
            throw new IllegalStateException(peer + " sent no " + type.getSimpleName() + " within " + millis + " ms");
        }
        if (next instanceof Failure failure) {
            throw new IllegalStateException(peer + " failed during bringup: " + failure.reason());
        }
        if (next instanceof Exception e) {
            throw new IllegalStateException(peer + " " + e.getMessage() + " while the launcher waited for "
                + type.getSimpleName(), e);
        }
        if (!type.isInstance(next)) {
            throw new IllegalStateException(peer + " sent " + next.getClass().getSimpleName() + " where "
                + type.getSimpleName() + " was expected");
        }
        return type.cast(next);
    }

    private void read(DataInputStream in, ServiceThread service) {
        try {
            for (;;) {
                messages.add(PipeCodec.read(in));
            }
        } catch (EOFException e) {
            messages.add(ended(service));
        } catch (MalformedMessageException e) {
            LOG.error("malformed message from {}: {}", peer, e.getMessage());
            messages.add(new IOException("sent a malformed message: " + e.getMessage()));
        } catch (IOException e) {
            messages.add(new IOException("pipe failed: " + e.getMessage()));
        }
    }

    /** What the pipe's end means: the service failed, and why, or it ended without a failure (or has not yet). */
    private static Object ended(ServiceThread service) {
        try {
            service.waitFor(END_WAIT_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return service.failure().<Object>map(Failure::new).orElseGet(() -> new IOException("closed its pipe ("
            + service.why() + ")"));
    }
}
