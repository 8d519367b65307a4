package io.dragon.core.messages;

/** Bytes that do not decode to a valid message; the text says what was wrong. The bytes are dropped. */
public final class MalformedMessageException extends RuntimeException {
    public MalformedMessageException(String message) {
        super(message);
    }

    public MalformedMessageException(String message, Throwable cause) {
        super(message, cause);
    }
}
