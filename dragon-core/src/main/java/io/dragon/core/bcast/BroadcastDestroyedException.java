package io.dragon.core.bcast;

/** The broadcast was destroyed (while waiting, or before the call), or a descriptor does not point at a live one. */
public final class BroadcastDestroyedException extends IllegalStateException {
    public BroadcastDestroyedException(String message) {
        super(message);
    }

    public BroadcastDestroyedException(String message, Throwable cause) {
        super(message, cause);
    }
}
