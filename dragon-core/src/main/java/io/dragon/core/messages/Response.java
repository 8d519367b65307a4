package io.dragon.core.messages;

/** The answer to a {@link Request}: {@code ref} is the request's tag, {@code err} is {@link #SUCCESS} or a failure. */
public interface Response extends Message {
    int SUCCESS = 0;
    int FAIL = 1;
    int NOT_FOUND = 2;
    int ALREADY = 3;
    int TIMEOUT = 4;

    long ref();

    int err();

    /** Why it failed, for a person to read; empty on success. */
    String errInfo();

    default boolean ok() {
        return err() == SUCCESS;
    }
}
