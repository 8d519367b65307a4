package io.dragon.core.client;

/** Global Services refused or failed a request; the message is its explanation. */
public final class GlobalServicesException extends RuntimeException {
    private final int err;

    public GlobalServicesException(String message, int err) {
        super(message);
        this.err = err;
    }

    /** The response's error code (see {@link io.dragon.core.messages.Response}). */
    public int err() {
        return err;
    }
}
