package io.dragon;

import io.dragon.internal.Services;
import java.io.IOException;
import java.io.NotSerializableException;
import java.io.ObjectOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The built-in {@link Codec}s. {@link #standard()}, the default everywhere, sends {@code byte[]}, {@code ByteBuffer},
 * {@code String} and boxed primitives in a compact form of their own (no Java serialization, one tag byte each) and
 * everything else with Java serialization.
 */
public final class Codecs {
    private Codecs() {
    }

    /** The default codec: fast forms for common types, Java serialization for the rest; allows null. */
    @SuppressWarnings("unchecked")
    public static <E> Codec<E> standard() {
        return (Codec<E>) Standard.INSTANCE;
    }

    /**
     * Java serialization of every element, with a 4-byte length before it; read through the runtime's deserialization
     * filter, which refuses classes off its lists (see the README, or {@code dragon --serial-filter}).
     */
    @SuppressWarnings("unchecked")
    public static <E> Codec<E> serialization() {
        return (Codec<E>) Serialization.INSTANCE;
    }

    /** Byte arrays as they are, with a 4-byte length before them. */
    public static Codec<byte[]> bytes() {
        return Bytes.INSTANCE;
    }

    /** Strings in UTF-8, with a 4-byte length before them. */
    public static Codec<String> strings() {
        return Strings.INSTANCE;
    }

    private static byte[] readLengthPrefixed(ByteBuffer in) {
        int length = in.getInt();
        if (length < 0 || length > in.remaining()) {
            throw new DragonException("corrupt element: length " + length + " with " + in.remaining()
                + " bytes left");
        }
        byte[] bytes = new byte[length];
        in.get(bytes);
        return bytes;
    }

    private static void writeLengthPrefixed(byte[] bytes, Output out) {
        out.putInt(bytes.length).putBytes(bytes, 0, bytes.length);
    }

    private enum Bytes implements Codec<byte[]> {
        INSTANCE;

        @Override
        public void encode(byte[] element, Output out) {
            writeLengthPrefixed(element, out);
        }

        @Override
        public byte[] decode(ByteBuffer in) {
            return readLengthPrefixed(in);
        }
    }

    private enum Strings implements Codec<String> {
        INSTANCE;

        @Override
        public void encode(String element, Output out) {
            writeLengthPrefixed(element.getBytes(StandardCharsets.UTF_8), out);
        }

        @Override
        public String decode(ByteBuffer in) {
            return new String(readLengthPrefixed(in), StandardCharsets.UTF_8);
        }
    }

    private enum Serialization implements Codec<Object> {
        INSTANCE;

        @Override
        public void encode(Object element, Output out) {
            int start = out.length();
            out.putInt(0);
            try (ObjectOutputStream stream = new ObjectOutputStream(out.asStream())) {
                stream.writeObject(element);
            } catch (NotSerializableException e) {
                throw new DragonException("cannot send a " + element.getClass().getName() + " to another process: "
                    + e.getMessage() + " is not Serializable (use a Serializable type or a Codec of your own)", e);
            } catch (IOException e) {
                throw new DragonException("cannot serialize a " + element.getClass().getName() + ": " + e, e);
            }
            out.putInt(start, out.length() - start - Integer.BYTES);
        }

        @Override
        public Object decode(ByteBuffer in) {
            byte[] bytes = readLengthPrefixed(in);
            return Services.deserialize(bytes, 0, bytes.length, "an element");
        }
    }

    /** One tag byte, then the value's own form; Java serialization for types without one. */
    private enum Standard implements Codec<Object> {
        INSTANCE;

        private static final byte NULL = 0;
        private static final byte SERIALIZED = 1;
        private static final byte BYTES = 2;
        private static final byte BYTE_BUFFER = 3;
        private static final byte STRING = 4;
        private static final byte LONG = 5;
        private static final byte INTEGER = 6;
        private static final byte DOUBLE = 7;
        private static final byte FLOAT = 8;
        private static final byte SHORT = 9;
        private static final byte BYTE = 10;
        private static final byte CHARACTER = 11;
        private static final byte BOOLEAN = 12;

        @Override
        public void encode(Object element, Output out) {
            if (element == null) {
                out.putByte(NULL);
            } else if (element instanceof Integer value) {
                out.putByte(INTEGER).putInt(value);
            } else if (element instanceof Long value) {
                out.putByte(LONG).putLong(value);
            } else if (element instanceof Double value) {
                out.putByte(DOUBLE).putDouble(value);
            } else if (element instanceof String value) {
                out.putByte(STRING);
                Strings.INSTANCE.encode(value, out);
            } else if (element instanceof byte[] value) {
                out.putByte(BYTES);
                writeLengthPrefixed(value, out);
            } else if (element instanceof ByteBuffer value) {
                out.putByte(BYTE_BUFFER).putInt(value.remaining()).putBytes(value);
            } else if (element instanceof Float value) {
                out.putByte(FLOAT).putInt(Float.floatToRawIntBits(value));
            } else if (element instanceof Short value) {
                out.putByte(SHORT).putInt(value);
            } else if (element instanceof Byte value) {
                out.putByte(BYTE).putByte(value);
            } else if (element instanceof Character value) {
                out.putByte(CHARACTER).putInt(value);
            } else if (element instanceof Boolean value) {
                out.putByte(BOOLEAN).putByte(value ? 1 : 0);
            } else {
                out.putByte(SERIALIZED);
                Serialization.INSTANCE.encode(element, out);
            }
        }

        @Override
        public Object decode(ByteBuffer in) {
            byte tag = in.get();
            switch (tag) {
                case NULL:
                    return null;
                case INTEGER:
                    return in.getInt();
                case LONG:
                    return in.getLong();
                case DOUBLE:
                    return in.getDouble();
                case STRING:
                    return Strings.INSTANCE.decode(in);
                case BYTES:
                    return readLengthPrefixed(in);
                case BYTE_BUFFER:
                    return ByteBuffer.wrap(readLengthPrefixed(in));
                case FLOAT:
                    return Float.intBitsToFloat(in.getInt());
                case SHORT:
                    return (short) in.getInt();
                case BYTE:
                    return in.get();
                case CHARACTER:
                    return (char) in.getInt();
                case BOOLEAN:
                    return in.get() != 0;
                case SERIALIZED:
                    return Serialization.INSTANCE.decode(in);
                default:
                    throw new DragonException("corrupt element: unknown tag " + tag);
            }
        }
    }
}
