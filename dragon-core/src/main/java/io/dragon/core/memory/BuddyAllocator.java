package io.dragon.core.memory;

import static io.dragon.core.memory.PoolLayout.FREE_HEADS_OFFSET;
import static io.dragon.core.memory.PoolLayout.HEAP_OFFSET_OFFSET;
import static io.dragon.core.memory.PoolLayout.HEAP_SIZE_OFFSET;
import static io.dragon.core.memory.PoolLayout.JOURNAL_ALLOCATE;
import static io.dragon.core.memory.PoolLayout.JOURNAL_BLOCK_SHIFT;
import static io.dragon.core.memory.PoolLayout.JOURNAL_FAR_ORDER_SHIFT;
import static io.dragon.core.memory.PoolLayout.JOURNAL_FREE;
import static io.dragon.core.memory.PoolLayout.JOURNAL_OFFSET;
import static io.dragon.core.memory.PoolLayout.JOURNAL_OPERATION_MASK;
import static io.dragon.core.memory.PoolLayout.JOURNAL_ORDER_MASK;
import static io.dragon.core.memory.PoolLayout.JOURNAL_ORDER_SHIFT;
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

import io.dragon.core.infrastructure.CrashPoints;
import io.dragon.core.shm.SharedBuffer;
import java.lang.invoke.VarHandle;
import java.util.List;

/**
 * A binary buddy allocator whose whole state (free lists, tags, counters) is in a pool segment; see
 * {@link PoolLayout}. Blocks are {@code 64 << order} bytes, aligned to their size within the heap, with one doubly
 * linked free list per order, so allocation and free are O(orders) and a freed block merges with its free buddy at
 * once, which keeps fragmentation low.
 *
 * <p>The heap need not be a power of two: it starts as the largest aligned blocks that tile it, and a block whose
 * buddy would lie past the heap end never merges. Callers hold the pool lock around every call except the
 * lock-free {@link #hasFreeBlock(int)} hint.
 *
 * <p>Crash safety: {@link #allocate} and {@link #free} decide every tag they will set before their first write, record
 * that in the journal ({@link PoolLayout}), change tags, free lists and counters, and clear the journal. A process that
 * takes the lock from a dead holder calls {@link #recover}, which sets those tags (undoing an allocation, completing a
 * free) and rebuilds the free lists and counters from the tags. A kill at any instruction between the journal's write
 * and its clearing thus loses nothing: the block being allocated returns to the free lists, the block being freed is
 * freed.
 */
final class BuddyAllocator {
    // Crash points (see CrashPoints): one after each write to the segment but the last (clearing the journal) of
    // allocate, free and recover. Those in remove and push are reached once per block a loop splits or merges.
    /** The journal records the operation; nothing else has changed. */
    static final String JOURNALED = "pool.journaled";
    /** remove: the list head or the previous block skips the block. */
    static final String REMOVE_FORWARD = "pool.remove.forward";
    /** remove: the next block's back link skips the block. */
    static final String REMOVE_BACKWARD = "pool.remove.backward";
    /** push: the block's next link names the list head. */
    static final String PUSH_NEXT = "pool.push.next";
    /** push: the block's back link is cleared. */
    static final String PUSH_PREV = "pool.push.prev";
    /** push: the old list head links back to the block. */
    static final String PUSH_OLD_HEAD = "pool.push.oldHead";
    /** push: the block is tagged free; the list head does not name it yet. */
    static final String PUSH_TAGGED = "pool.push.tagged";
    /** push: the list head names the block (not the last write: counters and the journal follow). */
    static final String PUSH_HEAD = "pool.push.head";
    /** allocate: the block is tagged used. */
    static final String ALLOCATE_TAGGED = "pool.allocate.tagged";
    /** free: the block's tag is cleared. */
    static final String FREE_UNTAGGED = "pool.free.untagged";
    /** free: a buddy merged with the block has its tag cleared. */
    static final String BUDDY_UNTAGGED = "pool.free.buddyUntagged";
    /** The used-bytes counter is updated, the allocation count not yet. */
    static final String BYTES_COUNTED = "pool.bytesCounted";
    /** Both counters are updated; the journal is not cleared yet. */
    static final String ALLOCATIONS_COUNTED = "pool.allocationsCounted";
    /** recover: the tags the journal names are set; the free lists are not rebuilt yet. */
    static final String TAGS_REPAIRED = "pool.recover.tagsRepaired";
    /** recover: every free-list head is cleared; the lists are rebuilt next (with push). */
    static final String LISTS_EMPTIED = "pool.recover.listsEmptied";
    static final List<String> CRASH_POINTS = List.of(JOURNALED, REMOVE_FORWARD, REMOVE_BACKWARD, PUSH_NEXT, PUSH_PREV,
        PUSH_OLD_HEAD, PUSH_TAGGED, PUSH_HEAD, ALLOCATE_TAGGED, FREE_UNTAGGED, BUDDY_UNTAGGED, BYTES_COUNTED,
        ALLOCATIONS_COUNTED, TAGS_REPAIRED, LISTS_EMPTIED);

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
            throw new IllegalArgumentException("pool of " + segmentSize + " bytes is too small to hold any block"
                + " (a pool needs at least " + MemoryPool.MIN_SIZE + " bytes)");
        }
        if (heapSize >= PoolLayout.MAX_HEAP_SIZE) {
            throw new IllegalArgumentException("pool of " + segmentSize + " bytes is too large: the heap must be"
                + " smaller than " + PoolLayout.MAX_HEAP_SIZE + " bytes");
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
        begin(JOURNAL_ALLOCATE, block, order, from);
        remove(block, from);
        while (from > order) {
            from--;
            push(block + sizeOf(from), from); // the upper half becomes a free buddy
        }
        setTag(block, TAG_USED | order);
        CrashPoints.reach(ALLOCATE_TAGGED);
        count(sizeOf(order), 1);
        end();
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
        long block = offset - heapOffset;
        int mergedOrder = mergedOrder(block, order);
        begin(JOURNAL_FREE, block, order, mergedOrder);
        setTag(block, 0);
        CrashPoints.reach(FREE_UNTAGGED);
        for (int o = order; o < mergedOrder; o++) {
            long buddy = buddy(block, o);
            remove(buddy, o);
            setTag(buddy, 0);
            CrashPoints.reach(BUDDY_UNTAGGED);
        }
        push(alignDown(block, mergedOrder), mergedOrder);
        long size = sizeOf(order);
        count(-size, -1);
        end();
        return size;
    }

    /**
     * Brings the allocator back to a consistent state after its lock's holder died at any instruction of
     * {@link #allocate}, {@link #free} or of this method, under the lock taken from the dead. Idempotent: if this
     * process dies too, the next one does it again. Takes time in proportion to the number of blocks in the heap
     * (tags are walked from block to block), but only if an operation was in progress.
     *
     * @return whether an operation was in progress (and has been undone, or completed)
     */
    boolean recover() {
        long entry = segment.getLongVolatile(JOURNAL_OFFSET);
        if (entry == 0) {
            return false; // the holder died outside an operation: nothing changed, or everything did
        }
        long block = (entry >>> JOURNAL_BLOCK_SHIFT) << MIN_BLOCK_SHIFT;
        int order = (int) (entry >>> JOURNAL_ORDER_SHIFT) & JOURNAL_ORDER_MASK;
        int farOrder = (int) (entry >>> JOURNAL_FAR_ORDER_SHIFT) & JOURNAL_ORDER_MASK;
        if ((entry & JOURNAL_OPERATION_MASK) == JOURNAL_ALLOCATE) {
            // Undone: the upper halves split off go back into the block of farOrder it was cut from.
            for (int o = order; o < farOrder; o++) {
                setTag(block + sizeOf(o), 0);
            }
            setTag(block, TAG_FREE | farOrder);
        } else {
            // Completed: the block and the buddies it merges with become one free block of farOrder.
            setTag(block, 0);
            for (int o = order; o < farOrder; o++) {
                setTag(buddy(block, o), 0);
            }
            setTag(alignDown(block, farOrder), TAG_FREE | farOrder);
        }
        CrashPoints.reach(TAGS_REPAIRED);
        rebuildFromTags();
        end();
        return true;
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

    /** Records the operation about to change the allocator, before its first change (see {@link PoolLayout}). */
    private void begin(int operation, long block, int order, int farOrder) {
        segment.putLong(JOURNAL_OFFSET, (block >>> MIN_BLOCK_SHIFT) << JOURNAL_BLOCK_SHIFT
            | (long) farOrder << JOURNAL_FAR_ORDER_SHIFT | (long) order << JOURNAL_ORDER_SHIFT | operation);
        // The record must reach memory before any change it covers; a compiler barrier only, on x86.
        VarHandle.storeStoreFence();
        CrashPoints.reach(JOURNALED);
    }

    /** Clears the journal once every change of the operation is in memory (an ordered store). */
    private void end() {
        segment.putLongOrdered(JOURNAL_OFFSET, 0);
    }

    private void count(long bytes, int allocations) {
        segment.putLong(USED_BYTES_OFFSET, segment.getLong(USED_BYTES_OFFSET) + bytes);
        CrashPoints.reach(BYTES_COUNTED);
        segment.putLong(ALLOCATIONS_OFFSET, segment.getLong(ALLOCATIONS_OFFSET) + allocations);
        CrashPoints.reach(ALLOCATIONS_COUNTED);
    }

    /** The order of the free block that the block of {@code order} at {@code block} merges into if freed now. */
    private int mergedOrder(long block, int order) {
        while (order < orderCount - 1) {
            long buddy = buddy(block, order);
            if (buddy + sizeOf(order) > heapSize || tag(buddy) != (TAG_FREE | order)) {
                break;
            }
            order++;
        }
        return order;
    }

    /** Empties the free lists, then pushes every free block and counts the used ones, walking the tags. */
    private void rebuildFromTags() {
        for (int order = 0; order < MAX_ORDERS; order++) {
            segment.putLongVolatile(FREE_HEADS_OFFSET + order * 8L, NONE);
        }
        CrashPoints.reach(LISTS_EMPTIED);
        long usedBytes = 0;
        long allocations = 0;
        for (long block = 0; block < heapSize; ) {
            int tag = tag(block);
            int order = tag & TAG_ORDER_MASK;
            if ((tag & TAG_FREE) != 0) {
                push(block, order);
            } else if ((tag & TAG_USED) != 0) {
                usedBytes += sizeOf(order);
                allocations++;
            }
            block += sizeOf(order);
        }
        segment.putLong(USED_BYTES_OFFSET, usedBytes);
        CrashPoints.reach(BYTES_COUNTED);
        segment.putLong(ALLOCATIONS_OFFSET, allocations);
        CrashPoints.reach(ALLOCATIONS_COUNTED);
    }

    /** The buddy, at {@code order}, of the block of that order containing {@code block} (heap-relative). */
    private static long buddy(long block, int order) {
        return alignDown(block, order) ^ sizeOf(order);
    }

    /** The start of the block of {@code order} containing {@code block} (heap-relative). */
    private static long alignDown(long block, int order) {
        return block & -sizeOf(order);
    }

    private long head(int order) {
        return segment.getLong(FREE_HEADS_OFFSET + order * 8L);
    }

    private void push(long block, int order) {
        long head = head(order);
        long at = heapOffset + block;
        segment.putLong(at + LINK_NEXT_OFFSET, head);
        CrashPoints.reach(PUSH_NEXT);
        segment.putLong(at + LINK_PREV_OFFSET, NONE);
        CrashPoints.reach(PUSH_PREV);
        if (head != NONE) {
            segment.putLong(heapOffset + head + LINK_PREV_OFFSET, block);
            CrashPoints.reach(PUSH_OLD_HEAD);
        }
        setTag(block, TAG_FREE | order);
        CrashPoints.reach(PUSH_TAGGED);
        segment.putLongVolatile(FREE_HEADS_OFFSET + order * 8L, block);
        CrashPoints.reach(PUSH_HEAD);
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
        CrashPoints.reach(REMOVE_FORWARD);
        if (next != NONE) {
            segment.putLong(heapOffset + next + LINK_PREV_OFFSET, prev);
            CrashPoints.reach(REMOVE_BACKWARD);
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
