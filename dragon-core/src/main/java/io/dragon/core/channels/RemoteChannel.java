package io.dragon.core.channels;

import static io.dragon.core.channels.GatewayLayout.AWAIT_RECV;
import static io.dragon.core.channels.GatewayLayout.AWAIT_SEND;
import static io.dragon.core.channels.GatewayLayout.DESTROY;
import static io.dragon.core.channels.GatewayLayout.DESTROYED;
import static io.dragon.core.channels.GatewayLayout.EMPTY;
import static io.dragon.core.channels.GatewayLayout.FAILED;
import static io.dragon.core.channels.GatewayLayout.FULL;
import static io.dragon.core.channels.GatewayLayout.INFO;
import static io.dragon.core.channels.GatewayLayout.OK;
import static io.dragon.core.channels.GatewayLayout.RECV;
import static io.dragon.core.channels.GatewayLayout.SEND;
import static io.dragon.core.channels.GatewayLayout.TOO_LARGE;

import io.dragon.core.serialization.SerialFilter;
import io.dragon.core.sync.Deadline;
import io.dragon.core.sync.WaitMode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * A channel of another node, reached through this node's transport agent: every operation is a gateway request
 * (see {@link GatewayLayout}) that the channel's own node performs, with the same semantics and exceptions as on a
 * {@link LocalChannel}. Timeouts are carried as durations, so the nodes' clocks need not agree. Sends that return
 * once buffered go through the process's {@link SendWindow} to the channel, and so does every send while some of
 * those are in flight; every other operation first throws what failed of them.
 */
public final class RemoteChannel extends Channel {
    private final Gateway gateway;
    private final byte[] targetDescriptor;
    private final long host;
    private volatile int capacity;
    private volatile int blockSize;
    private SendWindow window;

    RemoteChannel(ChannelDescriptor descriptor, Gateway gateway) {
        super(descriptor);
        this.gateway = gateway;
        this.targetDescriptor = descriptor.serialize();
        this.host = descriptor.allocation().pool().hostId();
    }

    byte[] targetDescriptor() {
        return targetDescriptor;
    }

    long host() {
        return host;
    }

    @Override
    public int capacity() {
        if (capacity == 0) {
            info();
        }
        return capacity;
    }

    @Override
    public int blockSize() {
        if (blockSize == 0) {
            info();
        }
        return blockSize;
    }

    @Override
    public int size() {
        return info();
    }

    @Override
    public boolean canRecv() {
        return awaitReady(AWAIT_RECV, 0);
    }

    @Override
    public boolean canSend() {
        return awaitReady(AWAIT_SEND, 0);
    }

    @Override
    public boolean awaitRecv(long timeout, TimeUnit unit) throws InterruptedException {
        return awaitReadyInterruptibly(AWAIT_RECV, timeout(Deadline.after(timeout, unit)));
    }

    @Override
    public boolean awaitSend(long timeout, TimeUnit unit) throws InterruptedException {
        return awaitReadyInterruptibly(AWAIT_SEND, timeout(Deadline.after(timeout, unit)));
    }

    @Override
    public boolean trySend(ByteBuffer src) {
        return uninterruptibly(() -> sendWithin(src, waitMode(), 0) == OK);
    }

    @Override
    public void send(ByteBuffer src, WaitMode mode, long deadline, SendReturn when) throws InterruptedException {
        if (when == SendReturn.WHEN_BUFFERED) {
            window().sendBuffered(this, src, mode, deadline);
        } else if (sendWithin(src, mode, timeout(deadline)) == FULL) {
            throw new ChannelFullException(this + " stayed full until the deadline: receivers are not keeping up;"
                + " nothing was sent");
        }
    }

    @Override
    public void flush() throws InterruptedException {
        window().flush(this, waitMode());
    }

    @Override
    public int tryRecv(ByteBuffer dst) {
        return uninterruptibly(() -> recvWithin(dst, waitMode(), 0));
    }

    @Override
    public int recv(ByteBuffer dst, WaitMode mode, long deadline) throws InterruptedException {
        int length = recvWithin(dst, mode, timeout(deadline));
        if (length < 0) {
            throw empty();
        }
        return length;
    }

    @Override
    public byte[] tryRecv() {
        return uninterruptibly(() -> recvBytesWithin(waitMode(), 0));
    }

    @Override
    public byte[] recv(WaitMode mode, long deadline) throws InterruptedException {
        byte[] message = recvBytesWithin(mode, timeout(deadline));
        if (message == null) {
            throw empty();
        }
        return message;
    }

    /** Looks on the channel's own node, run there by its transport agent (a remote call, see {@link OnOwner}). */
    @Override
    public Peeked peek(long from, long end, int maxMessages, int maxBytes) {
        return (Peeked) onOwner(new OnOwner(targetDescriptor, false, from, end, maxMessages, maxBytes));
    }

    /** Removes on the channel's own node, as {@link #peek} looks there. */
    @Override
    public boolean remove(long position) {
        return (Boolean) onOwner(new OnOwner(targetDescriptor, true, position, 0, 0, 0));
    }

    @Override
    public void destroy() {
        uninterruptibly(() -> {
            GatewayCall call = gateway.borrow();
            try {
                check(call, call.perform(gateway.nextRequestId(), DESTROY, this, null, 0, 0, waitMode()));
                return null;
            } finally {
                gateway.release(call);
            }
        });
    }

    @Override
    public boolean isDestroyed() {
        try {
            info();
            return false;
        } catch (ChannelDestroyedException e) {
            return true;
        }
    }

    @Override
    public String toString() {
        return "channel " + cuid() + " (on host " + Long.toHexString(host) + ", through the transport agent)";
    }

    // ---- the calls

    /**
     * Runs {@code call} on the channel's node and returns what it returned, or throws what it threw. A remote call
     * rather than a gateway operation of its own: looking and removing are rare, and may answer with many messages.
     */
    private Object onOwner(OnOwner call) {
        checkSends();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(call);
        } catch (IOException e) {
            throw new ChannelException("cannot serialize a call on " + this + ": " + e);
        }
        Gateway.Outcome outcome = gateway.call(host, bytes.toByteArray(), 0);
        Object value;
        try {
            value = SerialFilter.configured(SerialFilter.Scope.PROGRAM).read(new ByteArrayInputStream(
                outcome.value()), outcome.value().length);
        } catch (IOException | ClassNotFoundException e) {
            throw new ChannelException("cannot read the answer about " + this + ": " + e);
        }
        if (!outcome.threw()) {
            return value;
        }
        if (value instanceof RuntimeException e) {
            throw e; // a ChannelDestroyedException, say
        }
        throw new ChannelException("the call on " + this + " failed there: " + value);
    }

    /**
     * {@link LocalChannel#peek} (or, if {@code remove}, {@link LocalChannel#remove} of position {@code from}) on the
     * channel of {@code descriptor}, run by the transport agent of its node.
     */
    private record OnOwner(byte[] descriptor, boolean remove, long from, long end, int maxMessages, int maxBytes)
        implements Callable<Object>, Serializable {
        @Override
        public Object call() {
            LocalChannel channel = LocalChannel.attach(ChannelDescriptor.deserialize(descriptor));
            return remove ? (Object) channel.remove(from) : channel.peek(from, end, maxMessages, maxBytes);
        }
    }

    /** Sends with a timeout in gateway terms; returns OK or FULL. */
    private int sendWithin(ByteBuffer src, WaitMode mode, long timeout) throws InterruptedException {
        SendWindow inFlight = window();
        if (inFlight.busy()) {
            int status = inFlight.sendInOrder(this, src.duplicate(), mode, timeout);
            if (status == OK) {
                src.position(src.limit());
            }
            return status;
        }
        GatewayCall call = gateway.borrow();
        try {
            int status = call.perform(gateway.nextRequestId(), SEND, this, src.duplicate(), 0, timeout, mode);
            if (status == OK) {
                src.position(src.limit());
            }
            return status == FULL ? FULL : check(call, status);
        } finally {
            gateway.release(call);
        }
    }

    /** This process's send window to the channel. */
    private SendWindow window() {
        SendWindow known = window;
        if (known == null) {
            known = gateway.window(cuid());
            window = known;
        }
        return known;
    }

    /** Before an operation other than a send: throws what failed of this process's sends in flight, any handle's. */
    private void checkSends() {
        window().check(this);
    }

    /** Receives into {@code dst}; returns the length, or -1 if the channel stayed empty. */
    private int recvWithin(ByteBuffer dst, WaitMode mode, long timeout) throws InterruptedException {
        if (dst.isReadOnly()) {
            throw new ReadOnlyBufferException();
        }
        checkSends();
        GatewayCall call = gateway.borrow();
        try {
            int status = call.perform(gateway.nextRequestId(), RECV, this, null, dst.remaining(), timeout, mode);
            if (status == EMPTY) {
                return -1;
            }
            if (status == TOO_LARGE) {
                throw new MessageTooLargeException("the next message on " + this + " is " + call.value() + " bytes"
                    + " but the receive buffer has room for " + dst.remaining() + "; it stays in the channel",
                    call.value());
            }
            check(call, status);
            dst.put(call.payload());
            return call.value();
        } finally {
            gateway.release(call);
        }
    }

    private byte[] recvBytesWithin(WaitMode mode, long timeout) throws InterruptedException {
        checkSends();
        GatewayCall call = gateway.borrow();
        try {
            int status = call.perform(gateway.nextRequestId(), RECV, this, null, Integer.MAX_VALUE, timeout, mode);
            if (status == EMPTY) {
                return null;
            }
            check(call, status);
            byte[] message = new byte[call.value()];
            call.payload().get(message);
            return message;
        } finally {
            gateway.release(call);
        }
    }

    /** The channel's size; learns its shape on the way. */
    private int info() {
        checkSends();
        return uninterruptibly(() -> {
            GatewayCall call = gateway.borrow();
            try {
                check(call, call.perform(gateway.nextRequestId(), INFO, this, null, 0, 0, waitMode()));
                capacity = call.capacity();
                blockSize = call.blockSize();
                return call.value();
            } finally {
                gateway.release(call);
            }
        });
    }

    private boolean awaitReady(int op, long timeout) {
        return uninterruptibly(() -> awaitReadyInterruptibly(op, timeout));
    }

    private boolean awaitReadyInterruptibly(int op, long timeout) throws InterruptedException {
        checkSends();
        GatewayCall call = gateway.borrow();
        try {
            check(call, call.perform(gateway.nextRequestId(), op, this, null, 0, timeout, waitMode()));
            return call.value() != 0;
        } finally {
            gateway.release(call);
        }
    }

    /** Turns an error status into the exception a local channel would throw. */
    private int check(GatewayCall call, int status) {
        switch (status) {
            case OK:
                return OK;
            case DESTROYED:
                throw new ChannelDestroyedException(cuid());
            case TOO_LARGE:
                throw new MessageTooLargeException(call.errorText(), call.value());
            case FAILED:
            default:
                throw new ChannelException(call.errorText());
        }
    }

    private ChannelEmptyException empty() {
        return new ChannelEmptyException("no message arrived on " + this + " before the deadline");
    }

    /** A deadline as the gateway's timeout: nanoseconds left, or FOREVER. */
    static long timeout(long deadline) {
        return deadline == Deadline.FOREVER ? GatewayLayout.FOREVER : Math.max(0, Deadline.remaining(deadline));
    }

    private interface Interruptible<T> {
        T run() throws InterruptedException;
    }

    /** Runs a call that does not wait at the channel; an interrupt is kept for the caller to see. */
    private static <T> T uninterruptibly(Interruptible<T> call) {
        boolean interrupted = Thread.interrupted();
        try {
            for (;;) {
                try {
                    return call.run();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
