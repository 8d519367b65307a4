package io.dragon.core.infrastructure;

/** Defaults of the runtime's pools and channels, as in the original Dragon (the ids are in {@link Ids}). */
public final class Facts {
    /** Defaults for pools and channels; all can be changed through launch parameters. */
    public static final long DEFAULT_INFRA_POOL_SIZE = 64L << 20;
    public static final long DEFAULT_POOL_SIZE = 1L << 30;
    public static final int INFRA_CHANNEL_CAPACITY = 1024;
    public static final int INFRA_CHANNEL_BLOCK_SIZE = 1024;

    private Facts() {
    }
}
