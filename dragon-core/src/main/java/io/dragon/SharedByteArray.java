package io.dragon;

import io.dragon.core.shm.SharedBuffer;
import io.dragon.internal.Services;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * An array of bytes in shared memory that every process with the handle maps directly: bulk reads and writes, and
 * atomic {@link #compareAndSet} and {@link #getAndAdd} on single bytes across processes (done on the aligned int
 * that holds the byte).
 *
 * <p>Body: {@code length} bytes, rounded up to whole ints so the last byte's int is inside the allocation.
 */
public final class SharedByteArray extends SharedObject {
    private static final long serialVersionUID = 1L;
    private static final boolean LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
    private final int length;

    private SharedByteArray(String name, int length) {
        super(name, (SharedLongArray.checkedLength(length) + 3L) & ~3L);
        this.length = length;
        publish();
    }

    /**
     * A new array of {@code length} zero bytes without a name, in this node's shared memory; it lives until {@link
     * #destroy()} or the end of the runtime.
     */
    public static SharedByteArray create(int length) {
        return new SharedByteArray(null, length);
    }

    /**
     * A new array of {@code length} zero bytes that any process of the runtime, on any node, can look up by {@code
     * name}.
     *
     * @throws DragonException if a runtime object already has that name
     */
    public static SharedByteArray create(String name, int length) {
        return new SharedByteArray(name, length);
    }

    /**
     * The byte array that {@code name} names, made by a process of any node.
     *
     * @throws ObjectNotFoundException if no object has that name
     * @throws DragonException if the name belongs to an object of another kind
     */
    public static SharedByteArray lookup(String name) {
        return Services.lookup(name, SharedByteArray.class);
    }

    /** The number of bytes. */
    public int length() {
        return length;
    }

    /**
     * The byte at {@code index}.
     *
     * @throws IndexOutOfBoundsException if {@code index} is outside the array
     */
    public byte get(int index) {
        if (isRemote()) {
            return onOwner(0, (SharedByteArray a) -> a.get(index));
        }
        return body().getByte(checked(index, 1));
    }

    /**
     * Writes {@code value} at {@code index}.
     *
     * @throws IndexOutOfBoundsException if {@code index} is outside the array
     */
    public void set(int index, byte value) {
        if (isRemote()) {
            runOnOwner(0, (SharedByteArray a) -> a.set(index, value));
            return;
        }
        body().putByte(checked(index, 1), value);
    }

    /** Copies {@code length} bytes from index {@code index} into {@code dst} at {@code offset}. */
    public void get(int index, byte[] dst, int offset, int length) {
        if (isRemote()) {
            byte[] bytes = onOwner(0, (SharedByteArray a) -> {
                byte[] copy = new byte[length];
                a.get(index, copy, 0, length);
                return copy;
            });
            System.arraycopy(bytes, 0, dst, offset, length);
            return;
        }
        body().getBytes(checked(index, length), dst, offset, length);
    }

    /** Copies {@code length} bytes of {@code src} from {@code offset} to index {@code index}. */
    public void put(int index, byte[] src, int offset, int length) {
        if (isRemote()) {
            byte[] bytes = Arrays.copyOfRange(src, offset, offset + length);
            runOnOwner(0, (SharedByteArray a) -> a.put(index, bytes, 0, bytes.length));
            return;
        }
        body().putBytes(checked(index, length), src, offset, length);
    }

    /**
     * Sets the byte at {@code index} to {@code value} if it is {@code expected}, atomically for every process.
     *
     * @return whether it was set
     */
    public boolean compareAndSet(int index, byte expected, byte value) {
        if (isRemote()) {
            return onOwner(0, (SharedByteArray a) -> a.compareAndSet(index, expected, value));
        }
        SharedBuffer body = body();
        long word = checked(index, 1) & ~3L;
        int shift = shift(index);
        for (;;) {
            int current = body.getIntVolatile(word);
            if ((byte) (current >>> shift) != expected) {
                return false;
            }
            if (body.compareAndSetInt(word, current, replace(current, shift, value))) {
                return true;
            }
        }
    }

    /** Adds {@code delta} to the byte (wrapping around as byte arithmetic does); returns the previous value. */
    public byte getAndAdd(int index, byte delta) {
        if (isRemote()) {
            return onOwner(0, (SharedByteArray a) -> a.getAndAdd(index, delta));
        }
        SharedBuffer body = body();
        long word = checked(index, 1) & ~3L;
        int shift = shift(index);
        for (;;) {
            int current = body.getIntVolatile(word);
            byte previous = (byte) (current >>> shift);
            if (body.compareAndSetInt(word, current, replace(current, shift, (byte) (previous + delta)))) {
                return previous;
            }
        }
    }

    @Override
    void wakeWaiters() {
        // nobody waits in an array
    }

    /** Bit position of byte {@code index} within its int (SharedBuffer ints are in native byte order). */
    private static int shift(int index) {
        return (LITTLE_ENDIAN ? index & 3 : 3 - (index & 3)) * 8;
    }

    private static int replace(int word, int shift, byte value) {
        return (word & ~(0xff << shift)) | ((value & 0xff) << shift);
    }

    private long checked(int index, int count) {
        if (index < 0 || count < 0 || (long) index + count > length) {
            throw new IndexOutOfBoundsException("bytes " + index + ".." + ((long) index + count) + " of " + this
                + " of length " + length);
        }
        return index;
    }
}
