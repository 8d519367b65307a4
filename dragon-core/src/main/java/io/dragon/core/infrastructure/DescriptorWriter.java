package io.dragon.core.infrastructure;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * Builds a serialized descriptor: the handle another process uses to attach to a pool, allocation or channel.
 * Descriptors hold ids and offsets, never addresses. See {@link DescriptorReader} for the framing.
 */
public final class DescriptorWriter {
    private ByteBuffer buffer = ByteBuffer.allocate(64);

    public DescriptorWriter(DescriptorKind kind) {
        buffer.putShort(DescriptorReader.MAGIC).put((byte) kind.ordinal()).put(DescriptorReader.VERSION);
    }

    public DescriptorWriter putLong(long value) {
        ensure(8).putLong(value);
        return this;
    }

    public DescriptorWriter putInt(int value) {
        ensure(4).putInt(value);
        return this;
    }

    public DescriptorWriter putString(String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        ensure(4 + bytes.length).putInt(bytes.length).put(bytes);
        return this;
    }

    public byte[] toBytes() {
        CRC32C crc = new CRC32C();
        crc.update(buffer.array(), 0, buffer.position());
        ensure(4).putInt((int) crc.getValue());
        return Arrays.copyOf(buffer.array(), buffer.position());
    }

    private ByteBuffer ensure(int bytes) {
        if (buffer.remaining() < bytes) {
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(buffer.capacity() * 2, buffer.position() + bytes));
            buffer = bigger.put(buffer.flip());
        }
        return buffer;
    }
}
