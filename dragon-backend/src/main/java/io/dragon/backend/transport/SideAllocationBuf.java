package io.dragon.backend.transport;

import com.sun.jna.Pointer;
import io.dragon.backend.MemoryUsers;
import io.dragon.core.memory.MemoryPool;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledDirectByteBuf;

/**
 * A message's bytes in a side allocation of a pool, as a buffer that Netty writes to a socket, or that the agent
 * reads a socket into, in place. The buffer owns the allocation and frees it when released, unless it was handed
 * over first (to a channel that now holds the message). It keeps the pool mapped while it lives: it holds a user
 * of the pool ({@link MappedPools}), entered by its maker and left at its release.
 */
final class SideAllocationBuf extends UnpooledDirectByteBuf {
    private final MemoryPool pool;
    private final long side;
    private final MemoryUsers users;
    private boolean handedOver;

    /** Over the {@code length} bytes at offset {@code side} of {@code pool}, all readable; owns them from now on. */
    SideAllocationBuf(MemoryPool pool, long side, int length, MemoryUsers users) {
        super(ByteBufAllocator.DEFAULT, new Pointer(pool.buffer().address() + side).getByteBuffer(0, length), length);
        this.pool = pool;
        this.side = side;
        this.users = users;
        setIndex(0, length);
    }

    /**
     * A frame: {@code head}'s bytes, then the message of {@code length} bytes at {@code side} of {@code pool}, which
     * it takes. In place if {@code inPlace} and the pool may be held (freed once the frame is released), else
     * copied (freed now; the caller keeps the pool mapped meanwhile). Releases {@code head}.
     */
    static ByteBuf frame(ByteBuf head, MemoryPool pool, long side, int length, boolean inPlace) {
        MemoryUsers users = MappedPools.users(pool);
        if (inPlace && users.enter()) {
            return head.alloc().compositeDirectBuffer(2).addComponents(true, head,
                new SideAllocationBuf(pool, side, length, users));
        }
        try {
            ByteBuf frame = head.alloc().directBuffer(head.readableBytes() + length).writeBytes(head);
            pool.buffer().getBytes(side, frame.nioBuffer(frame.writerIndex(), length), length);
            return frame.writerIndex(frame.writerIndex() + length);
        } finally {
            pool.free(side);
            head.release();
        }
    }

    MemoryPool pool() {
        return pool;
    }

    /** The allocation's offset in the pool. */
    long side() {
        return side;
    }

    /** The allocation went to its new owner (a channel), which frees it: not this buffer. */
    void handOver() {
        handedOver = true;
    }

    @Override
    protected void deallocate() {
        try {
            super.deallocate(); // drops the view only: the buffer was not allocated by Netty
            if (!handedOver) {
                pool.free(side);
            }
        } finally {
            users.exit();
        }
    }
}
