package io.dragon.backend.transport;

import static io.dragon.core.channels.GatewayLayout.DESCRIPTORS_OFFSET;
import static io.dragon.core.channels.GatewayLayout.DESTROYED;
import static io.dragon.core.channels.GatewayLayout.FAILED;
import static io.dragon.core.channels.GatewayLayout.OK;
import static io.dragon.core.channels.GatewayLayout.TARGET_LENGTH_OFFSET;
import static io.dragon.core.channels.GatewayLayout.THREW;
import static io.dragon.core.channels.GatewayLayout.VALUE_OFFSET;

import io.dragon.backend.MemoryUsers;
import io.dragon.core.infrastructure.HostId;
import io.dragon.core.map.Shard;
import io.dragon.core.map.ShardRequest;
import io.dragon.core.memory.MemoryPool;
import io.dragon.core.memory.PoolDestroyedException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Performs SHARD requests ({@link ShardRequest}): single-key operations on the shards of this node's distributed
 * dictionaries, on the thread that read the request, since they never wait (but for a stripe's lock, held for one
 * operation by whoever holds it). Each shard is attached once, keyed by its descriptor's bytes; one found destroyed
 * is forgotten, and its pool unmapped once no thread of the agents uses it ({@link MappedPools}).
 */
final class ShardOperations {
    /** The most room a completion starts with: a longer result has its frame grown for it alone. */
    private static final int MAX_ROOM = 1 << 20;

    /** The shards that requests named, by descriptor: few (a manager's each), so a miss looks for gone ones. */
    private final Map<ByteBuf, Attached> shards = new ConcurrentHashMap<>();
    /** Room for a result in a completion: the largest result seen (threads may race on it: a hint). */
    private int room = 256;

    private record Attached(Shard shard, MemoryPool pool, MemoryUsers users) {
    }

    /** The completion of the SHARD {@code request} (a frame body, not released here). */
    ByteBuf perform(ByteBuf request) {
        Attached attached;
        try {
            attached = attached(request);
        } catch (RuntimeException e) {
            return failure(request, e);
        }
        if (!attached.users().enter()) {
            return forgotten(request, attached);
        }
        try {
            if (MappedPools.retireIfDestroyed(attached.pool(), attached.users())) {
                return forgotten(request, attached);
            }
            Completion completion = new Completion(request, room);
            try {
                return completion.finish(ShardRequest.perform(attached.shard(), ChannelOperations.payload(request),
                    completion));
            } catch (RuntimeException | Error e) {
                completion.release();
                throw e;
            }
        } catch (RuntimeException | Error e) {
            return failure(request, e);
        } finally {
            attached.users().exit();
        }
    }

    /**
     * An OK completion whose result the shard writes in place, into a frame with room for the largest result seen
     * (up to {@link #MAX_ROOM}): grown, the frame is made again.
     */
    private final class Completion implements ShardRequest.Results {
        private final ByteBuf request;
        private ByteBuf frame;
        private ByteBuffer buffer;

        Completion(ByteBuf request, int bytes) {
            this.request = request;
            allocate(bytes);
        }

        private void allocate(int bytes) {
            frame = TransportFrames.completion(request.alloc(), request, OK, 0, bytes);
            buffer = frame.nioBuffer(frame.writerIndex(), bytes);
        }

        @Override
        public ByteBuffer buffer() {
            return buffer;
        }

        @Override
        public ByteBuffer grow(int bytes) {
            release();
            allocate(bytes);
            room = Math.min(MAX_ROOM, Math.max(room, bytes));
            return buffer;
        }

        void release() {
            if (frame != null) {
                frame.release();
                frame = null;
            }
        }

        ByteBuf finish(int length) {
            frame.setIntLE(TransportFrames.completionOffset(frame) + VALUE_OFFSET, length);
            return TransportFrames.finish(frame.writerIndex(frame.writerIndex() + Math.max(0, length)));
        }
    }

    private Attached attached(ByteBuf request) {
        int start = request.readerIndex();
        ByteBuf descriptor = request.slice(start + DESCRIPTORS_OFFSET, request.getIntLE(start + TARGET_LENGTH_OFFSET));
        Attached attached = shards.get(descriptor);
        if (attached != null) {
            return attached;
        }
        shards.values().removeIf(ShardOperations::isGone);
        byte[] bytes = ByteBufUtil.getBytes(descriptor);
        MemoryPool pool = MemoryPool.attach(Shard.poolOf(bytes)); // throws for a pool of another node
        MemoryUsers users = MappedPools.users(pool);
        if (!users.enter()) {
            throw new PoolDestroyedException(pool + " has been destroyed");
        }
        try {
            attached = new Attached(Shard.attach(bytes), pool, users); // reads the shard's header: inside its pool
        } finally {
            users.exit();
        }
        shards.put(Unpooled.wrappedBuffer(bytes), attached);
        return attached;
    }

    /** Forgets a shard whose pool was destroyed, and answers DESTROYED. */
    private ByteBuf forgotten(ByteBuf request, Attached attached) {
        shards.values().remove(attached);
        return failure(request, new PoolDestroyedException(attached.pool() + " has been destroyed"));
    }

    private static boolean isGone(Attached attached) {
        if (!attached.users().enter()) {
            return true;
        }
        try {
            return MappedPools.retireIfDestroyed(attached.pool(), attached.users());
        } finally {
            attached.users().exit();
        }
    }

    /** What the shard refused (THREW), that it is gone (DESTROYED), or any other failure (FAILED). */
    private static ByteBuf failure(ByteBuf request, Throwable e) {
        byte[] refusal = ShardRequest.refusal(e);
        if (refusal != null) {
            return TransportFrames.finish(TransportFrames.completion(request.alloc(), request, THREW, 0,
                refusal.length).writeBytes(refusal));
        }
        return TransportFrames.failure(request.alloc(), request, ShardRequest.gone(e) ? DESTROYED : FAILED, 0,
            "the dictionary operation failed on " + HostId.hostname() + ": " + e);
    }
}
