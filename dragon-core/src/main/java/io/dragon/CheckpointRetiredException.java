package io.dragon;

/**
 * A use of a {@link DDict} checkpoint that newer checkpoints have pushed out of the dictionary's working set: its
 * entries are gone.
 */
public final class CheckpointRetiredException extends DragonException {
    private static final long serialVersionUID = 1L;

    private final long checkpoint;

    /** An exception saying, in {@code message}, that {@code checkpoint} was retired. */
    public CheckpointRetiredException(String message, long checkpoint) {
        super(message);
        this.checkpoint = checkpoint;
    }

    /** The checkpoint that was retired. */
    public long checkpoint() {
        return checkpoint;
    }
}
