package io.dragon.core.channels;

import io.dragon.core.infrastructure.LaunchParameters;
import io.dragon.core.memory.Pool;
import io.dragon.core.sync.WaitMode;
import java.nio.ByteBuffer;
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
    private final ConcurrentLinkedQueue<GatewayCall> idle = new ConcurrentLinkedQueue<>();
    private final AtomicLong requestIds = new AtomicLong(ThreadLocalRandom.current().nextLong() >>> 1);

    private Gateway(LocalChannel channel) {
        this.channel = channel;
    }

    /** Makes the gateway channel with this descriptor the way this process reaches other nodes. */
    public static synchronized void install(byte[] gatewayChannel) {
        current = new Gateway(LocalChannel.attach(ChannelDescriptor.deserialize(gatewayChannel)));
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
                    byte[] descriptor = System.getenv(LaunchParameters.Var.DRAGON_GW_CD.name()) == null ? null
                        : LaunchParameters.fromEnvironment().gwChannel();
                    if (descriptor == null) {
                        throw new ChannelException("the channel lives on another node, and this process has no"
                            + " gateway to other nodes (it was not started by a multi-node runtime)");
                    }
                    install(descriptor);
                }
                gateway = current;
            }
        }
        return gateway;
    }

    /**
     * Runs a serialized {@link java.util.concurrent.Callable} on the node with host id {@code host} (by its
     * transport agent), waiting up to {@code timeoutNanos} ({@link GatewayLayout#FOREVER} for no limit) plus the
     * agents' grace.
     *
     * @return the serialized outcome, and whether it is an exception the callable threw
     */
    public Outcome call(long host, byte[] callable, long timeoutNanos) {
        GatewayCall call = borrow();
        try {
            int status = call.perform(nextRequestId(), GatewayLayout.CALL, new byte[0], host,
                ByteBuffer.wrap(callable), 0, timeoutNanos, WaitMode.SLEEP, "a call on host "
                    + Long.toHexString(host));
            if (status != GatewayLayout.OK && status != GatewayLayout.THREW) {
                throw new ChannelException(call.errorText());
            }
            ByteBuffer payload = call.payload();
            byte[] bytes = new byte[payload.remaining()];
            payload.get(bytes);
            return new Outcome(bytes, status == GatewayLayout.THREW);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChannelException("interrupted before the call on host " + Long.toHexString(host) + " was sent");
        } finally {
            release(call);
        }
    }

    /** What a remote call returned (serialized), or the exception it threw. */
    public record Outcome(byte[] value, boolean threw) {
    }

    GatewayCall borrow() {
        GatewayCall call = idle.poll();
        return call != null ? call : new GatewayCall(channel, newReplyChannel());
    }

    void release(GatewayCall call) {
        idle.offer(call);
    }

    long nextRequestId() {
        return requestIds.incrementAndGet();
    }

    /** Reply channels live beside the gateway channel, in the node's infrastructure pool, until the runtime ends. */
    private LocalChannel newReplyChannel() {
        Pool pool = channel.pool();
        return LocalChannel.create(pool, ThreadLocalRandom.current().nextLong(Long.MIN_VALUE, 0), 2,
            GatewayCall.REPLY_BLOCK_SIZE);
    }
}
