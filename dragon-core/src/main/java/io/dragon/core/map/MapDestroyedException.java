package io.dragon.core.map;

/** The map was destroyed, or a descriptor does not point at a live map. Nothing was read or changed. */
public final class MapDestroyedException extends IllegalStateException {
    public MapDestroyedException(String message) {
        super(message);
    }

    public MapDestroyedException(String message, Throwable cause) {
        super(message, cause);
    }
}
