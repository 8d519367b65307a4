package io.dragon.core.memory;

import io.dragon.core.shm.SharedBuffer;

/** A block allocated from a pool, seen from this process: {@code size} bytes at {@code offset} in the segment. */
public record Allocation(MemoryPool pool, long offset, long size) {
    /** Attaches to the pool of an allocation made by any process on this node. */
    public static Allocation attach(AllocationDescriptor descriptor) {
        MemoryPool pool = MemoryPool.attach(descriptor.pool());
        pool.checkAllocated(descriptor.offset());
        return new Allocation(pool, descriptor.offset(), descriptor.size());
    }

    public AllocationDescriptor descriptor() {
        return new AllocationDescriptor(pool.descriptor(), offset, size);
    }

    /** The allocation's bytes, indexed from 0. */
    public SharedBuffer buffer() {
        return pool.buffer().slice(offset, size);
    }

    public void free() {
        pool.free(offset);
    }
}
