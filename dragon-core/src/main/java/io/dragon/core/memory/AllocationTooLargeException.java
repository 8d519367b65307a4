package io.dragon.core.memory;

/** A request asks for more bytes than the pool's largest block, so waiting could never satisfy it. */
public final class AllocationTooLargeException extends IllegalArgumentException {
    public AllocationTooLargeException(String message) {
        super(message);
    }
}
