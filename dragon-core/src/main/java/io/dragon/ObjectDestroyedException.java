package io.dragon;

/** The object was destroyed (by any process) before this use of it. */
public final class ObjectDestroyedException extends DragonException {
    /** An exception saying, in {@code message}, which object was destroyed. */
    public ObjectDestroyedException(String message) {
        super(message);
    }

    /** An exception saying, in {@code message}, which object was destroyed, found through {@code cause}. */
    public ObjectDestroyedException(String message, Throwable cause) {
        super(message, cause);
    }
}
