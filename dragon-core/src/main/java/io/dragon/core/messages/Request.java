package io.dragon.core.messages;

/** A message that expects a response: it names its sender ({@code pUid}) and the channel to answer on. */
public interface Request extends Message {
    long pUid();

    long rCuid();
}
