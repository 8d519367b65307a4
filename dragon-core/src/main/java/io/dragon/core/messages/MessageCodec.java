package io.dragon.core.messages;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePackException;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.ValueType;

/**
 * Encodes messages to MessagePack and back. A message is an array: its {@link MessageType} code, then its record
 * components in declaration order. Components may be {@code long}, {@code int}, {@code boolean}, {@code double},
 * {@code String}, {@code byte[]}, enums (by name), nested records, {@code List<T>} and {@code Map<String, T>} of
 * these; reference-typed components may be null (nil).
 *
 * <p>Decoding trusts nothing: every length is checked against the bytes actually present before anything is
 * allocated, so a forged length can never make it allocate more than the input's size, and every failure is a
 * {@link MalformedMessageException} that names the message type and field.
 */
public final class MessageCodec {
    /** Largest encoded message accepted anywhere (pipe frames, channel messages). */
    public static final int MAX_MESSAGE_BYTES = 64 << 20;

    private static final ClassValue<Schema> SCHEMAS = new ClassValue<>() {
        @Override
        protected Schema computeValue(Class<?> type) {
            return new Schema(type);
        }
    };

    private MessageCodec() {
    }

    public static byte[] encode(Message message) {
        try (MessageBufferPacker packer = MessagePack.newDefaultBufferPacker()) {
            Schema schema = SCHEMAS.get(message.getClass());
            packer.packArrayHeader(schema.components.length + 1);
            packer.packInt(message.type().code());
            schema.packFields(packer, message);
            return packer.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode " + message.getClass().getSimpleName(), e);
        }
    }

    public static Message decode(byte[] bytes) {
        return decode(bytes, 0, bytes.length);
    }

    /**
     * Decodes one message that fills exactly {@code length} bytes at {@code offset}.
     *
     * @throws MalformedMessageException naming what was wrong
     */
    public static Message decode(byte[] bytes, int offset, int length) {
        if (length > MAX_MESSAGE_BYTES) {
            throw new MalformedMessageException("message of " + length + " bytes exceeds the limit of "
                + MAX_MESSAGE_BYTES);
        }
        MessageType type = null;
        try (MessageUnpacker unpacker = MessagePack.newDefaultUnpacker(bytes, offset, length)) {
            Reader reader = new Reader(unpacker, length);
            int size = reader.arrayHeader("message");
            if (size < 1) {
                throw new MalformedMessageException("empty message array: no type code");
            }
            long code = reader.integer("type code");
            type = MessageType.fromCode(code);
            if (type == null) {
                throw new MalformedMessageException("unknown message type code " + code);
            }
            Schema schema = SCHEMAS.get(type.messageClass());
            if (size != schema.components.length + 1) {
                throw new MalformedMessageException(type + " must have " + schema.components.length + " fields, got "
                    + (size - 1));
            }
            Message message = (Message) schema.read(reader);
            if (unpacker.hasNext()) {
                throw new MalformedMessageException(type + " is followed by " + (length - unpacker.getTotalReadBytes())
                    + " unexpected bytes");
            }
            return message;
        } catch (MalformedMessageException e) {
            throw e;
        } catch (MessagePackException | IOException | IllegalArgumentException e) {
            throw new MalformedMessageException((type == null ? "message" : type.toString()) + " is malformed: "
                + e.getMessage(), e);
        }
    }

    /**
     * A record type's components, accessors and canonical constructor. Core reflection rather than method handles:
     * generic {@code MethodHandle.invoke} spins LambdaForm classes for every record shape, which costs each short-lived
     * runtime JVM tens of milliseconds at start-up; reflection calls natively until it is hot.
     */
    private static final class Schema {
        private final Class<?> type;
        private final RecordComponent[] components;
        private final Method[] accessors;
        private final Constructor<?> constructor;

        Schema(Class<?> type) {
            if (!type.isRecord() || !Modifier.isPublic(type.getModifiers())) {
                throw new IllegalArgumentException(type + " is not a public record");
            }
            this.type = type;
            this.components = type.getRecordComponents();
            this.accessors = new Method[components.length];
            Class<?>[] parameterTypes = new Class<?>[components.length];
            try {
                for (int i = 0; i < components.length; i++) {
                    accessors[i] = components[i].getAccessor();
                    parameterTypes[i] = components[i].getType();
                }
                this.constructor = type.getDeclaredConstructor(parameterTypes);
            } catch (ReflectiveOperationException e) {
                throw new IllegalArgumentException("record " + type.getName() + " has no canonical constructor", e);
            }
        }

        void packFields(MessageBufferPacker packer, Object record) throws IOException {
            for (int i = 0; i < components.length; i++) {
                Object value;
                try {
                    value = accessors[i].invoke(record);
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException("cannot read " + type.getSimpleName() + "."
                        + components[i].getName(), e);
                }
                pack(packer, components[i].getGenericType(), value);
            }
        }

        Object read(Reader reader) throws IOException {
            Object[] values = new Object[components.length];
            for (int i = 0; i < components.length; i++) {
                reader.field = type.getSimpleName() + "." + components[i].getName();
                values[i] = reader.value(components[i].getGenericType());
            }
            try {
                return constructor.newInstance(values);
            } catch (InvocationTargetException e) {
                Throwable cause = e.getCause();
                if (cause instanceof RuntimeException) {
                    throw new MalformedMessageException(type.getSimpleName() + " has invalid fields: "
                        + cause.getMessage(), cause);
                }
                throw new IllegalStateException("cannot construct " + type.getSimpleName(), cause);
            } catch (IllegalArgumentException e) {
                throw new MalformedMessageException(type.getSimpleName() + " has fields of the wrong types", e);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot construct " + type.getSimpleName(), e);
            }
        }
    }

    private static void pack(MessageBufferPacker packer, Type type, Object value) throws IOException {
        if (value == null) {
            packer.packNil();
            return;
        }
        Class<?> raw = rawClass(type);
        if (raw == long.class || raw == Long.class) {
            packer.packLong((Long) value);
        } else if (raw == int.class || raw == Integer.class) {
            packer.packInt((Integer) value);
        } else if (raw == boolean.class || raw == Boolean.class) {
            packer.packBoolean((Boolean) value);
        } else if (raw == double.class || raw == Double.class) {
            packer.packDouble((Double) value);
        } else if (raw == String.class) {
            packer.packString((String) value);
        } else if (raw == byte[].class) {
            byte[] bytes = (byte[]) value;
            packer.packBinaryHeader(bytes.length);
            packer.writePayload(bytes);
        } else if (raw.isEnum()) {
            packer.packString(((Enum<?>) value).name());
        } else if (raw.isRecord()) {
            Schema schema = SCHEMAS.get(raw);
            packer.packArrayHeader(schema.components.length);
            schema.packFields(packer, value);
        } else if (raw == List.class) {
            List<?> list = (List<?>) value;
            packer.packArrayHeader(list.size());
            for (Object element : list) {
                pack(packer, typeArgument(type, 0), element);
            }
        } else if (raw == Map.class) {
            Map<?, ?> map = (Map<?, ?>) value;
            packer.packMapHeader(map.size());
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                packer.packString((String) entry.getKey());
                pack(packer, typeArgument(type, 1), entry.getValue());
            }
        } else {
            throw new IllegalArgumentException("messages cannot carry a " + type.getTypeName());
        }
    }

    private static Class<?> rawClass(Type type) {
        return type instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) type;
    }

    private static Type typeArgument(Type type, int index) {
        return ((ParameterizedType) type).getActualTypeArguments()[index];
    }

    /** Checked reads: every format and length is verified before use. */
    private static final class Reader {
        private final MessageUnpacker unpacker;
        private final long inputLength;
        private String field = "message";

        Reader(MessageUnpacker unpacker, long inputLength) {
            this.unpacker = unpacker;
            this.inputLength = inputLength;
        }

        Object value(Type type) throws IOException {
            Class<?> raw = rawClass(type);
            MessageFormat format = next();
            if (format == MessageFormat.NIL) {
                if (raw.isPrimitive()) {
                    throw wrong("a " + raw.getName(), format);
                }
                unpacker.unpackNil();
                return null;
            }
            if (raw == long.class || raw == Long.class) {
                return integer(field);
            } else if (raw == int.class || raw == Integer.class) {
                long value = integer(field);
                if (value != (int) value) {
                    throw new MalformedMessageException(field + ": " + value + " does not fit an int");
                }
                return (int) value;
            } else if (raw == boolean.class || raw == Boolean.class) {
                expect(format, ValueType.BOOLEAN, "a boolean");
                return unpacker.unpackBoolean();
            } else if (raw == double.class || raw == Double.class) {
                expect(format, ValueType.FLOAT, "a float");
                return unpacker.unpackDouble();
            } else if (raw == String.class) {
                return string(format);
            } else if (raw == byte[].class) {
                expect(format, ValueType.BINARY, "binary data");
                return unpacker.readPayload(checkedLength(unpacker.unpackBinaryHeader()));
            } else if (raw.isEnum()) {
                return enumConstant(raw, string(format));
            } else if (raw.isRecord()) {
                Schema schema = SCHEMAS.get(raw);
                String outer = field;
                int size = arrayHeader(field);
                if (size != schema.components.length) {
                    throw new MalformedMessageException(field + ": a " + raw.getSimpleName() + " has "
                        + schema.components.length + " fields, got " + size);
                }
                Object record = schema.read(this);
                field = outer;
                return record;
            } else if (raw == List.class) {
                int size = arrayHeader(field);
                List<Object> list = new ArrayList<>(size);
                for (int i = 0; i < size; i++) {
                    list.add(value(typeArgument(type, 0)));
                }
                return Collections.unmodifiableList(list);
            } else if (raw == Map.class) {
                expect(format, ValueType.MAP, "a map");
                int size = checkedLength(unpacker.unpackMapHeader());
                Map<String, Object> map = new LinkedHashMap<>();
                for (int i = 0; i < size; i++) {
                    String key = string(next());
                    map.put(key, value(typeArgument(type, 1)));
                }
                return Collections.unmodifiableMap(map);
            }
            throw new IllegalStateException("messages cannot carry a " + type.getTypeName());
        }

        long integer(String what) throws IOException {
            MessageFormat format = next();
            expect(format, ValueType.INTEGER, "an integer", what);
            return unpacker.unpackLong(); // a uint64 above Long.MAX_VALUE fails here with an overflow error
        }

        int arrayHeader(String what) throws IOException {
            expect(next(), ValueType.ARRAY, "an array", what);
            return checkedLength(unpacker.unpackArrayHeader());
        }

        private String string(MessageFormat format) throws IOException {
            expect(format, ValueType.STRING, "a string");
            byte[] bytes = unpacker.readPayload(checkedLength(unpacker.unpackRawStringHeader()));
            return new String(bytes, StandardCharsets.UTF_8);
        }

        @SuppressWarnings({"unchecked", "rawtypes"})
        private Object enumConstant(Class<?> type, String name) {
            try {
                return Enum.valueOf((Class) type, name);
            } catch (IllegalArgumentException e) {
                throw new MalformedMessageException(field + ": '" + name + "' is not a " + type.getSimpleName());
            }
        }

        /** A length may never exceed the bytes left: each element or byte needs at least one. */
        private int checkedLength(int length) {
            long left = inputLength - unpacker.getTotalReadBytes();
            if (length < 0 || length > left) {
                throw new MalformedMessageException(field + ": length " + (length & 0xFFFF_FFFFL) + " exceeds the "
                    + left + " bytes left in the message");
            }
            return length;
        }

        private MessageFormat next() throws IOException {
            if (!unpacker.hasNext()) {
                throw new MalformedMessageException(field + ": message ends early");
            }
            return unpacker.getNextFormat();
        }

        private void expect(MessageFormat format, ValueType valueType, String expected) {
            expect(format, valueType, expected, field);
        }

        private void expect(MessageFormat format, ValueType valueType, String expected, String what) {
            if (format.getValueType() != valueType) {
                throw wrong(expected, format, what);
            }
        }

        private MalformedMessageException wrong(String expected, MessageFormat found) {
            return wrong(expected, found, field);
        }

        private static MalformedMessageException wrong(String expected, MessageFormat found, String what) {
            return new MalformedMessageException(what + ": expected " + expected + ", found "
                + found.getValueType().name().toLowerCase(java.util.Locale.ROOT));
        }
    }
}
