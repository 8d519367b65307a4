package io.dragon;

/** Something the Dragon runtime could not do; the message says what and, where it can, what to do about it. */
public class DragonException extends RuntimeException {
    public DragonException(String message) {
        super(message);
    }

    public DragonException(String message, Throwable cause) {
        super(message, cause);
    }
}
