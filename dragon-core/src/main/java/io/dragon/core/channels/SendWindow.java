package io.dragon.core.channels;

import static io.dragon.core.channels.GatewayLayout.DESTROYED;
import static io.dragon.core.channels.GatewayLayout.FULL;
import static io.dragon.core.channels.GatewayLayout.LOST;
import static io.dragon.core.channels.GatewayLayout.OK;
import static io.dragon.core.channels.GatewayLayout.SEND_BUFFERED;
import static io.dragon.core.channels.GatewayLayout.TOO_LARGE;

import io.dragon.core.sync.Deadline;
import io.dragon.core.sync.WaitMode;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;

/**
 * This process's sends to one channel of another node that return once buffered ({@link SendReturn#WHEN_BUFFERED}).
 * Their requests (op {@link GatewayLayout#SEND_BUFFERED}) name the window's own reply channel, so the channel's
 * agent performs them in the order sent, and their completions come back there. Flow control: at most
 * {@link #MAX_MESSAGES} messages and {@link #MAX_BYTES} bytes are in flight (sent, not yet known to be deposited); a
 * send past that waits for the oldest to complete, so a full or slow channel pushes back on its senders and what
 * the agents hold is bounded. A failed completion is kept and thrown by the next operation on the channel.
 *
 * <p>While messages are in flight, a send that returns when deposited (or tries once) goes the same way, so that it
 * cannot overtake them, and waits for its own completion (uninterruptibly: its requester cannot cancel it). The
 * window's threads take turns (a lock), so the process's messages to the channel keep the order of the sends.
 */
final class SendWindow {
    /** Messages in flight at most. */
    static final int MAX_MESSAGES = 64;
    /** Bytes in flight at most (one message larger than this travels alone). */
    static final long MAX_BYTES = 8L << 20;

    private final ReentrantLock lock = new ReentrantLock();
    private final Gateway gateway;
    /** With the window's reply channel, made by the first send that goes through the window; guarded by lock. */
    private GatewayCall call;
    /** Request ids in flight, by slot (0: free), and their messages' lengths. */
    private final long[] ids = new long[MAX_MESSAGES];
    private final int[] lengths = new int[MAX_MESSAGES];
    private volatile int inFlight;
    private long bytes;
    /** The first failure not yet thrown, and how many more came with it. */
    private volatile RuntimeException failure;
    private int moreFailures;

    SendWindow(Gateway gateway) {
        this.gateway = gateway;
    }

    /** Whether a send must go through this window to keep its order, or a failure waits to be thrown. */
    boolean busy() {
        return inFlight > 0 || failure != null;
    }

    /**
     * Sends {@code src} (consumed), returning once the request is in the gateway channel; waits until
     * {@code deadline} for the window to have room.
     *
     * @throws ChannelFullException if the window stayed full until the deadline: nothing was sent
     */
    void sendBuffered(RemoteChannel target, ByteBuffer src, WaitMode mode, long deadline)
        throws InterruptedException {
        lock.lockInterruptibly();
        try {
            post(target, src, mode, deadline, RemoteChannel.timeout(deadline));
        } finally {
            lock.unlock();
        }
    }

    /**
     * Sends {@code src} behind the messages in flight, waiting at the channel as {@code timeout} says (0: not at
     * all), and returns its status once it was performed: OK (consumed) or FULL; another status is thrown.
     */
    int sendInOrder(RemoteChannel target, ByteBuffer src, WaitMode mode, long timeout) {
        boolean interrupted = false;
        lock.lock();
        try {
            long deadline = GatewayCall.answerDeadline(timeout);
            long id;
            for (;;) {
                try {
                    id = post(target, src, mode, deadline, timeout);
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            for (;;) {
                try {
                    if (!call.nextCompletion(mode, deadline)) {
                        throw new ChannelException("no answer about a send to " + target + " from the transport"
                            + " agents; is the runtime still up?");
                    }
                    int status = call.status();
                    if (account(target, id) == id) {
                        if (status == OK || status == FULL) {
                            return status;
                        }
                        throw failure(target, status);
                    }
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            lock.unlock();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Waits until every message in flight has been performed, then throws the first failure, if any. */
    void flush(RemoteChannel target, WaitMode mode) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            while (inFlight > 0) {
                if (call.nextCompletion(mode, Deadline.FOREVER)) {
                    account(target, 0);
                }
            }
            throwFailure();
        } finally {
            lock.unlock();
        }
    }

    /** Takes the completions that have come, then throws the first failure, if any: before any other operation. */
    void check(RemoteChannel target) {
        if (!busy()) {
            return;
        }
        lock.lock();
        try {
            collect(target);
            throwFailure();
        } finally {
            lock.unlock();
        }
    }

    /** Under the lock: waits for room, posts the request and counts it in flight; returns its id. */
    private long post(RemoteChannel target, ByteBuffer src, WaitMode mode, long deadline, long timeout)
        throws InterruptedException {
        if (call == null) {
            call = gateway.newCall(MAX_MESSAGES + 2);
        }
        collect(target);
        throwFailure();
        int length = src.remaining();
        while (inFlight == MAX_MESSAGES || inFlight > 0 && bytes + length > MAX_BYTES) {
            // asleep: a full window waits for the channel's node, and spinning would take a core the agents need
            if (!call.nextCompletion(WaitMode.SLEEP, deadline)) {
                throw new ChannelFullException(target + " did not take the messages sent before until the deadline:"
                    + " receivers are not keeping up; nothing was sent");
            }
            account(target, 0);
            throwFailure();
        }
        long id = gateway.nextRequestId();
        call.post(id, SEND_BUFFERED, target.targetDescriptor(), target.host(), src, 0, timeout, mode, deadline);
        int slot = 0;
        while (ids[slot] != 0) {
            slot++;
        }
        ids[slot] = id;
        lengths[slot] = length;
        bytes += length;
        inFlight++;
        return id;
    }

    private void collect(RemoteChannel target) {
        try {
            while (inFlight > 0 && call.nextCompletion(WaitMode.SPIN, 0)) {
                account(target, 0);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // never: a try does not wait
        }
    }

    /**
     * Counts the completion just received: frees its slot and, unless it answers {@code own} (whose sender hears
     * itself), keeps its failure; returns its request id.
     */
    private long account(RemoteChannel target, long own) {
        long id = call.completionId();
        for (int slot = 0; slot < MAX_MESSAGES; slot++) {
            if (ids[slot] == id) {
                ids[slot] = 0;
                bytes -= lengths[slot];
                inFlight--;
                int status = call.status();
                if (status != OK && id != own) {
                    keep(target, status);
                }
                if (status == LOST) {
                    forgetInFlight(); // sent before it: their node is gone too, and no completion comes for them
                }
                return id;
            }
        }
        return id; // a completion for no request in flight: only a forged one could be
    }

    /** Counts every message still in flight as failed, as lost with its node. */
    private void forgetInFlight() {
        if (failure != null) {
            moreFailures += inFlight;
        }
        Arrays.fill(ids, 0);
        inFlight = 0;
        bytes = 0;
    }

    private void keep(RemoteChannel target, int status) {
        if (failure == null) {
            failure = failure(target, status);
        } else {
            moreFailures++;
        }
        if (status == DESTROYED) {
            gateway.forget(target.cuid(), this);
        }
    }

    private void throwFailure() {
        RuntimeException first = failure;
        if (first == null) {
            return;
        }
        int more = moreFailures;
        failure = null;
        moreFailures = 0;
        if (more > 0) {
            first.addSuppressed(new ChannelException(more + " more messages sent before were not deposited either"));
        }
        throw first;
    }

    /** What a failed completion of a message sent earlier means to its sender. */
    private RuntimeException failure(RemoteChannel target, int status) {
        String earlier = "a message sent to " + target + " before this operation (it returned once buffered) was"
            + " not deposited: ";
        return switch (status) {
            case DESTROYED -> new ChannelDestroyedException(target.cuid());
            case FULL -> new ChannelFullException(earlier + "the channel stayed full until that send's deadline");
            case TOO_LARGE -> new MessageTooLargeException(earlier + call.errorText(), call.value());
            default -> new ChannelException(earlier + call.errorText());
        };
    }
}
