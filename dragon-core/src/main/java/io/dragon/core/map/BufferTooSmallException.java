package io.dragon.core.map;

/**
 * A value does not fit in the buffer the caller passed. Nothing was copied and the map is unchanged, so the caller
 * can retry with a buffer of at least {@link #required()} bytes remaining.
 */
public final class BufferTooSmallException extends IllegalArgumentException {
    private final int required;

    public BufferTooSmallException(int required, int remaining) {
        super("value of " + required + " bytes does not fit in a buffer with " + remaining + " bytes remaining");
        this.required = required;
    }

    public int required() {
        return required;
    }
}
