package io.dragon.core.infrastructure;

/** A serialized descriptor could not be read: truncated, altered, or of another kind than expected. */
public final class CorruptDescriptorException extends IllegalArgumentException {
    public CorruptDescriptorException(String message) {
        super(message);
    }
}
