package io.dragon;

import io.dragon.core.memory.MemoryPool;
import io.dragon.core.shm.SharedBuffer;
import io.dragon.internal.Services;
import java.nio.ByteOrder;

/**
 * An array of bytes in shared memory that every process with the handle maps directly: bulk reads and writes, and
 * atomic {@link #compareAndSet} and {@link #getAndAdd} on single bytes across processes (done on the aligned int
 * that holds the byte).
 *
 * <p>Body: {@code length} bytes, rounded up to whole longs (see {@link SharedArray}) so the last byte's int is
 * inside the allocation.
 */
public final class SharedByteArray extends SharedArray<byte[]> {
    private static final long serialVersionUID = 1L;
    private static final boolean LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    private SharedByteArray(String name, int length, MemoryPool pool) {
        super(name, length, 1, pool);
    }

    /**
     * A new array of {@code length} zero bytes without a name, in this node's shared memory; it lives until {@link
     * #destroy()} or the end of the runtime.
     */
    public static SharedByteArray create(int length) {
        return create(null, length, Policy.anywhere());
    }

    /**
     * A new array of {@code length} zero bytes that any process of the runtime, on any node, can look up by {@code
     * name}.
     *
     * @throws DragonException if a runtime object already has that name
     */
    public static SharedByteArray create(String name, int length) {
        return create(name, length, Policy.anywhere());
    }

    /**
     * {@link #create(int)} in the default pool of the node {@code policy} places it on (anywhere: this process's
     * node); only the policy's placement applies (see {@link Policy}).
     *
     * @throws IllegalArgumentException if the policy has CPUs or GPUs
     * @throws ObjectNotFoundException if the runtime has no node of the policy's index
     */
    public static SharedByteArray create(int length, Policy policy) {
        return create(null, length, policy);
    }

    /**
     * {@link #create(String, int)} in the default pool of the node {@code policy} places it on (anywhere: this
     * process's node); only the policy's placement applies (see {@link Policy}). Any process of the runtime can look
     * it up by {@code name}.
     *
     * @throws IllegalArgumentException if the policy has CPUs or GPUs
     * @throws ObjectNotFoundException if the runtime has no node of the policy's index
     * @throws DragonException if a runtime object already has that name (the new object is destroyed)
     */
    public static SharedByteArray create(String name, int length, Policy policy) {
        return create(name, policy, (n, pool) -> new SharedByteArray(n, length, pool));
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

    /**
     * The byte at {@code index}.
     *
     * @throws IndexOutOfBoundsException if {@code index} is outside the array
     */
    public byte get(int index) {
        if (isRemote()) {
            return onOwner(0, (SharedByteArray a) -> a.get(index));
        }
        return body().getByte(offset(index));
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
        body().putByte(offset(index), value);
    }

    /** Copies {@code length} bytes from index {@code index} into {@code dst} at {@code offset}. */
    public void get(int index, byte[] dst, int offset, int length) {
        getRange(index, dst, offset, length);
    }

    /** Copies {@code length} bytes of {@code src} from {@code offset} to index {@code index}. */
    public void put(int index, byte[] src, int offset, int length) {
        putRange(index, src, offset, length);
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
        long word = offset(index) & ~3L;
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
        long word = offset(index) & ~3L;
        int shift = shift(index);
        for (;;) {
            int current = body.getIntVolatile(word);
            byte previous = (byte) (current >>> shift);
            if (body.compareAndSetInt(word, current, replace(current, shift, (byte) (previous + delta)))) {
                return previous;
            }
        }
    }

    /** Bit position of byte {@code index} within its int (SharedBuffer ints are in native byte order). */
    private static int shift(int index) {
        return (LITTLE_ENDIAN ? index & 3 : 3 - (index & 3)) * 8;
    }

    private static int replace(int word, int shift, byte value) {
        return (word & ~(0xff << shift)) | ((value & 0xff) << shift);
    }

    @Override
    byte[] newArray(int n) {
        return new byte[n];
    }

    @Override
    void copyOut(SharedBuffer body, long at, byte[] dst, int offset, int count) {
        body.getBytes(at, dst, offset, count);
    }

    @Override
    void copyIn(SharedBuffer body, long at, byte[] src, int offset, int count) {
        body.putBytes(at, src, offset, count);
    }
}
