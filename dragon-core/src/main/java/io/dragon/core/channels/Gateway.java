package io.dragon.core.channels;

import io.dragon.core.infrastructure.Ids;
import io.dragon.core.infrastructure.LaunchParameters;
import io.dragon.core.infrastructure.Settings;
import io.dragon.core.memory.MemoryPool;
import io.dragon.core.messages.MessageChannel;
import io.dragon.core.messages.Messages.SHReplyChannel;
import io.dragon.core.sync.WaitMode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * This process's way to channels of other nodes: the node's gateway channel, read by the node's transport agent,
 * and a stock of {@link GatewayCall}s, each with the reply channel its completions come back on. Calls are reused,
 * so an operation on a remote channel allocates nothing once the stock has grown to the process's concurrency.
 */
public final class Gateway {
    private static volatile Gateway current;

    private final LocalChannel channel;
    /** Where reply channels are registered, so that they are freed when this process exits; null: never. */
    private final MessageChannel localServices;
    /** The managed process this process runs as (its own p_uid, or that of the managed process that started it). */
    private final long puid;
    private final ConcurrentLinkedQueue<GatewayCall> idle = new ConcurrentLinkedQueue<>();
    /**
     * This process's send window to each channel of another node it used, by c_uid: every operation looks at it,
     * and only one that sends with WHEN_BUFFERED gives it a reply channel.
     */
    private final Map<Long, SendWindow> windows = new ConcurrentHashMap<>();
    private final AtomicLong requestIds = new AtomicLong(ThreadLocalRandom.current().nextLong() >>> 1);

    private Gateway(LocalChannel channel, MessageChannel localServices, long puid) {
        this.channel = channel;
        this.localServices = localServices;
        this.puid = puid;
    }

    /**
     * Makes the gateway channel with this descriptor the way this process reaches other nodes. For the services,
     * which live as long as the runtime: their reply channels go with the infrastructure pool.
     */
    public static synchronized void install(byte[] gatewayChannel) {
        current = new Gateway(LocalChannel.attach(ChannelDescriptor.deserialize(gatewayChannel)), null, 0);
    }

    /**
     * The gateway of this process, from its launch parameters on first use.
     *
     * @throws ChannelException if this process has none (a single-node runtime, or a process not started by it)
     */
    public static Gateway current() {
        Gateway gateway = current;
        if (gateway == null) {
            synchronized (Gateway.class) {
                if (current == null) {
                    LaunchParameters params = System.getenv(Settings.Variable.DRAGON_GW_CD.name()) == null
                        ? null : LaunchParameters.fromEnvironment();
                    if (params == null || params.gwChannel() == null) {
                        throw new ChannelException("the channel lives on another node, and this process has no"
                            + " gateway to other nodes (it was not started by a multi-node runtime)");
                    }
                    boolean managed = Ids.isUserId(params.puid()) && params.localServicesChannel() != null;
                    current = new Gateway(LocalChannel.attach(ChannelDescriptor.deserialize(params.gwChannel())),
                        managed ? MessageChannel.attach(params.localServicesChannel()) : null, params.puid());
                }
                gateway = current;
            }
        }
        return gateway;
    }

    /**
     * Runs a serialized {@link java.util.concurrent.Callable} on the node with host id {@code host} (by its
     * transport agent), waiting up to {@code timeoutNanos} ({@link GatewayLayout#FOREVER} for no limit) plus the
     * agents' grace. An interrupt is kept for the caller.
     *
     * @return the serialized outcome, and whether it is an exception the callable threw
     */
    public Outcome call(long host, byte[] callable, long timeoutNanos) {
        try {
            return call(host, callable, timeoutNanos, false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChannelException("interrupted before the call on host " + Long.toHexString(host) + " was sent");
        }
    }

    /**
     * {@link #call(long, byte[], long)}, but an interrupt while it waits on the other node cancels it there: the
     * thread running it is interrupted, and what it throws (an InterruptedException, for a wait) is the outcome.
     *
     * @throws InterruptedException if interrupted before the call was sent
     */
    public Outcome callInterruptibly(long host, byte[] callable, long timeoutNanos) throws InterruptedException {
        return call(host, callable, timeoutNanos, true);
    }

    private Outcome call(long host, byte[] callable, long timeoutNanos, boolean interruptible)
        throws InterruptedException {
        Completion completion = perform(GatewayLayout.CALL, host, new byte[0], ByteBuffer.wrap(callable), timeoutNanos,
            interruptible && timeoutNanos != 0, "a call on host " + Long.toHexString(host));
        if (completion.status() != GatewayLayout.OK && completion.status() != GatewayLayout.THREW) {
            throw new ChannelException(completion.text());
        }
        return new Outcome(completion.payload(), completion.status() == GatewayLayout.THREW);
    }

    /** What a remote call returned (serialized), or the exception it threw. */
    public record Outcome(byte[] value, boolean threw) {
    }

    /**
     * Performs gateway operation {@code op} about the object {@code target} describes on the node with host id
     * {@code host}, once there, without waiting at the target (a {@link GatewayLayout#SHARD}); {@code what} names
     * the target in errors. An interrupt is kept for the caller.
     *
     * @param payload the request's payload, consumed
     * @return its completion
     * @throws ChannelException if interrupted while it waited for room in the gateway channel (nothing was sent)
     */
    public Completion perform(int op, long host, byte[] target, ByteBuffer payload, String what) {
        try {
            return perform(op, host, target, payload, 0, false, what);
        } catch (InterruptedException e) { // while it waited for room in the gateway channel: nothing was sent
            Thread.currentThread().interrupt();
            throw new ChannelException("interrupted before " + what + " was asked");
        }
    }

    private Completion perform(int op, long host, byte[] target, ByteBuffer payload, long timeoutNanos,
                               boolean interruptible, String what) throws InterruptedException {
        GatewayCall call = borrow();
        try {
            int status = call.perform(nextRequestId(), op, target, host, payload, 0, timeoutNanos, WaitMode.SLEEP,
                interruptible, what);
            ByteBuffer bytes = call.payload();
            byte[] copy = new byte[bytes.remaining()];
            bytes.get(copy);
            return new Completion(status, call.value(), copy);
        } finally {
            release(call);
        }
    }

    /**
     * The completion of a gateway operation (see {@link GatewayLayout}): its status, value and payload.
     *
     * @param status  {@link GatewayLayout#OK} .. {@link GatewayLayout#LOST}
     * @param value   what the operation answered in the completion's value field
     * @param payload its payload: a result, or the text of what went wrong
     */
    public record Completion(int status, int value, byte[] payload) {
        /** The payload as text: what went wrong, for an error status. */
        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    GatewayCall borrow() {
        GatewayCall call = idle.poll();
        return call != null ? call : newCall(2);
    }

    /** A call of its own, whose reply channel holds {@code capacity} completions. */
    GatewayCall newCall(int capacity) {
        return new GatewayCall(channel, newReplyChannel(capacity));
    }

    /**
     * This process's send window to the channel {@code cuid}, shared by its handles, so that the order of its
     * sends holds whichever handle makes them.
     */
    SendWindow window(long cuid) {
        return windows.computeIfAbsent(cuid, c -> new SendWindow(this));
    }

    /** Forgets the window to a channel that is gone (its reply channel stays until this process exits). */
    void forget(long cuid, SendWindow window) {
        windows.remove(cuid, window);
    }

    void release(GatewayCall call) {
        idle.offer(call);
    }

    long nextRequestId() {
        return requestIds.incrementAndGet();
    }

    /**
     * Reply channels live beside the gateway channel, in the node's infrastructure pool. A managed process's are
     * registered with Local Services, which destroys them once the process has exited (one made by a process
     * killed before it could register it stays until the runtime ends); the services' last as long as the pool.
     */
    private LocalChannel newReplyChannel(int capacity) {
        MemoryPool pool = channel.pool();
        LocalChannel replies = LocalChannel.create(pool, ThreadLocalRandom.current().nextLong(Long.MIN_VALUE, 0),
            capacity, GatewayCall.REPLY_BLOCK_SIZE);
        if (localServices != null) {
            try {
                register(replies);
            } catch (RuntimeException e) {
                replies.destroy();
                throw e;
            }
        }
        return replies;
    }

    /** Tells Local Services; an interrupt does not stop it (as it does not stop a gateway call), it stays set. */
    private void register(LocalChannel replies) {
        SHReplyChannel registration = new SHReplyChannel(requestIds.incrementAndGet(), puid,
            ProcessHandle.current().pid(), replies.serialize());
        boolean interrupted = false;
        try {
            for (;;) {
                try {
                    localServices.send(registration);
                    return;
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
