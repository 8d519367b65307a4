package io.dragon.core.messages;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A message's wire code and record class. The catalog is built once, at class initialization, from the records
 * that {@link Message} permits and their {@link Code} annotations: a record and its code are the one place where
 * a message is declared. Lookups in either direction allocate nothing.
 */
public final class MessageType {
    /**
     * The wire code of a message record. Codes are part of the protocol: never reuse or renumber one. They run
     * from 1 to {@link #MAX_CODE}, which keeps the lookup by code a small array.
     */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.TYPE)
    public @interface Code {
        /** The code; unique in the catalog. */
        int value();
    }

    /** Largest wire code allowed. */
    public static final int MAX_CODE = 1023;

    private static final List<MessageType> ALL;
    /** Indexed by code; null where no message has that code. */
    private static final MessageType[] BY_CODE;
    private static final Map<Class<?>, MessageType> BY_CLASS;

    static {
        List<MessageType> all = new ArrayList<>();
        collect(Message.class, all);
        all.sort(Comparator.comparingInt(MessageType::code));
        MessageType[] byCode = new MessageType[all.get(all.size() - 1).code + 1];
        Map<Class<?>, MessageType> byClass = new HashMap<>();
        for (MessageType type : all) {
            if (byCode[type.code] != null) {
                throw new IllegalStateException(type + " and " + byCode[type.code] + " both have code " + type.code);
            }
            byCode[type.code] = type;
            byClass.put(type.messageClass, type);
        }
        ALL = List.copyOf(all);
        BY_CODE = byCode;
        BY_CLASS = Map.copyOf(byClass);
    }

    private final int code;
    private final Class<? extends Message> messageClass;

    private MessageType(int code, Class<? extends Message> messageClass) {
        this.code = code;
        this.messageClass = messageClass;
    }

    /** Adds the records under {@code type} in the sealed hierarchy of {@link Message}. */
    private static void collect(Class<?> type, List<MessageType> all) {
        if (type.isRecord()) {
            Code code = type.getAnnotation(Code.class);
            if (code == null || code.value() < 1 || code.value() > MAX_CODE) {
                throw new IllegalStateException(type.getName() + " needs a @Code from 1 to " + MAX_CODE);
            }
            all.add(new MessageType(code.value(), type.asSubclass(Message.class)));
            return;
        }
        for (Class<?> permitted : type.getPermittedSubclasses()) {
            collect(permitted, all);
        }
    }

    /** The wire code. */
    public int code() {
        return code;
    }

    /** The record class. */
    public Class<? extends Message> messageClass() {
        return messageClass;
    }

    /** Every message type, by code. */
    public static List<MessageType> values() {
        return ALL;
    }

    /** The type with this wire code, or null if none. */
    public static MessageType fromCode(long code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[(int) code] : null;
    }

    /**
     * The type of a message record.
     *
     * @throws IllegalArgumentException if the class is not a message record
     */
    public static MessageType of(Class<?> messageClass) {
        MessageType type = BY_CLASS.get(messageClass);
        if (type == null) {
            throw new IllegalArgumentException(messageClass.getName() + " is not in the message catalog");
        }
        return type;
    }

    /** The record's simple name, as in logs and docs/messages.md. */
    @Override
    public String toString() {
        return messageClass.getSimpleName();
    }
}
