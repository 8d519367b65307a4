package io.dragon;

/** Something the Dragon runtime could not do; the message says what and, where it can, what to do about it. */
public class DragonException extends RuntimeException {
    /** An exception with {@code message}, which says what failed and, where it can, what to do. */
    public DragonException(String message) {
        super(message);
    }

    /** An exception with {@code message}, caused by {@code cause}. */
    public DragonException(String message, Throwable cause) {
        super(message, cause);
    }
}
