package io.dragon.core.messages;

/**
 * An infrastructure message. Every message is a record in {@link Messages}, listed with its wire code in
 * {@link MessageType}, and carries a {@code tag} that its response echoes as {@code ref}.
 */
public interface Message {
    long tag();

    default MessageType type() {
        return MessageType.of(getClass());
    }
}
