package io.dragon.core.shm;

/** No shared-memory segment has the given name: it was never created or has been destroyed. */
public final class SegmentNotFoundException extends SharedMemoryException {
    public SegmentNotFoundException(String name) {
        super("shared-memory segment " + name + " does not exist: it was destroyed, or its runtime has ended");
    }
}
