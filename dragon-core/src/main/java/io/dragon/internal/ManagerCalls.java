package io.dragon.internal;

import io.dragon.Codecs;
import io.dragon.DragonException;
import io.dragon.ObjectDestroyedException;
import io.dragon.Output;
import io.dragon.core.channels.Channel;
import io.dragon.core.channels.ChannelDestroyedException;
import io.dragon.core.channels.ChannelEmptyException;
import io.dragon.core.channels.ChannelException;
import io.dragon.core.channels.ChannelFullException;
import io.dragon.core.channels.Gateway;
import io.dragon.core.infrastructure.HostId;
import io.dragon.core.infrastructure.Ids;
import io.dragon.core.messages.Messages.ChannelInfo;
import io.dragon.core.messages.Messages.ProcessInfo;
import io.dragon.core.messages.Messages.ProcessState;
import io.dragon.core.sync.Deadline;
import io.dragon.core.sync.WaitMode;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A request to a {@link io.dragon.DDict}'s manager and the wait for its reply ({@link DDictFrames}). Each call
 * borrows a reply channel of this process's node from a process-wide stock (made as needed, reused, never more than
 * the calls in flight at once), so a thread waits only for its own reply; a reply to an earlier call that gave up is
 * recognised by its request id and dropped.
 *
 * <p>A wait checks, each {@link #CHECK_NANOS}, that the manager still runs and its node still answers: a manager
 * that died, or whose node was lost, fails the call naming it, instead of leaving the caller waiting forever.
 */
public final class ManagerCalls implements AutoCloseable {
    /** Replies a reply channel holds: one for its call, the rest room for late replies of calls that gave up. */
    private static final int REPLY_CAPACITY = 8;
    private static final int REPLY_BLOCK = 256;
    private static final long CHECK_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** How long the manager's node has to answer a probe: a busy agent is not a lost one. */
    private static final long PROBE_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** How long a request may wait for room in the manager's channel (1,024 requests) before the call fails. */
    private static final long SEND_SECONDS = 60;
    private static final ConcurrentLinkedQueue<ReplyChannel> STOCK = new ConcurrentLinkedQueue<>();
    private static final AtomicLong IDS = new AtomicLong();

    private final ReplyChannel replies;
    private final long id;

    private ManagerCalls(byte op) {
        ReplyChannel channel = STOCK.poll();
        this.replies = channel != null ? channel : ReplyChannel.create();
        this.id = IDS.incrementAndGet();
        DDictFrames.putBytes(replies.out.clear().putByte(op).putLong(replies.cuid), replies.address).putLong(id);
    }

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ManagerCalls::destroyStock, "dragon-reply-channels"));
    }

    /**
     * Destroys this process's reply channels as it exits, so that processes that come and go leave none behind; in
     * a thread of its own waited for at most a second, since the runtime may be ending too.
     */
    private static void destroyStock() {
        Thread destroyer = new Thread(() -> {
            for (ReplyChannel channel = STOCK.poll(); channel != null; channel = STOCK.poll()) {
                long cuid = channel.cuid;
                try {
                    Services.ask(() -> {
                        Services.globalServices().destroyChannel(cuid);
                        return null;
                    });
                } catch (RuntimeException e) {
                    return; // the runtime is ending: it destroys them
                }
            }
        }, "dragon-reply-channel-destroyer");
        destroyer.setDaemon(true);
        destroyer.start();
        try {
            destroyer.join(1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Starts a request of kind {@code op}: append its body to {@link #body()}, then {@link #call}. */
    public static ManagerCalls start(byte op) {
        return new ManagerCalls(op);
    }

    /** Where the request's body goes. */
    public Output body() {
        return replies.out;
    }

    /** Sends the request on {@code requests}, the channel of manager {@code manager}. */
    public ManagerCalls send(Channel requests, ManagerInfo manager, String dictionary) throws InterruptedException {
        try {
            requests.send(replies.out.view(), SEND_SECONDS, TimeUnit.SECONDS);
        } catch (ChannelFullException e) {
            throw failed(manager, dictionary, "its request channel stayed full for " + SEND_SECONDS + " s", e);
        } catch (ChannelDestroyedException e) {
            throw new ObjectDestroyedException("the dictionary " + dictionary + " was destroyed");
        } catch (ChannelException | DragonException e) {
            throw failed(manager, dictionary, e.getMessage(), e);
        }
        return this;
    }

    /**
     * Waits for the reply, up to {@code timeoutNanos} (negative: no limit), and returns its body; a failure the
     * manager reports is thrown here as it was thrown there.
     */
    public ByteBuffer reply(ManagerInfo manager, String dictionary, long timeoutNanos) throws InterruptedException {
        long deadline = timeoutNanos < 0 ? Deadline.FOREVER : System.nanoTime() + timeoutNanos;
        for (;;) {
            long sliceEnd = Math.min(deadline, System.nanoTime() + CHECK_NANOS);
            byte[] reply = replies.channel.tryRecv();
            if (reply == null) {
                try {
                    reply = replies.channel.recv(WaitMode.ADAPTIVE, sliceEnd);
                } catch (ChannelEmptyException e) {
                    if (Deadline.hasPassed(deadline)) {
                        throw failed(manager, dictionary, "no reply within " + TimeUnit.NANOSECONDS.toMillis(
                            timeoutNanos) + " ms", null);
                    }
                    check(manager, dictionary);
                    continue;
                }
            }
            ByteBuffer in = ByteBuffer.wrap(reply);
            if (in.getLong() != id) {
                continue; // the late reply of a call that gave up
            }
            if (in.get() == DDictFrames.OK) {
                return in;
            }
            Throwable failure = (Throwable) Codecs.serialization().decode(in);
            if (failure instanceof RuntimeException runtime) {
                runtime.addSuppressed(new DragonException("thrown by manager " + manager.index() + " of dictionary "
                    + dictionary + " on node " + manager.node()));
                throw runtime;
            }
            throw failed(manager, dictionary, failure.toString(), failure);
        }
    }

    /** Returns the reply channel to the stock. */
    @Override
    public void close() {
        STOCK.offer(replies);
    }

    /** Fails the wait if the manager's process ended or its node no longer answers. */
    private static void check(ManagerInfo manager, String dictionary) {
        ProcessInfo info = Services.ask(() -> Services.globalServices().query(manager.puid()));
        if (info.state() == ProcessState.EXITED && info.exitCode() == 0) { // a manager ends well only when destroyed
            throw new ObjectDestroyedException("the dictionary " + dictionary + " was destroyed");
        }
        if (info.state() == ProcessState.EXITED || info.state() == ProcessState.FAILED) {
            throw failed(manager, dictionary, "its process " + manager.puid() + " ended (exit code "
                + info.exitCode() + ")", null);
        }
        if (manager.host() != HostId.local()) {
            try {
                Gateway.current().call(manager.host(), Services.serialize(new Probe(), "a probe"), PROBE_NANOS);
            } catch (RuntimeException e) { // whatever the failure: the node does not answer
                throw failed(manager, dictionary, e.getMessage(), e);
            }
        }
    }

    /** The failure of a call to {@code manager} of {@code dictionary}, saying {@code why}. */
    public static DragonException failed(ManagerInfo manager, String dictionary, String why, Throwable cause) {
        return new DragonException("manager " + manager.index() + " of dictionary " + dictionary + " on node "
            + manager.node() + " failed: " + why, cause);
    }

    /** A call that does nothing on a node: its answer shows the node's transport agent answers. */
    private static final class Probe implements Callable<Boolean>, Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public Boolean call() {
            return Boolean.TRUE;
        }
    }

    /** A reply channel of this node, with the request being written for it. */
    private static final class ReplyChannel {
        final Channel channel;
        final long cuid;
        final byte[] address;
        final Output out = new Output(256);

        private ReplyChannel(ChannelInfo info) {
            this.channel = Channel.attach(info.descriptor());
            this.cuid = info.cuid();
            this.address = info.descriptor();
        }

        static ReplyChannel create() {
            long muid = Ids.defaultPoolMuid(Services.globalServices().launchParameters().nodeIndex());
            return new ReplyChannel(Services.ask(() -> Services.globalServices().createChannel(muid, REPLY_CAPACITY,
                REPLY_BLOCK, null)));
        }
    }
}
