package io.dragon;

import io.dragon.core.memory.MemoryPool;
import io.dragon.core.shm.SharedBuffer;
import io.dragon.internal.Services;

/**
 * An array of longs in shared memory that every process with the handle maps directly; element access is
 * volatile, and {@link #compareAndSet}, {@link #getAndAdd}, {@link #addAndGet} and {@link #getAndSet} are atomic
 * across processes, as in {@link java.util.concurrent.atomic.AtomicLongArray}. Bulk {@link #get(int, long[], int,
 * int) get} and {@link #put(int, long[], int, int) put} copy a range. Processes of other nodes reach it through its
 * node's transport agent, one round trip per call (a bulk copy included).
 *
 * <p>Body: {@code length} longs, element i at offset 8 i (see {@link SharedObjectLayout}).
 */
public final class SharedLongArray extends SharedArray<long[]> {
    private static final long serialVersionUID = 1L;

    private SharedLongArray(String name, int length, MemoryPool pool) {
        super(name, length, Long.BYTES, pool);
    }

    /** A new array of {@code length} zeros. */
    public static SharedLongArray create(int length) {
        return create(null, length, Policy.anywhere());
    }

    /**
     * A new array of {@code length} zero longs that any process of the runtime, on any node, can look up by {@code
     * name}.
     *
     * @throws DragonException if a runtime object already has that name
     */
    public static SharedLongArray create(String name, int length) {
        return create(name, length, Policy.anywhere());
    }

    /**
     * {@link #create(int)} in the default pool of the node {@code policy} places it on (anywhere: this process's
     * node); only the policy's placement applies (see {@link Policy}).
     *
     * @throws IllegalArgumentException if the policy has CPUs or GPUs
     * @throws ObjectNotFoundException if the runtime has no node of the policy's index
     */
    public static SharedLongArray create(int length, Policy policy) {
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
    public static SharedLongArray create(String name, int length, Policy policy) {
        return create(name, policy, (n, pool) -> new SharedLongArray(n, length, pool));
    }

    /**
     * The long array that {@code name} names, made by a process of any node.
     *
     * @throws ObjectNotFoundException if no object has that name
     * @throws DragonException if the name belongs to an object of another kind
     */
    public static SharedLongArray lookup(String name) {
        return Services.lookup(name, SharedLongArray.class);
    }

    /**
     * The long at {@code index} (a volatile read).
     *
     * @throws IndexOutOfBoundsException if {@code index} is outside the array
     */
    public long get(int index) {
        if (isRemote()) {
            return onOwner(0, (SharedLongArray a) -> a.get(index));
        }
        return body().getLongVolatile(offset(index));
    }

    /**
     * Writes {@code value} at {@code index} (a volatile write).
     *
     * @throws IndexOutOfBoundsException if {@code index} is outside the array
     */
    public void set(int index, long value) {
        if (isRemote()) {
            runOnOwner(0, (SharedLongArray a) -> a.set(index, value));
            return;
        }
        body().putLongVolatile(offset(index), value);
    }

    /**
     * Copies {@code length} longs from index {@code index} into {@code dst} at {@code offset}: each element is read
     * whole, but the range is not read atomically (elements written meanwhile may be seen old or new).
     *
     * @throws IndexOutOfBoundsException if a range is outside the array or {@code dst}
     */
    public void get(int index, long[] dst, int offset, int length) {
        getRange(index, dst, offset, length);
    }

    /**
     * Copies {@code length} longs of {@code src} from {@code offset} to index {@code index}: each element is
     * written whole, but the range is not written atomically.
     *
     * @throws IndexOutOfBoundsException if a range is outside the array or {@code src}
     */
    public void put(int index, long[] src, int offset, int length) {
        putRange(index, src, offset, length);
    }

    /**
     * Sets the long at {@code index} to {@code value} if it is {@code expected}, atomically for every process.
     *
     * @return whether it was set
     */
    public boolean compareAndSet(int index, long expected, long value) {
        if (isRemote()) {
            return onOwner(0, (SharedLongArray a) -> a.compareAndSet(index, expected, value));
        }
        return body().compareAndSetLong(offset(index), expected, value);
    }

    /**
     * Adds {@code delta} to the long at {@code index}, atomically for every process.
     *
     * @return the value before
     */
    public long getAndAdd(int index, long delta) {
        if (isRemote()) {
            return onOwner(0, (SharedLongArray a) -> a.getAndAdd(index, delta));
        }
        return body().getAndAddLong(offset(index), delta);
    }

    /**
     * Adds {@code delta} to the long at {@code index}, atomically for every process.
     *
     * @return the value after
     */
    public long addAndGet(int index, long delta) {
        return getAndAdd(index, delta) + delta;
    }

    /**
     * Sets the long at {@code index} to {@code value}, atomically for every process.
     *
     * @return the value before
     */
    public long getAndSet(int index, long value) {
        if (isRemote()) {
            return onOwner(0, (SharedLongArray a) -> a.getAndSet(index, value));
        }
        return body().getAndSetLong(offset(index), value);
    }

    @Override
    long[] newArray(int n) {
        return new long[n];
    }

    @Override
    void copyOut(SharedBuffer body, long at, long[] dst, int offset, int count) {
        body.getLongs(at, dst, offset, count);
    }

    @Override
    void copyIn(SharedBuffer body, long at, long[] src, int offset, int count) {
        body.putLongs(at, src, offset, count);
    }
}
