package io.dragon.backend.transport;

import io.dragon.backend.MemoryUsers;
import io.dragon.core.channels.ChannelDescriptor;
import io.dragon.core.channels.LocalChannel;
import io.dragon.core.infrastructure.HostId;
import io.dragon.core.memory.MemoryPool;
import io.dragon.core.memory.PoolDestroyedException;
import io.dragon.core.memory.PoolLayout;
import io.dragon.core.sync.WaitMode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Channels of this node that frames name by their serialized descriptors, attached once: a hit compares bytes in
 * place and allocates nothing. A descriptor of a channel made again under the same c_uid differs (its serial), so
 * it attaches anew. Destroyed channels are forgotten: those found so, and, whenever the table has doubled since
 * the last look, all of them (a long run names many short-lived channels: reply channels of exited processes).
 */
final class AttachedChannels {
    /** Below this many channels, nobody looks for destroyed ones. */
    private static final int MIN_SWEEP = 256;

    private final Map<Integer, Attached> channels = new ConcurrentHashMap<>();
    private volatile int sweepAt = MIN_SWEEP;

    /** A channel and the users of its pool: {@link MemoryUsers#enter enter} before using the channel. */
    record Attached(byte[] descriptor, LocalChannel channel, MemoryUsers users) {
        boolean matches(ByteBuf bytes) {
            if (bytes.readableBytes() != descriptor.length) {
                return false;
            }
            for (int i = 0; i < descriptor.length; i++) {
                if (bytes.getByte(bytes.readerIndex() + i) != descriptor[i]) {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * The channel whose descriptor is {@code descriptor}'s readable bytes (not consumed).
     *
     * @throws io.dragon.core.channels.ChannelDestroyedException if it has been destroyed
     * @throws io.dragon.core.memory.PoolDestroyedException if its pool has been destroyed
     */
    Attached get(ByteBuf descriptor) {
        int hash = ByteBufUtil.hashCode(descriptor);
        Attached attached = channels.get(hash);
        if (attached == null || !attached.matches(descriptor)) {
            MappedPools.retireDestroyed();
            byte[] bytes = ByteBufUtil.getBytes(descriptor);
            ChannelDescriptor where = ChannelDescriptor.deserialize(bytes);
            if (where.allocation().pool().hostId() != HostId.local()) {
                LocalChannel.attach(where); // throws: the channel lives on another node
            }
            // Attaching reads the channel's header: only inside its pool, which may be going.
            MemoryPool pool = MemoryPool.attach(where.allocation().pool());
            MemoryUsers users = MappedPools.users(pool);
            if (!users.enter()) {
                throw new PoolDestroyedException(pool + " has been destroyed");
            }
            try {
                attached = new Attached(bytes, LocalChannel.attach(where).waitMode(WaitMode.SLEEP), users);
            } finally {
                users.exit();
            }
            channels.put(hash, attached);
            if (channels.size() >= sweepAt) {
                sweep();
            }
        }
        return attached;
    }

    /**
     * A side allocation of {@code length} bytes in the pool of the channel whose descriptor is {@code descriptor}
     * (not consumed), for a message to it that a link is bringing: if the channel keeps messages that long in side
     * allocations and its pool has the room now. Else null: the frame is then gathered whole, and whatever is wrong
     * with it is said once it is.
     */
    SideAllocationBuf side(ByteBuf descriptor, int length) {
        Attached attached;
        try {
            attached = get(descriptor);
        } catch (RuntimeException e) {
            return null;
        }
        MemoryUsers users = attached.users();
        if (length <= attached.channel().blockSize() || !users.enter()) {
            return null;
        }
        MemoryPool pool = attached.channel().pool();
        long side = PoolLayout.NONE;
        try {
            side = pool.tryAllocate(length);
        } catch (RuntimeException e) {
            // destroyed, or no block can ever hold it
        } finally {
            if (side == PoolLayout.NONE) {
                users.exit();
            }
        }
        return side == PoolLayout.NONE ? null : new SideAllocationBuf(pool, side, length, users);
    }

    /** Forgets a channel found destroyed (or whose pool is going). */
    void forget(Attached attached) {
        channels.values().remove(attached);
    }

    /** Forgets every destroyed channel. */
    private synchronized void sweep() {
        channels.values().removeIf(AttachedChannels::isGone);
        sweepAt = Math.max(MIN_SWEEP, 2 * channels.size());
    }

    private static boolean isGone(Attached attached) {
        if (!attached.users().enter()) {
            return true;
        }
        try {
            return attached.channel().isDestroyed()
                || MappedPools.retireIfDestroyed(attached.channel().pool(), attached.users());
        } finally {
            attached.users().exit();
        }
    }
}
