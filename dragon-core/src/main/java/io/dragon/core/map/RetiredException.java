package io.dragon.core.map;

/** An operation in a checkpoint that a newer one has pushed out of a {@link Shard}'s working set. */
public final class RetiredException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final long checkpoint;
    private final long newest;
    private final int workingSet;

    public RetiredException(long checkpoint, long newest, int workingSet) {
        super("checkpoint " + checkpoint + " was retired: the working set holds " + workingSet + " checkpoint"
            + (workingSet == 1 ? "" : "s") + " and the newest is " + newest);
        this.checkpoint = checkpoint;
        this.newest = newest;
        this.workingSet = workingSet;
    }

    public long checkpoint() {
        return checkpoint;
    }

    /** The newest checkpoint when this was thrown. */
    public long newest() {
        return newest;
    }

    public int workingSet() {
        return workingSet;
    }
}
