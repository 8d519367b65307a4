package io.dragon.core.memory;

import io.dragon.core.locks.LockLayout;
import io.dragon.core.sync.SignalLayout;

/**
 * Layout of a pool's shared-memory segment. All allocator state lives here, so any process that maps the segment
 * can allocate and free.
 *
 * <pre>
 *  offset  size
 *       0     8  magic "DRGNPOOL"
 *       8     4  layout version
 *      12     4  flags (bit 0: destroyed)
 *      16     8  segment size
 *      24     8  heap offset (4 KiB aligned)
 *      32     8  heap size (a multiple of the minimum block)
 *      40     4  minimum block shift (log2 of the smallest block, 64 bytes)
 *      44     4  order count (block sizes are minBlock &lt;&lt; order, order &lt; count)
 *      48     8  used bytes
 *      56     8  live allocation count
 *      64    64  {@link LockLayout lock} guarding the free lists and tags
 *     128     8  {@link SignalLayout signal} raised when blocks are freed (full-pool waiters sleep here)
 *     136     8  journal: the allocator operation in progress, or 0 (see below)
 *     192   384  free-list heads: 48 longs, heap-relative offset of the first free block of each order, or -1
 *     576     n  tags: one byte per minimum block, 0 inside a block, FREE|order or USED|order at a block's head
 *  heap        ..  blocks; a free block starts with its free-list links (next, prev: heap-relative or -1)
 * </pre>
 *
 * <p>Journal (one 64-bit word, so it is written and cleared by single stores and never seen torn):
 *
 * <pre>
 *   bits  0-7   operation: 0 none, {@link #JOURNAL_ALLOCATE} or {@link #JOURNAL_FREE}
 *   bits  8-15  order of the block allocated or freed
 *   bits 16-23  allocate: order of the free block it is cut from; free: order of the free block it merges into
 *   bits 24-63  heap-relative offset of the block allocated or freed, in minimum blocks (heaps up to 64 TiB)
 * </pre>
 *
 * <p>Crash safety: the lock holder writes the journal before its first change to the tags, free lists or counters and
 * clears it after its last, so a process that finds the lock's holder dead knows from the journal alone whether the
 * allocator is consistent (0) and, if not, which tags the operation sets in full: it undoes an allocation (the block
 * goes back to the free block it was cut from; nobody had its offset yet) and completes a free (the caller meant it),
 * by writing those tags, then rebuilds every free list and both counters from the tags, which are the truth. The free
 * lists and counters are thus derived data that a kill may leave in any state. See docs/crash-safety.md.
 */
public final class PoolLayout {
    public static final long MAGIC = 0x4C4F4F504E475244L; // "DRGNPOOL" little-endian
    public static final int VERSION = 2;
    public static final int FLAG_DESTROYED = 1;

    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = 8;
    public static final int FLAGS_OFFSET = 12;
    public static final int SEGMENT_SIZE_OFFSET = 16;
    public static final int HEAP_OFFSET_OFFSET = 24;
    public static final int HEAP_SIZE_OFFSET = 32;
    public static final int MIN_BLOCK_SHIFT_OFFSET = 40;
    public static final int ORDER_COUNT_OFFSET = 44;
    public static final int USED_BYTES_OFFSET = 48;
    public static final int ALLOCATIONS_OFFSET = 56;
    public static final int LOCK_OFFSET = 64;
    public static final int FREED_SIGNAL_OFFSET = LOCK_OFFSET + LockLayout.LENGTH;
    public static final int JOURNAL_OFFSET = FREED_SIGNAL_OFFSET + SignalLayout.LENGTH;
    public static final int FREE_HEADS_OFFSET = 192;
    public static final int MAX_ORDERS = 48;
    public static final int TAGS_OFFSET = FREE_HEADS_OFFSET + MAX_ORDERS * 8;

    public static final int MIN_BLOCK_SHIFT = 6;
    public static final int HEAP_ALIGNMENT = 4096;

    /** Tag bits: a free block's head, a used block's head; the low 6 bits hold the order. */
    public static final int TAG_FREE = 0x80;
    public static final int TAG_USED = 0x40;
    public static final int TAG_ORDER_MASK = 0x3f;

    /** Journal operations and fields (see the class comment). */
    public static final int JOURNAL_ALLOCATE = 1;
    public static final int JOURNAL_FREE = 2;
    public static final int JOURNAL_OPERATION_MASK = 0xff;
    public static final int JOURNAL_ORDER_SHIFT = 8;
    public static final int JOURNAL_FAR_ORDER_SHIFT = 16;
    public static final int JOURNAL_ORDER_MASK = 0xff;
    public static final int JOURNAL_BLOCK_SHIFT = 24;
    /** Heaps are smaller than this, so that a block's offset fits the journal. */
    public static final long MAX_HEAP_SIZE = 1L << (64 - JOURNAL_BLOCK_SHIFT + MIN_BLOCK_SHIFT);

    /** Free-list links inside a free block. */
    public static final int LINK_NEXT_OFFSET = 0;
    public static final int LINK_PREV_OFFSET = 8;

    public static final long NONE = -1;

    static {
        if (JOURNAL_OFFSET + 8 > FREE_HEADS_OFFSET) {
            throw new AssertionError("pool header fields overlap");
        }
    }

    private PoolLayout() {
    }
}
