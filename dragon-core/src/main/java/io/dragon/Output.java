package io.dragon;

import java.io.OutputStream;
import java.nio.ByteBuffer;

/**
 * A growable byte buffer that {@link Codec}s write elements into. One is reused for many elements: {@link #clear()}
 * keeps its memory, so encoding allocates only when an element is larger than any before.
 */
public final class Output {
    private ByteBuffer buffer;

    /** An empty output with room for {@code initialCapacity} bytes (at least 16) before it grows. */
    public Output(int initialCapacity) {
        this.buffer = ByteBuffer.allocate(Math.max(16, initialCapacity));
    }

    /** Writes the low byte of {@code value}. */
    public Output putByte(int value) {
        ensure(1).put((byte) value);
        return this;
    }

    /** Writes {@code value} in 4 bytes, big-endian. */
    public Output putInt(int value) {
        ensure(Integer.BYTES).putInt(value);
        return this;
    }

    /** Writes {@code value} in 8 bytes, big-endian. */
    public Output putLong(long value) {
        ensure(Long.BYTES).putLong(value);
        return this;
    }

    /** Writes {@code value} in 8 bytes, big-endian. */
    public Output putDouble(double value) {
        ensure(Double.BYTES).putDouble(value);
        return this;
    }

    /** Writes {@code length} bytes of {@code src} from {@code offset}. */
    public Output putBytes(byte[] src, int offset, int length) {
        ensure(length).put(src, offset, length);
        return this;
    }

    /** Writes the remaining bytes of {@code src}, leaving its position unchanged. */
    public Output putBytes(ByteBuffer src) {
        ensure(src.remaining()).put(src.duplicate());
        return this;
    }

    /** Overwrites the int at {@code index} (for a length written before what it measures). */
    public Output putInt(int index, int value) {
        buffer.putInt(index, value);
        return this;
    }

    /** Bytes written since the last {@link #clear()}. */
    public int length() {
        return buffer.position();
    }

    /** Forgets what was written, keeping the memory for the next element. */
    public Output clear() {
        buffer.clear();
        return this;
    }

    /** The bytes written so far, as a read-only-by-convention view from index 0 (shares this output's memory). */
    public ByteBuffer view() {
        return buffer.duplicate().flip();
    }

    /** The bytes written so far, copied. */
    public byte[] toByteArray() {
        byte[] bytes = new byte[buffer.position()];
        buffer.duplicate().flip().get(bytes);
        return bytes;
    }

    /** An OutputStream that appends here, for codecs built on streams (such as Java serialization). */
    public OutputStream asStream() {
        return new OutputStream() {
            @Override
            public void write(int b) {
                putByte(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                putBytes(b, off, len);
            }
        };
    }

    private ByteBuffer ensure(int more) {
        if (buffer.remaining() < more) {
            long needed = (long) buffer.position() + more;
            if (needed > Integer.MAX_VALUE - 8) {
                throw new DragonException("an encoded element would exceed 2 GiB");
            }
            int capacity = (int) Math.min(Integer.MAX_VALUE - 8, Math.max(needed, 2L * buffer.capacity()));
            buffer = ByteBuffer.allocate(capacity).put(buffer.flip());
        }
        return buffer;
    }
}
