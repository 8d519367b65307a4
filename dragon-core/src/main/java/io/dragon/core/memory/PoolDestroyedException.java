package io.dragon.core.memory;

/** The pool was destroyed (or its runtime ended): it can no longer be attached to or allocated from. */
public final class PoolDestroyedException extends IllegalStateException {
    public PoolDestroyedException(String message) {
        super(message);
    }
}
