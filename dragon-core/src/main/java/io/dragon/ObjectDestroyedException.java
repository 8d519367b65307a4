package io.dragon;

/** The object was destroyed (by any process) before this use of it. */
public final class ObjectDestroyedException extends DragonException {
    public ObjectDestroyedException(String message) {
        super(message);
    }

    public ObjectDestroyedException(String message, Throwable cause) {
        super(message, cause);
    }
}
