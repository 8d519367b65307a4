package io.dragon.core.memory;

import static io.dragon.core.memory.PoolLayout.FREE_HEADS_OFFSET;
import static io.dragon.core.memory.PoolLayout.HEAP_OFFSET_OFFSET;
import static io.dragon.core.memory.PoolLayout.HEAP_SIZE_OFFSET;
import static io.dragon.core.memory.PoolLayout.LINK_NEXT_OFFSET;
import static io.dragon.core.memory.PoolLayout.LINK_PREV_OFFSET;
import static io.dragon.core.memory.PoolLayout.MAX_ORDERS;
import static io.dragon.core.memory.PoolLayout.MIN_BLOCK_SHIFT;
import static io.dragon.core.memory.PoolLayout.MIN_BLOCK_SHIFT_OFFSET;
import static io.dragon.core.memory.PoolLayout.NONE;
import static io.dragon.core.memory.PoolLayout.ORDER_COUNT_OFFSET;
import static io.dragon.core.memory.PoolLayout.TAGS_OFFSET;
import static io.dragon.core.memory.PoolLayout.TAG_FREE;
import static io.dragon.core.memory.PoolLayout.TAG_ORDER_MASK;
import static io.dragon.core.memory.PoolLayout.TAG_USED;
import static io.dragon.core.memory.PoolLayout.USED_BYTES_OFFSET;
import static io.dragon.core.memory.PoolLayout.ALLOCATIONS_OFFSET;

import io.dragon.core.shm.SharedBuffer;

/**
 * A binary buddy allocator whose whole state (free lists, tags, counters) is in a pool segment; see
 * {@link PoolLayout}. Blocks are {@code 64 << order} bytes, aligned to their size within the heap, with one doubly
 * linked free list per order, so allocation and free are O(orders) and a freed block merges with its free buddy at
 * once, which keeps fragmentation low.
 *
 * <p>The heap need not be a power of two: it starts as the largest aligned blocks that tile it, and a block whose
 * buddy would lie past the heap end never merges. Callers hold the pool lock around every call except the
 * lock-free {@link #hasFreeBlock(int)} hint.
 */
final class BuddyAllocator {
    private final SharedBuffer segment;
    private final long heapOffset;
    private final long heapSize;
    private final int orderCount;

    BuddyAllocator(SharedBuffer segment) {
        this.segment = segment;
        this.heapOffset = segment.getLong(HEAP_OFFSET_OFFSET);
        this.heapSize = segment.getLong(HEAP_SIZE_OFFSET);
        this.orderCount = segment.getInt(ORDER_COUNT_OFFSET);
    }

    /** Lays out an empty heap in a zero-filled segment of {@code segmentSize} bytes. */
    static void format(SharedBuffer segment, long segmentSize) {
        long minBlock = 1L << MIN_BLOCK_SHIFT;
        // Each minimum block costs minBlock heap bytes plus one tag byte.
        long blocks = (segmentSize - TAGS_OFFSET - PoolLayout.HEAP_ALIGNMENT) / (minBlock + 1);
        long heapOffset = alignUp(TAGS_OFFSET + blocks, PoolLayout.HEAP_ALIGNMENT);
        long heapSize = Math.min(blocks * minBlock, (segmentSize - heapOffset) & -minBlock);
        if (heapSize < minBlock) {
            throw new IllegalArgumentException("pool of " + segmentSize + " bytes is too small to hold any block");
        }
        int orderCount = Math.min(MAX_ORDERS, 64 - Long.numberOfLeadingZeros(heapSize >>> MIN_BLOCK_SHIFT));
        segment.putLong(HEAP_OFFSET_OFFSET, heapOffset);
        segment.putLong(HEAP_SIZE_OFFSET, heapSize);
        segment.putInt(MIN_BLOCK_SHIFT_OFFSET, MIN_BLOCK_SHIFT);
        segment.putInt(ORDER_COUNT_OFFSET, orderCount);
        for (int order = 0; order < MAX_ORDERS; order++) {
            segment.putLong(FREE_HEADS_OFFSET + order * 8L, NONE);
        }
        BuddyAllocator allocator = new BuddyAllocator(segment);
        for (long block = 0; block < heapSize; ) {
            int order = orderCount - 1;
            while (block % sizeOf(order) != 0 || block + sizeOf(order) > heapSize) {
                order--;
            }
            allocator.push(block, order);
            block += sizeOf(order);
        }
    }

    /** The largest block this heap can ever hand out, in bytes. */
    long maxAllocation() {
        return sizeOf(orderCount - 1);
    }

    /** The order whose blocks fit {@code size} bytes, or -1 if no block is ever that large. */
    int orderFor(long size) {
        int order = size <= 1L << MIN_BLOCK_SHIFT ? 0
            : 64 - Long.numberOfLeadingZeros((size - 1) >>> MIN_BLOCK_SHIFT);
        return order < orderCount ? order : -1;
    }

    /** Allocates a block of {@code order}; returns its segment offset, or {@link PoolLayout#NONE} if none is free. */
    long allocate(int order) {
        int from = order;
        while (from < orderCount && head(from) == NONE) {
            from++;
        }
        if (from == orderCount) {
            return NONE;
        }
        long block = head(from);
        remove(block, from);
        while (from > order) {
            from--;
            push(block + sizeOf(from), from); // the upper half becomes a free buddy
        }
        setTag(block, TAG_USED | order);
        segment.putLong(USED_BYTES_OFFSET, segment.getLong(USED_BYTES_OFFSET) + sizeOf(order));
        segment.putLong(ALLOCATIONS_OFFSET, segment.getLong(ALLOCATIONS_OFFSET) + 1);
        return heapOffset + block;
    }

    /**
     * Frees the block at segment offset {@code offset}, merging it with free buddies.
     *
     * @return the block's size in bytes
     * @throws IllegalArgumentException if no allocated block starts there (a double or wild free)
     */
    long free(long offset) {
        int order = usedOrderAt(offset);
        if (order < 0) {
            throw new IllegalArgumentException("offset " + offset + " is not the start of an allocated block"
                + " (freed twice, or never allocated)");
        }
        long size = sizeOf(order);
        long block = offset - heapOffset;
        setTag(block, 0);
        while (order < orderCount - 1) {
            long buddy = block ^ sizeOf(order);
            if (buddy + sizeOf(order) > heapSize || tag(buddy) != (TAG_FREE | order)) {
                break;
            }
            remove(buddy, order);
            setTag(buddy, 0);
            block = Math.min(block, buddy);
            order++;
        }
        push(block, order);
        segment.putLong(USED_BYTES_OFFSET, segment.getLong(USED_BYTES_OFFSET) - size);
        segment.putLong(ALLOCATIONS_OFFSET, segment.getLong(ALLOCATIONS_OFFSET) - 1);
        return size;
    }

    /** The order of the allocated block starting at segment offset {@code offset}, or -1 if there is none. */
    int usedOrderAt(long offset) {
        long block = offset - heapOffset;
        if (block < 0 || block >= heapSize || (block & ((1L << MIN_BLOCK_SHIFT) - 1)) != 0) {
            return -1;
        }
        int tag = tag(block);
        return (tag & TAG_USED) != 0 ? tag & TAG_ORDER_MASK : -1;
    }

    /** Whether a block of {@code order} or larger is free now; a lock-free hint for waiters. */
    boolean hasFreeBlock(int order) {
        for (int o = order; o < orderCount; o++) {
            if (segment.getLongVolatile(FREE_HEADS_OFFSET + o * 8L) != NONE) {
                return true;
            }
        }
        return false;
    }

    /** The size of the largest free block, in bytes (0 if the pool is full). */
    long largestFreeBlock() {
        for (int order = orderCount - 1; order >= 0; order--) {
            if (head(order) != NONE) {
                return sizeOf(order);
            }
        }
        return 0;
    }

    long heapSize() {
        return heapSize;
    }

    static long sizeOf(int order) {
        return 1L << (MIN_BLOCK_SHIFT + order);
    }

    private long head(int order) {
        return segment.getLong(FREE_HEADS_OFFSET + order * 8L);
    }

    private void push(long block, int order) {
        long head = head(order);
        long at = heapOffset + block;
        segment.putLong(at + LINK_NEXT_OFFSET, head);
        segment.putLong(at + LINK_PREV_OFFSET, NONE);
        if (head != NONE) {
            segment.putLong(heapOffset + head + LINK_PREV_OFFSET, block);
        }
        setTag(block, TAG_FREE | order);
        segment.putLongVolatile(FREE_HEADS_OFFSET + order * 8L, block);
    }

    private void remove(long block, int order) {
        long at = heapOffset + block;
        long next = segment.getLong(at + LINK_NEXT_OFFSET);
        long prev = segment.getLong(at + LINK_PREV_OFFSET);
        if (prev == NONE) {
            segment.putLongVolatile(FREE_HEADS_OFFSET + order * 8L, next);
        } else {
            segment.putLong(heapOffset + prev + LINK_NEXT_OFFSET, next);
        }
        if (next != NONE) {
            segment.putLong(heapOffset + next + LINK_PREV_OFFSET, prev);
        }
    }

    private int tag(long block) {
        return segment.getByte(TAGS_OFFSET + (block >>> MIN_BLOCK_SHIFT)) & 0xff;
    }

    private void setTag(long block, int tag) {
        segment.putByte(TAGS_OFFSET + (block >>> MIN_BLOCK_SHIFT), (byte) tag);
    }

    private static long alignUp(long value, long alignment) {
        return (value + alignment - 1) & -alignment;
    }
}
