package io.dragon.core.infrastructure;

import java.util.Locale;

/** What a serialized descriptor describes. The ordinal is written into it: append new kinds, never reorder. */
public enum DescriptorKind {
    POOL,
    ALLOCATION,
    CHANNEL,
    MAP,
    BROADCAST,
    SHARD;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
