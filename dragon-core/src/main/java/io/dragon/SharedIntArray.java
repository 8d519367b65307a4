package io.dragon;

import io.dragon.core.memory.MemoryPool;
import io.dragon.core.shm.SharedBuffer;
import io.dragon.internal.Services;

/**
 * An array of ints in shared memory that every process with the handle maps directly, with the atomic operations of
 * {@link java.util.concurrent.atomic.AtomicIntegerArray} across processes: element access is volatile, and
 * {@link #compareAndSet}, {@link #getAndAdd}, {@link #getAndSet} and the increments are atomic. Bulk {@link
 * #get(int, int[], int, int) get} and {@link #put(int, int[], int, int) put} copy a range. Processes of other nodes
 * reach it through its node's transport agent, one round trip per call (a bulk copy included).
 *
 * <p>Body: {@code length} ints, element i at offset 4 i (see {@link SharedObjectLayout}).
 */
public final class SharedIntArray extends SharedArray<int[]> {
    private static final long serialVersionUID = 1L;

    private SharedIntArray(String name, int length, MemoryPool pool) {
        super(name, length, Integer.BYTES, pool);
    }

    /** A new array of {@code length} zeros, in this node's shared memory. */
    public static SharedIntArray create(int length) {
        return create(null, length, Policy.anywhere());
    }

    /**
     * A new array of {@code length} zero ints that any process of the runtime, on any node, can look up by {@code
     * name}.
     *
     * @throws DragonException if a runtime object already has that name
     */
    public static SharedIntArray create(String name, int length) {
        return create(name, length, Policy.anywhere());
    }

    /**
     * {@link #create(int)} in the default pool of the node {@code policy} places it on (anywhere: this process's
     * node); only the policy's placement applies (see {@link Policy}).
     *
     * @throws IllegalArgumentException if the policy has CPUs or GPUs
     * @throws ObjectNotFoundException if the runtime has no node of the policy's index
     */
    public static SharedIntArray create(int length, Policy policy) {
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
    public static SharedIntArray create(String name, int length, Policy policy) {
        return create(name, policy, (n, pool) -> new SharedIntArray(n, length, pool));
    }

    /**
     * The int array that {@code name} names, made by a process of any node.
     *
     * @throws ObjectNotFoundException if no object has that name
     * @throws DragonException if the name belongs to an object of another kind
     */
    public static SharedIntArray lookup(String name) {
        return Services.lookup(name, SharedIntArray.class);
    }

    /**
     * The int at {@code index} (a volatile read).
     *
     * @throws IndexOutOfBoundsException if {@code index} is outside the array
     */
    public int get(int index) {
        if (isRemote()) {
            return onOwner(0, (SharedIntArray a) -> a.get(index));
        }
        return body().getIntVolatile(offset(index));
    }

    /**
     * Writes {@code value} at {@code index} (a volatile write).
     *
     * @throws IndexOutOfBoundsException if {@code index} is outside the array
     */
    public void set(int index, int value) {
        if (isRemote()) {
            runOnOwner(0, (SharedIntArray a) -> a.set(index, value));
            return;
        }
        body().putIntVolatile(offset(index), value);
    }

    /**
     * Copies {@code length} ints from index {@code index} into {@code dst} at {@code offset}: each element is read
     * whole, but the range is not read atomically (elements written meanwhile may be seen old or new).
     *
     * @throws IndexOutOfBoundsException if a range is outside the array or {@code dst}
     */
    public void get(int index, int[] dst, int offset, int length) {
        getRange(index, dst, offset, length);
    }

    /**
     * Copies {@code length} ints of {@code src} from {@code offset} to index {@code index}: each element is written
     * whole, but the range is not written atomically.
     *
     * @throws IndexOutOfBoundsException if a range is outside the array or {@code src}
     */
    public void put(int index, int[] src, int offset, int length) {
        putRange(index, src, offset, length);
    }

    /**
     * Sets the int at {@code index} to {@code value} if it is {@code expected}, atomically for every process.
     *
     * @return whether it was set
     */
    public boolean compareAndSet(int index, int expected, int value) {
        if (isRemote()) {
            return onOwner(0, (SharedIntArray a) -> a.compareAndSet(index, expected, value));
        }
        return body().compareAndSetInt(offset(index), expected, value);
    }

    /**
     * Adds {@code delta} to the int at {@code index} (wrapping around as int arithmetic does), atomically for every
     * process.
     *
     * @return the value before
     */
    public int getAndAdd(int index, int delta) {
        if (isRemote()) {
            return onOwner(0, (SharedIntArray a) -> a.getAndAdd(index, delta));
        }
        return body().getAndAddInt(offset(index), delta);
    }

    /**
     * Adds {@code delta} to the int at {@code index}, atomically for every process.
     *
     * @return the value after
     */
    public int addAndGet(int index, int delta) {
        return getAndAdd(index, delta) + delta;
    }

    /** Adds 1 to the int at {@code index}, atomically for every process; returns the value before. */
    public int getAndIncrement(int index) {
        return getAndAdd(index, 1);
    }

    /** Adds 1 to the int at {@code index}, atomically for every process; returns the value after. */
    public int incrementAndGet(int index) {
        return getAndAdd(index, 1) + 1;
    }

    /** Subtracts 1 from the int at {@code index}, atomically for every process; returns the value before. */
    public int getAndDecrement(int index) {
        return getAndAdd(index, -1);
    }

    /** Subtracts 1 from the int at {@code index}, atomically for every process; returns the value after. */
    public int decrementAndGet(int index) {
        return getAndAdd(index, -1) - 1;
    }

    /**
     * Sets the int at {@code index} to {@code value}, atomically for every process.
     *
     * @return the value before
     */
    public int getAndSet(int index, int value) {
        if (isRemote()) {
            return onOwner(0, (SharedIntArray a) -> a.getAndSet(index, value));
        }
        return body().getAndSetInt(offset(index), value);
    }

    @Override
    int[] newArray(int n) {
        return new int[n];
    }

    @Override
    void copyOut(SharedBuffer body, long at, int[] dst, int offset, int count) {
        body.getInts(at, dst, offset, count);
    }

    @Override
    void copyIn(SharedBuffer body, long at, int[] src, int offset, int count) {
        body.putInts(at, src, offset, count);
    }
}
