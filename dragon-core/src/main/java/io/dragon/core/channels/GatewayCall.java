package io.dragon.core.channels;

import static io.dragon.core.channels.GatewayLayout.BLOCK_SIZE_OFFSET;
import static io.dragon.core.channels.GatewayLayout.CANCEL;
import static io.dragon.core.channels.GatewayLayout.CANCELLED;
import static io.dragon.core.channels.GatewayLayout.CAPACITY_OFFSET;
import static io.dragon.core.channels.GatewayLayout.COMPLETION_ID_OFFSET;
import static io.dragon.core.channels.GatewayLayout.COMPLETION_PAYLOAD_OFFSET;
import static io.dragon.core.channels.GatewayLayout.DESCRIPTORS_OFFSET;
import static io.dragon.core.channels.GatewayLayout.HOST_OFFSET;
import static io.dragon.core.channels.GatewayLayout.MAX_LENGTH_OFFSET;
import static io.dragon.core.channels.GatewayLayout.OP_OFFSET;
import static io.dragon.core.channels.GatewayLayout.PID_OFFSET;
import static io.dragon.core.channels.GatewayLayout.REPLY_LENGTH_OFFSET;
import static io.dragon.core.channels.GatewayLayout.REQUEST_ID_OFFSET;
import static io.dragon.core.channels.GatewayLayout.STATUS_OFFSET;
import static io.dragon.core.channels.GatewayLayout.TARGET_LENGTH_OFFSET;
import static io.dragon.core.channels.GatewayLayout.TIMEOUT_OFFSET;
import static io.dragon.core.channels.GatewayLayout.UNWATCH;
import static io.dragon.core.channels.GatewayLayout.VALUE_OFFSET;
import static io.dragon.core.channels.GatewayLayout.WATCH;

import io.dragon.core.infrastructure.Pids;
import io.dragon.core.sync.Deadline;
import io.dragon.core.sync.WaitMode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * One operation on a remote channel at a time: the request is written into the gateway channel, the completion is
 * awaited on this call's own reply channel (see {@link GatewayLayout}). Buffers grow to the largest message seen
 * and are kept. An interruptible call that is interrupted while it waits asks the other node to cancel it
 * ({@link GatewayLayout#CANCEL}) and waits for the outcome: {@link GatewayLayout#CANCELLED} becomes an
 * InterruptedException; an operation that took effect first completes as usual, the interrupt kept set.
 *
 * <p>A call that has had no completion for {@link #WATCH_AFTER_NANOS} asks its agent to watch the node of the
 * request it sent last ({@link GatewayLayout#WATCH}), so that it fails with {@link GatewayLayout#LOST} rather than
 * wait forever if that node is lost; once that request's completion has come, it says so (UNWATCH).
 */
final class GatewayCall {
    /** Completions longer than this (received messages) travel in side allocations of the pool. */
    static final int REPLY_BLOCK_SIZE = 256;
    /** How long past the operation's own deadline the agents may take to answer before the call gives up. */
    private static final long ANSWER_GRACE_NANOS = TimeUnit.SECONDS.toNanos(30);
    /** How long a call waits for a completion before it asks its agent to watch the request's node. */
    static final long WATCH_AFTER_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private final LocalChannel gateway;
    private final LocalChannel replies;
    private final byte[] replyDescriptor;
    private ByteBuffer request = ByteBuffer.allocateDirect(1024).order(ByteOrder.LITTLE_ENDIAN);
    private ByteBuffer completion = ByteBuffer.allocateDirect(1024).order(ByteOrder.LITTLE_ENDIAN);
    /** The header and descriptors of the request watched (see the class), if {@link #watched} is not 0. */
    private ByteBuffer watch = ByteBuffer.allocateDirect(1024).order(ByteOrder.LITTLE_ENDIAN);
    private long watched;

    GatewayCall(LocalChannel gateway, LocalChannel replies) {
        this.gateway = gateway;
        this.replies = replies;
        this.replyDescriptor = replies.serialize();
    }

    /**
     * Performs {@code op} on the remote channel and waits for its completion.
     *
     * @param payload   SEND: the message (consumed); else null
     * @param maxLength RECV: the longest message the caller can take
     * @param timeout   nanoseconds the op may wait at the channel: {@link GatewayLayout#FOREVER}, 0 to try once
     * @return the completion's status; {@link #value()} and {@link #payload()} hold the rest
     * @throws InterruptedException if interrupted before the request was sent, or (if {@code timeout} is not 0)
     *     while it waited and it was cancelled before it took effect
     */
    int perform(long requestId, int op, RemoteChannel target, ByteBuffer payload, int maxLength, long timeout,
                WaitMode mode) throws InterruptedException {
        return perform(requestId, op, target.targetDescriptor(), target.host(), payload, maxLength, timeout, mode,
            timeout != 0, target.toString());
    }

    /**
     * Performs {@code op} on the node with host id {@code host}, about the channel with {@code targetDescriptor}
     * (empty for a {@link GatewayLayout#CALL}); {@code what} names the target in errors. If {@code interruptible},
     * an interrupt while it waits cancels it (see the class); otherwise it is kept for the caller.
     */
    int perform(long requestId, int op, byte[] targetDescriptor, long host, ByteBuffer payload, int maxLength,
                long timeout, WaitMode mode, boolean interruptible, String what) throws InterruptedException {
        long deadline = answerDeadline(timeout);
        post(requestId, op, targetDescriptor, host, payload, maxLength, timeout, mode, deadline);
        if (awaitCompletion(requestId, mode, deadline, what, interruptible)) {
            throw new InterruptedException("interrupted while waiting for " + what + "; cancelled there before it"
                + " took effect");
        }
        return status();
    }

    /**
     * Writes a request into the gateway channel, waiting until {@code deadline} for room: its header and
     * descriptors from this call's buffer, then {@code payload} (consumed; null: none) straight from where it lies.
     */
    void post(long requestId, int op, byte[] targetDescriptor, long host, ByteBuffer payload, int maxLength,
              long timeout, WaitMode mode, long deadline) throws InterruptedException {
        ByteBuffer out = requestBuffer(GatewayLayout.payloadOffset(targetDescriptor.length, replyDescriptor.length));
        out.putInt(OP_OFFSET, op).putInt(TARGET_LENGTH_OFFSET, targetDescriptor.length)
            .putInt(REPLY_LENGTH_OFFSET, replyDescriptor.length).putInt(MAX_LENGTH_OFFSET, maxLength)
            .putLong(REQUEST_ID_OFFSET, requestId).putLong(TIMEOUT_OFFSET, timeout).putLong(HOST_OFFSET, host)
            .putInt(PID_OFFSET, Pids.MINE);
        out.position(DESCRIPTORS_OFFSET);
        out.put(targetDescriptor).put(replyDescriptor);
        out.flip();
        gateway.send(out, payload, mode, deadline);
    }

    /** How long a caller waits for the completion of a request that may wait {@code timeout} at the channel. */
    static long answerDeadline(long timeout) {
        return timeout == GatewayLayout.FOREVER ? Deadline.FOREVER : System.nanoTime() + timeout + ANSWER_GRACE_NANOS;
    }

    /** The completion's request id. */
    long completionId() {
        return completion.getLong(COMPLETION_ID_OFFSET);
    }

    int status() {
        return completion.getInt(STATUS_OFFSET);
    }

    int value() {
        return completion.getInt(VALUE_OFFSET);
    }

    int capacity() {
        return completion.getInt(CAPACITY_OFFSET);
    }

    int blockSize() {
        return completion.getInt(BLOCK_SIZE_OFFSET);
    }

    /** The completion's payload: the received message, or the text of an error. */
    ByteBuffer payload() {
        return completion.duplicate().position(COMPLETION_PAYLOAD_OFFSET);
    }

    String errorText() {
        ByteBuffer text = payload();
        byte[] bytes = new byte[text.remaining()];
        text.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /**
     * Waits for this call's completion, skipping those of calls that gave up earlier and growing the buffer for a
     * long one. On an interrupt, if {@code interruptible}, sends the request's header and descriptors as a CANCEL
     * and goes on waiting for the outcome; otherwise, or if the operation took effect anyway, the interrupt stays
     * set for the caller.
     *
     * @return whether the request was cancelled (the interrupt is then consumed)
     */
    private boolean awaitCompletion(long requestId, WaitMode mode, long deadline, String what,
                                    boolean interruptible) {
        boolean interrupted = false;
        boolean cancelling = false;
        while (!received(requestId, mode, deadline, what)) {
            if (Thread.interrupted()) {
                interrupted = true;
                if (interruptible && !cancelling) {
                    cancelling = true;
                    cancel(mode);
                }
            }
        }
        if (cancelling && status() == CANCELLED) {
            return true;
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return false;
    }

    /** Sends the request in {@link #request} (its header and descriptors) as a CANCEL of itself. */
    private void cancel(WaitMode mode) {
        ByteBuffer cancel = request.duplicate().order(ByteOrder.LITTLE_ENDIAN).position(0);
        sendControl(cancel.putInt(OP_OFFSET, CANCEL), mode);
    }

    /** Asks the agent to watch the node of the request in {@link #request}, the last this call sent. */
    private void watch(WaitMode mode) {
        if (watch.capacity() < request.limit()) {
            watch = ByteBuffer.allocateDirect(request.limit()).order(ByteOrder.LITTLE_ENDIAN);
        }
        watch.clear();
        watch.put(request.duplicate().position(0)).flip();
        watched = watch.getLong(REQUEST_ID_OFFSET);
        watch.putLong(TIMEOUT_OFFSET, watch.getInt(OP_OFFSET)).putInt(OP_OFFSET, WATCH);
        sendControl(watch, mode);
    }

    /** The watched request has completed: the agent may stop watching it. */
    private void unwatch(WaitMode mode) {
        watched = 0;
        sendControl(watch.putInt(OP_OFFSET, UNWATCH), mode);
    }

    /** Sends the header and descriptors of a CANCEL, WATCH or UNWATCH (no completion), even if interrupted. */
    private void sendControl(ByteBuffer header, WaitMode mode) {
        boolean interrupted = false;
        for (;;) {
            try {
                gateway.send(header.position(0), mode, Deadline.FOREVER);
                break;
            } catch (InterruptedException e) {
                interrupted = true; // interrupted before it was sent: send it anyway
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether the next completion is this call's; false after an interrupt too. */
    private boolean received(long requestId, WaitMode mode, long deadline, String what) {
        try {
            if (!nextCompletion(mode, deadline)) {
                throw new ChannelException("no answer about " + what + " from the transport agents within "
                    + TimeUnit.NANOSECONDS.toSeconds(ANSWER_GRACE_NANOS) + " s after the operation's deadline; is"
                    + " the runtime still up?");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return completionId() == requestId;
    }

    /**
     * Receives the next completion on this call's reply channel, whichever request it answers, waiting until
     * {@code deadline} (0: not at all); after {@link #WATCH_AFTER_NANOS} it has the node of the last request sent
     * watched.
     *
     * @return false if none came
     */
    boolean nextCompletion(WaitMode mode, long deadline) throws InterruptedException {
        long watchAt = deadline != 0 && watched != request.getLong(REQUEST_ID_OFFSET)
            && Deadline.remaining(deadline) > WATCH_AFTER_NANOS
            ? System.nanoTime() + WATCH_AFTER_NANOS : 0;
        for (;;) {
            completion.clear();
            try {
                if (deadline == 0) {
                    if (replies.tryRecv(completion) < 0) {
                        return false;
                    }
                } else {
                    replies.recv(completion, mode, watchAt == 0 ? deadline : watchAt);
                }
                completion.flip();
                if (watched != 0 && completionId() == watched) {
                    unwatch(mode);
                }
                return true;
            } catch (ChannelEmptyException e) {
                if (watchAt == 0) {
                    return false;
                }
                watchAt = 0;
                watch(mode);
            } catch (MessageTooLargeException e) {
                completion = ByteBuffer.allocateDirect(e.messageLength()).order(ByteOrder.LITTLE_ENDIAN);
            }
        }
    }

    private ByteBuffer requestBuffer(int length) {
        if (request.capacity() < length) {
            request = ByteBuffer.allocateDirect(Math.max(length, 2 * request.capacity()))
                .order(ByteOrder.LITTLE_ENDIAN);
        }
        return request.clear();
    }
}
