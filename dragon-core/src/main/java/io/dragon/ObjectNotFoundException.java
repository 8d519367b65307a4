package io.dragon;

/** No object of the runtime has the name (or id) that was looked up. */
public final class ObjectNotFoundException extends DragonException {
    /** An exception saying, in {@code message}, what was looked up. */
    public ObjectNotFoundException(String message) {
        super(message);
    }
}
