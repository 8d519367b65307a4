package io.dragon.core.map;

import io.dragon.core.locks.LockLayout;
import io.dragon.core.shm.ObjectHeader;

/**
 * Layout of an {@link UnorderedMap} in a pool: a header allocation, a bucket array allocation and one allocation
 * per entry. Offsets stored in shared memory are segment offsets (never addresses); 0 means "none", since the pool
 * header occupies offset 0 and no allocation can start there.
 *
 * <p>Header (one allocation, 64-byte aligned):
 * <pre>
 *  offset  size
 *       0    16  {@link ObjectHeader header}: magic {@link ObjectHeader#MAP}, serial (also in the descriptor)
 *      16     8  bucket count (a power of two)
 *      24     8  entry count (read without the lock by size())
 *      32     8  bucket array offset
 *      40    24  (padding to the cache line)
 *      64    64  {@link LockLayout lock} guarding everything below and every entry
 *     128     8  journal op: NONE, {@link #OP_LINK} or {@link #OP_GROW}; written last (ordered), cleared on commit
 *     136     8  LINK: offset of the link word to set (a bucket slot or an entry's next field)
 *     144     8  LINK: the value to store there
 *     152     8  LINK: the entry count once done
 *     160     8  LINK: the block to free once committed (a replaced or removed entry), or 0
 *     168     8  GROW: the old bucket array
 *     176     8  GROW: the old bucket count
 *     184     8  GROW: the new bucket array (twice as many buckets)
 *     192     8  GROW: the entry being moved, or 0 before the first
 * </pre>
 *
 * <p>Crash safety: a process may be killed at any instruction, the lock then stays held by its dead pid and the next
 * locker takes it over ({@link io.dragon.core.locks.SharedLock#lock(io.dragon.core.sync.WaitMode, long, Runnable)})
 * and rolls the journal forward before doing its own operation. Every change of more than one word is journaled
 * first: the fields of the op, then the op word. A put or remove is one LINK (set one link word, set the count,
 * clear the op, then free the block that left the map): redoing it is idempotent, and its block is freed after the
 * op is cleared, by the recoverer if the op was still set, so it is never freed twice. A GROW moves entries one at a
 * time from the head of an old bucket to the head of a new one (record the entry; unlink it from the old bucket; set
 * its next to the new bucket's head; make it that head); the recoverer finishes the move of the recorded entry
 * (whichever of the three writes it lacks), moves the rest, switches the header to the new array, clears the op and
 * frees the old array. So a kill costs its victim at most its own operation, which is either done or not done, and
 * leaks at most one block: a put's new entry between its allocation and its journal record, a grow's new array
 * between its allocation and its journal record, or the block an operation was about to free after its commit.
 *
 * <p>Bucket array: bucket count longs, each the offset of the first entry of its chain, or 0.
 *
 * <p>Entry (one allocation each):
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |             next entry of the chain (offset, 0 ends it)       |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                  hash (kept so growth never rereads keys)     |
 *  +---------------------------------------------------------------+
 *  |                          key length                           |
 *  +---------------------------------------------------------------+
 *  |                         value length                          |
 *  +---------------------------------------------------------------+
 *  |                           (padding)                           |
 *  +---------------------------------------------------------------+
 *  |                          key bytes                           ...
 *  +---------------------------------------------------------------+
 *  |                         value bytes                          ...
 *  +---------------------------------------------------------------+
 * </pre>
 */
public final class MapLayout {
    public static final int BUCKET_COUNT_OFFSET = ObjectHeader.LENGTH;
    public static final int ENTRY_COUNT_OFFSET = 24;
    public static final int BUCKETS_OFFSET = 32;
    public static final int LOCK_OFFSET = 64;
    public static final int JOURNAL_OP_OFFSET = LOCK_OFFSET + LockLayout.LENGTH;
    public static final int LINK_AT_OFFSET = JOURNAL_OP_OFFSET + 8;
    public static final int LINK_VALUE_OFFSET = LINK_AT_OFFSET + 8;
    public static final int LINK_COUNT_OFFSET = LINK_VALUE_OFFSET + 8;
    public static final int LINK_FREE_OFFSET = LINK_COUNT_OFFSET + 8;
    public static final int GROW_OLD_ARRAY_OFFSET = LINK_FREE_OFFSET + 8;
    public static final int GROW_OLD_COUNT_OFFSET = GROW_OLD_ARRAY_OFFSET + 8;
    public static final int GROW_NEW_ARRAY_OFFSET = GROW_OLD_COUNT_OFFSET + 8;
    public static final int GROW_MOVING_OFFSET = GROW_NEW_ARRAY_OFFSET + 8;
    public static final int HEADER_LENGTH = GROW_MOVING_OFFSET + 8;

    /** Journal op: set one link word and the entry count, then free one block. */
    public static final long OP_LINK = 1;
    /** Journal op: move every entry to a bucket array twice as big. */
    public static final long OP_GROW = 2;

    public static final int ENTRY_NEXT_OFFSET = 0;
    public static final int ENTRY_HASH_OFFSET = 8;
    public static final int ENTRY_KEY_LENGTH_OFFSET = 12;
    public static final int ENTRY_VALUE_LENGTH_OFFSET = 16;
    public static final int ENTRY_KEY_OFFSET = 24;

    /** The bucket array grows (doubles) once entries exceed this fraction of buckets: 3/4. */
    public static final int LOAD_FACTOR_NUMERATOR = 3;
    public static final int LOAD_FACTOR_DENOMINATOR = 4;
    public static final long MIN_BUCKETS = 8;

    public static final long NONE = 0;

    static {
        if (LOCK_OFFSET % LockLayout.ALIGNMENT != 0) {
            throw new AssertionError("map lock misaligned");
        }
    }

    private MapLayout() {
    }
}
