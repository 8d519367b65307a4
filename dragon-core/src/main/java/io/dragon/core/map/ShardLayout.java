package io.dragon.core.map;

import io.dragon.core.shm.ObjectHeader;

/**
 * Layout of a {@link Shard}'s header: one allocation in the manager's pool, beside the shard's maps (each an
 * {@link UnorderedMap} of its own, {@code working set × stripes} of them, whose descriptors the shard's handle
 * carries).
 *
 * <pre>
 *  offset  size
 *       0    16  {@link ObjectHeader header}: magic {@link ObjectHeader#SHARD}, serial
 *      16     8  working set: how many checkpoints the shard holds at once (slots)
 *      24     8  stripes: maps per slot
 *      32     8  hits: gets that found their key (added to by every reader, manager or not)
 *      40     8  misses: gets that did not
 *      48     8  newest checkpoint: written by the manager only, before it recycles a slot for it
 *      56     8  (padding)
 *      64   8×W  slot i: the checkpoint its maps hold, {@link #NO_CHECKPOINT} before its first, or
 *                {@link #RECYCLING} while the manager empties it for a newer one
 * </pre>
 */
public final class ShardLayout {
    public static final int WORKING_SET_OFFSET = ObjectHeader.LENGTH;
    public static final int STRIPES_OFFSET = 24;
    public static final int HITS_OFFSET = 32;
    public static final int MISSES_OFFSET = 40;
    public static final int NEWEST_OFFSET = 48;
    public static final int SLOTS_OFFSET = 64;

    /** A slot that never held a checkpoint. */
    public static final long NO_CHECKPOINT = -1;
    /** A slot being emptied: no checkpoint may be read or written in it. */
    public static final long RECYCLING = -2;

    private ShardLayout() {
    }

    /** Bytes of the header of a shard whose working set is {@code workingSet} checkpoints. */
    public static long length(int workingSet) {
        return SLOTS_OFFSET + 8L * workingSet;
    }
}
