package io.dragon.core.memory;

import static io.dragon.core.memory.PoolLayout.ALLOCATIONS_OFFSET;
import static io.dragon.core.memory.PoolLayout.FREE_HEADS_OFFSET;
import static io.dragon.core.memory.PoolLayout.HEAP_OFFSET_OFFSET;
import static io.dragon.core.memory.PoolLayout.HEAP_SIZE_OFFSET;
import static io.dragon.core.memory.PoolLayout.JOURNAL_OFFSET;
import static io.dragon.core.memory.PoolLayout.LINK_NEXT_OFFSET;
import static io.dragon.core.memory.PoolLayout.LINK_PREV_OFFSET;
import static io.dragon.core.memory.PoolLayout.MAX_ORDERS;
import static io.dragon.core.memory.PoolLayout.MIN_BLOCK_SHIFT;
import static io.dragon.core.memory.PoolLayout.NONE;
import static io.dragon.core.memory.PoolLayout.ORDER_COUNT_OFFSET;
import static io.dragon.core.memory.PoolLayout.TAGS_OFFSET;
import static io.dragon.core.memory.PoolLayout.TAG_FREE;
import static io.dragon.core.memory.PoolLayout.TAG_ORDER_MASK;
import static io.dragon.core.memory.PoolLayout.TAG_USED;

import io.dragon.core.shm.SharedBuffer;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Checks every invariant of a pool's allocator state, read straight from its segment (nobody may change it meanwhile:
 * hold the pool's lock, or let no other process run), and throws {@link AssertionError} saying which one broke:
 *
 * <ol>
 *   <li>no operation is in progress (the journal is clear);
 *   <li>the blocks tile the heap: walking from block head to block head covers every byte exactly once, each head
 *       tagged free or used with an order below the order count, aligned to its size, and every other tag is 0;
 *   <li>each free list is a well-linked (next and back links agree), loop-free list of blocks tagged free with its
 *       order, lists above the order count are empty, and every free block is on exactly one list;
 *   <li>buddies are merged: no free block has a free buddy of its own order;
 *   <li>the used-bytes and allocation counters match the used blocks.
 * </ol>
 */
final class MemoryPoolInvariants {
    private MemoryPoolInvariants() {
    }

    /** Checks a consistent state and returns its blocks: heap-relative offset to tag (FREE or USED, and order). */
    static SortedMap<Long, Integer> check(SharedBuffer segment) {
        long journal = segment.getLongVolatile(JOURNAL_OFFSET);
        require(journal == 0, "journal is clear, found %x", journal);
        long heapOffset = segment.getLong(HEAP_OFFSET_OFFSET);
        long heapSize = segment.getLong(HEAP_SIZE_OFFSET);
        int orderCount = segment.getInt(ORDER_COUNT_OFFSET);

        SortedMap<Long, Integer> blocks = new TreeMap<>();
        long usedBytes = 0;
        long block = 0;
        while (block < heapSize) {
            int tag = tag(segment, block);
            int order = tag & TAG_ORDER_MASK;
            long size = BuddyAllocator.sizeOf(order);
            require((tag & (TAG_FREE | TAG_USED)) == TAG_FREE || (tag & (TAG_FREE | TAG_USED)) == TAG_USED,
                "block head at %d is tagged free or used, found %x", block, tag);
            require(order < orderCount, "block at %d has an order below %d, found %d", block, orderCount, order);
            require(block % size == 0, "block at %d of order %d is aligned to its size", block, order);
            require(block + size <= heapSize, "block at %d of order %d ends within the heap", block, order);
            for (long inner = block + (1L << MIN_BLOCK_SHIFT); inner < block + size; inner += 1L << MIN_BLOCK_SHIFT) {
                require(tag(segment, inner) == 0, "tag at %d inside block %d of order %d is 0, found %x", inner,
                    block, order, tag(segment, inner));
            }
            if ((tag & TAG_USED) != 0) {
                usedBytes += size;
            }
            blocks.put(block, tag);
            block += size;
        }
        require(block == heapSize, "blocks end at the heap end %d, not %d", heapSize, block);

        Set<Long> listed = new HashSet<>();
        for (int order = 0; order < MAX_ORDERS; order++) {
            long prev = NONE;
            for (long at = segment.getLong(FREE_HEADS_OFFSET + order * 8L); at != NONE;
                 at = segment.getLong(heapOffset + at + LINK_NEXT_OFFSET)) {
                require(order < orderCount, "free list of order %d (>= order count) is empty", order);
                require(blocks.getOrDefault(at, 0) == (TAG_FREE | order), "block %d on free list %d is a free block"
                    + " of that order, found tag %x", at, order, blocks.getOrDefault(at, 0));
                require(listed.add(at), "block %d is on the free lists once (or list %d loops)", at, order);
                long back = segment.getLong(heapOffset + at + LINK_PREV_OFFSET);
                require(back == prev, "back link of block %d on free list %d names %d, found %d", at, order, prev,
                    back);
                prev = at;
            }
        }
        long allocations = 0;
        for (Map.Entry<Long, Integer> entry : blocks.entrySet()) {
            long at = entry.getKey();
            int tag = entry.getValue();
            int order = tag & TAG_ORDER_MASK;
            if ((tag & TAG_USED) != 0) {
                allocations++;
                continue;
            }
            require(listed.contains(at), "free block %d of order %d is on its free list", at, order);
            long buddy = at ^ BuddyAllocator.sizeOf(order);
            require(order == orderCount - 1 || blocks.getOrDefault(buddy, 0) != tag,
                "free block %d of order %d and its free buddy %d are merged", at, order, buddy);
        }
        require(segment.getLong(PoolLayout.USED_BYTES_OFFSET) == usedBytes, "used bytes counter is %d, found %d",
            usedBytes, segment.getLong(PoolLayout.USED_BYTES_OFFSET));
        require(segment.getLong(ALLOCATIONS_OFFSET) == allocations, "allocation counter is %d, found %d",
            allocations, segment.getLong(ALLOCATIONS_OFFSET));
        return blocks;
    }

    private static int tag(SharedBuffer segment, long block) {
        return segment.getByte(TAGS_OFFSET + (block >>> MIN_BLOCK_SHIFT)) & 0xff;
    }

    private static void require(boolean holds, String invariant, Object... args) {
        if (!holds) {
            throw new AssertionError("pool invariant broken: " + String.format(invariant, args));
        }
    }
}
