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
 *      32     8  (padding)
 *      40     8  (padding)
 *      48     8  newest checkpoint: written by the manager only, before it recycles a slot for it
 *      56     8  (padding)
 *      64   8×W  slot i: the checkpoint its maps hold, {@link #NO_CHECKPOINT} before its first, or
 *                {@link #RECYCLING} while the manager empties it for a newer one
 *       C  64×S  counters of stripe s, one cache line each (so readers of different stripes do not share one):
 *                hits (gets that found their key) at +0, misses at +8; C = 64 + 8×W rounded up to 64
 * </pre>
 */
public final class ShardLayout {
    public static final int WORKING_SET_OFFSET = ObjectHeader.LENGTH;
    public static final int STRIPES_OFFSET = 24;
    /** Offsets within a stripe's counter line. */
    public static final int HITS_OFFSET = 0;
    public static final int MISSES_OFFSET = 8;
    public static final int COUNTER_LINE = 64;
    public static final int NEWEST_OFFSET = 48;
    public static final int SLOTS_OFFSET = 64;

    /** A slot that never held a checkpoint. */
    public static final long NO_CHECKPOINT = -1;
    /** A slot being emptied: no checkpoint may be read or written in it. */
    public static final long RECYCLING = -2;

    private ShardLayout() {
    }

    /** Where the counter lines start in the header of a shard whose working set is {@code workingSet}. */
    public static long countersOffset(int workingSet) {
        return (SLOTS_OFFSET + 8L * workingSet + COUNTER_LINE - 1) / COUNTER_LINE * COUNTER_LINE;
    }

    /** Bytes of the header of a shard of {@code workingSet} checkpoints of {@code stripes} maps. */
    public static long length(int workingSet, int stripes) {
        return countersOffset(workingSet) + (long) COUNTER_LINE * stripes;
    }
}
