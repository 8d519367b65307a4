package io.dragon.core.shm;

import static io.dragon.core.shm.UnsafeAccess.ARRAY_BYTE_BASE;
import static io.dragon.core.shm.UnsafeAccess.ARRAY_DOUBLE_BASE;
import static io.dragon.core.shm.UnsafeAccess.ARRAY_INT_BASE;
import static io.dragon.core.shm.UnsafeAccess.ARRAY_LONG_BASE;
import static io.dragon.core.shm.UnsafeAccess.BUFFER_ADDRESS;
import static io.dragon.core.shm.UnsafeAccess.UNSAFE;

import io.dragon.core.infrastructure.Settings;
import java.nio.ByteBuffer;

/**
 * A view over a range of native memory (usually a mapped shared-memory segment) with plain, ordered and atomic
 * accessors, addressed by a {@code long} byte index so that segments larger than 2 GiB work.
 *
 * <p>Atomic accessors need their index aligned to the size of the value; every layout in the runtime keeps them so.
 * Bounds are checked unless the system property {@code dragon.disable.bounds.checks} is {@code true}.
 */
public final class SharedBuffer {
    private static final boolean CHECK_BOUNDS = !Settings.disableBoundsChecks();

    private final long address;
    private final long capacity;

    public SharedBuffer(long address, long capacity) {
        this.address = address;
        this.capacity = capacity;
    }

    /** A view of {@code length} bytes starting at {@code index} of this one. */
    public SharedBuffer slice(long index, long length) {
        check(index, length);
        return new SharedBuffer(address + index, length);
    }

    public long address() {
        return address;
    }

    public long capacity() {
        return capacity;
    }

    public long getLong(long index) {
        check(index, 8);
        return UNSAFE.getLong(address + index);
    }

    public void putLong(long index, long value) {
        check(index, 8);
        UNSAFE.putLong(address + index, value);
    }

    public long getLongVolatile(long index) {
        check(index, 8);
        return UNSAFE.getLongVolatile(null, address + index);
    }

    public void putLongVolatile(long index, long value) {
        check(index, 8);
        UNSAFE.putLongVolatile(null, address + index, value);
    }

    /** Release store: earlier writes are visible before this one. */
    public void putLongOrdered(long index, long value) {
        check(index, 8);
        UNSAFE.putOrderedLong(null, address + index, value);
    }

    public boolean compareAndSetLong(long index, long expected, long value) {
        check(index, 8);
        return UNSAFE.compareAndSwapLong(null, address + index, expected, value);
    }

    public long getAndAddLong(long index, long delta) {
        check(index, 8);
        return UNSAFE.getAndAddLong(null, address + index, delta);
    }

    public long getAndSetLong(long index, long value) {
        check(index, 8);
        return UNSAFE.getAndSetLong(null, address + index, value);
    }

    public int getInt(long index) {
        check(index, 4);
        return UNSAFE.getInt(address + index);
    }

    public void putInt(long index, int value) {
        check(index, 4);
        UNSAFE.putInt(address + index, value);
    }

    public int getIntVolatile(long index) {
        check(index, 4);
        return UNSAFE.getIntVolatile(null, address + index);
    }

    public void putIntVolatile(long index, int value) {
        check(index, 4);
        UNSAFE.putIntVolatile(null, address + index, value);
    }

    public void putIntOrdered(long index, int value) {
        check(index, 4);
        UNSAFE.putOrderedInt(null, address + index, value);
    }

    public boolean compareAndSetInt(long index, int expected, int value) {
        check(index, 4);
        return UNSAFE.compareAndSwapInt(null, address + index, expected, value);
    }

    public int getAndAddInt(long index, int delta) {
        check(index, 4);
        return UNSAFE.getAndAddInt(null, address + index, delta);
    }

    public int getAndSetInt(long index, int value) {
        check(index, 4);
        return UNSAFE.getAndSetInt(null, address + index, value);
    }

    public byte getByte(long index) {
        check(index, 1);
        return UNSAFE.getByte(address + index);
    }

    public void putByte(long index, byte value) {
        check(index, 1);
        UNSAFE.putByte(address + index, value);
    }

    public void getBytes(long index, byte[] dst, int offset, int length) {
        copyOut(index, dst, ARRAY_BYTE_BASE, 1, dst.length, offset, length);
    }

    public void putBytes(long index, byte[] src, int offset, int length) {
        copyIn(index, src, ARRAY_BYTE_BASE, 1, src.length, offset, length);
    }

    /**
     * Copies {@code length} longs from byte {@code index} into {@code dst} at {@code offset}. Like every bulk copy
     * of elements here, each aligned element is copied whole (never torn), but the copy as a whole is not atomic.
     */
    public void getLongs(long index, long[] dst, int offset, int length) {
        copyOut(index, dst, ARRAY_LONG_BASE, Long.BYTES, dst.length, offset, length);
    }

    /** Copies {@code length} longs of {@code src} from {@code offset} to byte {@code index}. */
    public void putLongs(long index, long[] src, int offset, int length) {
        copyIn(index, src, ARRAY_LONG_BASE, Long.BYTES, src.length, offset, length);
    }

    /** Copies {@code length} ints from byte {@code index} into {@code dst} at {@code offset}. */
    public void getInts(long index, int[] dst, int offset, int length) {
        copyOut(index, dst, ARRAY_INT_BASE, Integer.BYTES, dst.length, offset, length);
    }

    /** Copies {@code length} ints of {@code src} from {@code offset} to byte {@code index}. */
    public void putInts(long index, int[] src, int offset, int length) {
        copyIn(index, src, ARRAY_INT_BASE, Integer.BYTES, src.length, offset, length);
    }

    /** Copies {@code length} doubles from byte {@code index} into {@code dst} at {@code offset}. */
    public void getDoubles(long index, double[] dst, int offset, int length) {
        copyOut(index, dst, ARRAY_DOUBLE_BASE, Double.BYTES, dst.length, offset, length);
    }

    /** Copies {@code length} doubles of {@code src} from {@code offset} to byte {@code index}. */
    public void putDoubles(long index, double[] src, int offset, int length) {
        copyIn(index, src, ARRAY_DOUBLE_BASE, Double.BYTES, src.length, offset, length);
    }

    /**
     * Copies {@code length} elements of {@code size} bytes into a Java array; Unsafe copies aligned elements whole.
     */
    private void copyOut(long index, Object dst, long base, int size, int arrayLength, int offset, int length) {
        checkArray(arrayLength, offset, length);
        check(index, (long) length * size);
        UNSAFE.copyMemory(null, address + index, dst, base + (long) offset * size, (long) length * size);
    }

    private void copyIn(long index, Object src, long base, int size, int arrayLength, int offset, int length) {
        checkArray(arrayLength, offset, length);
        check(index, (long) length * size);
        UNSAFE.copyMemory(src, base + (long) offset * size, null, address + index, (long) length * size);
    }

    /** Copies {@code length} bytes into {@code dst} at its position, without moving the position. */
    public void getBytes(long index, ByteBuffer dst, int length) {
        check(index, length);
        if (dst.isReadOnly()) {
            throw new java.nio.ReadOnlyBufferException();
        }
        checkArray(dst.limit(), dst.position(), length);
        if (dst.isDirect()) {
            UNSAFE.copyMemory(null, address + index, null, UNSAFE.getLong(dst, BUFFER_ADDRESS) + dst.position(),
                length);
        } else {
            UNSAFE.copyMemory(null, address + index, dst.array(),
                ARRAY_BYTE_BASE + dst.arrayOffset() + dst.position(), length);
        }
    }

    /** Copies {@code length} bytes from {@code src} at its position, without moving the position. */
    public void putBytes(long index, ByteBuffer src, int length) {
        check(index, length);
        checkArray(src.limit(), src.position(), length);
        if (src.isDirect()) {
            UNSAFE.copyMemory(null, UNSAFE.getLong(src, BUFFER_ADDRESS) + src.position(), null, address + index,
                length);
        } else if (src.hasArray()) {
            UNSAFE.copyMemory(src.array(), ARRAY_BYTE_BASE + src.arrayOffset() + src.position(), null,
                address + index, length);
        } else {
            // A read-only heap buffer hides its array: copy through a temporary one.
            byte[] bytes = new byte[length];
            src.duplicate().get(bytes);
            putBytes(index, bytes, 0, length);
        }
    }

    /** Copies between two ranges of (possibly different) shared buffers. */
    public void copyTo(long index, SharedBuffer dst, long dstIndex, long length) {
        check(index, length);
        dst.check(dstIndex, length);
        UNSAFE.copyMemory(address + index, dst.address + dstIndex, length);
    }

    public void setMemory(long index, long length, byte value) {
        check(index, length);
        UNSAFE.setMemory(address + index, length, value);
    }

    /** A full (store-load) fence: orders a preceding store before a following load, as waiter protocols need. */
    public static void fullFence() {
        UNSAFE.fullFence();
    }

    private void check(long index, long length) {
        if (CHECK_BOUNDS && (index < 0 || length < 0 || index > capacity - length)) {
            throw new IndexOutOfBoundsException(
                "index " + index + " length " + length + " outside buffer of capacity " + capacity);
        }
    }

    private static void checkArray(int arrayLength, int offset, int length) {
        if (offset < 0 || length < 0 || offset > arrayLength - length) {
            throw new IndexOutOfBoundsException(
                "offset " + offset + " length " + length + " outside array or buffer of length " + arrayLength);
        }
    }
}
