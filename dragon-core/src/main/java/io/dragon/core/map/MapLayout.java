package io.dragon.core.map;

import io.dragon.core.locks.LockLayout;

/**
 * Layout of an {@link UnorderedMap} in a pool: a header allocation, a bucket array allocation and one allocation
 * per entry. Offsets stored in shared memory are segment offsets (never addresses); 0 means "none", since the pool
 * header occupies offset 0 and no allocation can start there.
 *
 * <p>Header (one allocation, 64-byte aligned):
 * <pre>
 *  offset  size
 *       0     8  magic "DRGNUMAP", zeroed on destroy
 *       8     8  serial: random, also in the descriptor, so that a stale descriptor never attaches to a later
 *                map whose header happens to reuse the same block
 *      16     8  bucket count (a power of two)
 *      24     8  entry count (read without the lock by size())
 *      32     8  bucket array offset
 *      40    24  (padding to the cache line)
 *      64    64  {@link LockLayout lock} guarding everything below and every entry
 * </pre>
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
    public static final long MAGIC = 0x50414D554E475244L; // "DRGNUMAP" little-endian

    public static final int MAGIC_OFFSET = 0;
    public static final int SERIAL_OFFSET = 8;
    public static final int BUCKET_COUNT_OFFSET = 16;
    public static final int ENTRY_COUNT_OFFSET = 24;
    public static final int BUCKETS_OFFSET = 32;
    public static final int LOCK_OFFSET = 64;
    public static final int HEADER_LENGTH = LOCK_OFFSET + LockLayout.LENGTH;

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
