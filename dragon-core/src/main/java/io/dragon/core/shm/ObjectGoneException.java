package io.dragon.core.shm;

/**
 * A shared-memory object ({@link ObjectHeader}) was destroyed, or a descriptor does not name a live one. Nothing was
 * read or changed.
 */
public class ObjectGoneException extends RuntimeException {
    /** An exception saying, in {@code message}, which object is gone. */
    public ObjectGoneException(String message) {
        super(message);
    }

    /** An exception saying, in {@code message}, which object is gone, found through {@code cause}. */
    public ObjectGoneException(String message, Throwable cause) {
        super(message, cause);
    }
}
