package io.dragon.core.memory;

/** A pool had no free block large enough within the caller's timeout. Nothing was allocated. */
public final class PoolFullException extends RuntimeException {
    public PoolFullException(String message) {
        super(message);
    }
}
