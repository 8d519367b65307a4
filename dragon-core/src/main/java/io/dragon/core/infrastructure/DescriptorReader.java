package io.dragon.core.infrastructure;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * Reads a serialized descriptor, checking it thoroughly: any truncation or altered byte gives a
 * {@link CorruptDescriptorException}, never a wrong attachment.
 *
 * <pre>
 *  offset  size
 *       0     2  magic 0x4447 ("DG")
 *       2     1  kind ({@link DescriptorKind} ordinal)
 *       3     1  format version
 *       4     n  fields, big-endian: longs, ints, strings as (int length, UTF-8 bytes)
 *     4+n     4  CRC32C of bytes 0 .. 4+n
 * </pre>
 */
public final class DescriptorReader {
    static final short MAGIC = 0x4447;
    static final byte VERSION = 1;
    private static final int MAX_STRING = 4096;

    private final ByteBuffer buffer;
    private final DescriptorKind kind;

    private DescriptorReader(ByteBuffer buffer, DescriptorKind kind) {
        this.buffer = buffer;
        this.kind = kind;
    }

    /** Checks framing, kind and checksum, and positions the reader at the first field. */
    public static DescriptorReader open(byte[] bytes, DescriptorKind expected) {
        if (bytes == null || bytes.length < 8) {
            throw new CorruptDescriptorException(expected.label() + " descriptor is "
                + (bytes == null ? "missing" : "too short (" + bytes.length + " bytes)"));
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes, 0, bytes.length - 4);
        if (buffer.getShort() != MAGIC) {
            throw new CorruptDescriptorException(expected.label() + " descriptor does not start with the Dragon"
                + " descriptor magic: these bytes are not a descriptor");
        }
        int kind = buffer.get();
        byte version = buffer.get();
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        if ((int) crc.getValue() != ByteBuffer.wrap(bytes, bytes.length - 4, 4).getInt()) {
            throw new CorruptDescriptorException(expected.label() + " descriptor fails its checksum: it was altered"
                + " or truncated in transit");
        }
        if (version != VERSION) {
            throw new CorruptDescriptorException(expected.label() + " descriptor has format version " + version
                + ", this runtime reads version " + VERSION);
        }
        if (kind != expected.ordinal()) {
            throw new CorruptDescriptorException("expected a " + expected.label() + " descriptor, got "
                + (kind >= 0 && kind < DescriptorKind.values().length ? "a " + DescriptorKind.values()[kind].label()
                    : "an unknown kind " + kind));
        }
        return new DescriptorReader(buffer, expected);
    }

    public long getLong() {
        try {
            return buffer.getLong();
        } catch (BufferUnderflowException e) {
            throw truncated();
        }
    }

    public int getInt() {
        try {
            return buffer.getInt();
        } catch (BufferUnderflowException e) {
            throw truncated();
        }
    }

    public String getString() {
        int length = getInt();
        if (length < 0 || length > MAX_STRING || length > buffer.remaining()) {
            throw new CorruptDescriptorException(kind.label() + " descriptor has a bad string length " + length);
        }
        byte[] bytes = new byte[length];
        buffer.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** Ends reading; fails if bytes are left over. */
    public void finish() {
        if (buffer.hasRemaining()) {
            throw new CorruptDescriptorException(kind.label() + " descriptor has " + buffer.remaining()
                + " unexpected trailing bytes");
        }
    }

    private CorruptDescriptorException truncated() {
        return new CorruptDescriptorException(kind.label() + " descriptor is truncated");
    }
}
