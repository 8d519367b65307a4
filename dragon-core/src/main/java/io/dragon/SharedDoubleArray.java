package io.dragon;

import io.dragon.core.memory.MemoryPool;
import io.dragon.core.shm.SharedBuffer;
import io.dragon.internal.Services;

/**
 * An array of doubles in shared memory that every process with the handle maps directly: element access is volatile,
 * {@link #compareAndSet} and {@link #getAndSet} are atomic across processes, and so is {@link #getAndAdd}, done as a
 * compare-and-set loop (as {@link java.util.concurrent.atomic.DoubleAdder}'s cells do: it retries while other
 * processes change the element, and never blocks). Bulk {@link #get(int, double[], int, int) get} and {@link
 * #put(int, double[], int, int) put} copy a range. Processes of other nodes reach it through its node's transport
 * agent, one round trip per call (a bulk copy included).
 *
 * <p>Comparisons are of the bits ({@link Double#doubleToRawLongBits}), as in {@link
 * java.lang.invoke.VarHandle#compareAndSet} on a double: {@code 0.0} and {@code -0.0} differ, and a NaN matches only
 * the same NaN.
 *
 * <p>Body: {@code length} doubles, element i at offset 8 i, each the 64 bits of {@link Double#doubleToRawLongBits}
 * (see {@link SharedObjectLayout}).
 */
public final class SharedDoubleArray extends SharedArray<double[]> {
    private static final long serialVersionUID = 1L;

    private SharedDoubleArray(String name, int length, MemoryPool pool) {
        super(name, length, Double.BYTES, pool);
    }

    /** A new array of {@code length} zeros ({@code 0.0}), in this node's shared memory. */
    public static SharedDoubleArray create(int length) {
        return create(null, length, Policy.anywhere());
    }

    /**
     * A new array of {@code length} zeros ({@code 0.0}) that any process of the runtime, on any node, can look up by
     * {@code name}.
     *
     * @throws DragonException if a runtime object already has that name
     */
    public static SharedDoubleArray create(String name, int length) {
        return create(name, length, Policy.anywhere());
    }

    /**
     * {@link #create(int)} in the default pool of the node {@code policy} places it on (anywhere: this process's
     * node); only the policy's placement applies (see {@link Policy}).
     *
     * @throws IllegalArgumentException if the policy has CPUs or GPUs
     * @throws ObjectNotFoundException if the runtime has no node of the policy's index
     */
    public static SharedDoubleArray create(int length, Policy policy) {
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
    public static SharedDoubleArray create(String name, int length, Policy policy) {
        return create(name, policy, (n, pool) -> new SharedDoubleArray(n, length, pool));
    }

    /**
     * The double array that {@code name} names, made by a process of any node.
     *
     * @throws ObjectNotFoundException if no object has that name
     * @throws DragonException if the name belongs to an object of another kind
     */
    public static SharedDoubleArray lookup(String name) {
        return Services.lookup(name, SharedDoubleArray.class);
    }

    /**
     * The double at {@code index} (a volatile read).
     *
     * @throws IndexOutOfBoundsException if {@code index} is outside the array
     */
    public double get(int index) {
        if (isRemote()) {
            return onOwner(0, (SharedDoubleArray a) -> a.get(index));
        }
        return Double.longBitsToDouble(body().getLongVolatile(offset(index)));
    }

    /**
     * Writes {@code value} at {@code index} (a volatile write).
     *
     * @throws IndexOutOfBoundsException if {@code index} is outside the array
     */
    public void set(int index, double value) {
        if (isRemote()) {
            runOnOwner(0, (SharedDoubleArray a) -> a.set(index, value));
            return;
        }
        body().putLongVolatile(offset(index), Double.doubleToRawLongBits(value));
    }

    /**
     * Copies {@code length} doubles from index {@code index} into {@code dst} at {@code offset}: each element is read
     * whole, but the range is not read atomically (elements written meanwhile may be seen old or new).
     *
     * @throws IndexOutOfBoundsException if a range is outside the array or {@code dst}
     */
    public void get(int index, double[] dst, int offset, int length) {
        getRange(index, dst, offset, length);
    }

    /**
     * Copies {@code length} doubles of {@code src} from {@code offset} to index {@code index}: each element is
     * written whole, but the range is not written atomically.
     *
     * @throws IndexOutOfBoundsException if a range is outside the array or {@code src}
     */
    public void put(int index, double[] src, int offset, int length) {
        putRange(index, src, offset, length);
    }

    /**
     * Sets the double at {@code index} to {@code value} if its bits are those of {@code expected}, atomically for
     * every process.
     *
     * @return whether it was set
     */
    public boolean compareAndSet(int index, double expected, double value) {
        if (isRemote()) {
            return onOwner(0, (SharedDoubleArray a) -> a.compareAndSet(index, expected, value));
        }
        return body().compareAndSetLong(offset(index), Double.doubleToRawLongBits(expected),
            Double.doubleToRawLongBits(value));
    }

    /**
     * Adds {@code delta} to the double at {@code index}, atomically for every process: a compare-and-set loop, so
     * that concurrent additions are each applied once, in some order (floating-point sums depend on the order).
     *
     * @return the value before
     */
    public double getAndAdd(int index, double delta) {
        if (isRemote()) {
            return onOwner(0, (SharedDoubleArray a) -> a.getAndAdd(index, delta));
        }
        SharedBuffer body = body();
        long at = offset(index);
        for (;;) {
            long bits = body.getLongVolatile(at);
            double before = Double.longBitsToDouble(bits);
            if (body.compareAndSetLong(at, bits, Double.doubleToRawLongBits(before + delta))) {
                return before;
            }
        }
    }

    /**
     * Adds {@code delta} to the double at {@code index}, atomically for every process (see {@link #getAndAdd}).
     *
     * @return the value after
     */
    public double addAndGet(int index, double delta) {
        return getAndAdd(index, delta) + delta;
    }

    /**
     * Sets the double at {@code index} to {@code value}, atomically for every process.
     *
     * @return the value before
     */
    public double getAndSet(int index, double value) {
        if (isRemote()) {
            return onOwner(0, (SharedDoubleArray a) -> a.getAndSet(index, value));
        }
        return Double.longBitsToDouble(body().getAndSetLong(offset(index), Double.doubleToRawLongBits(value)));
    }

    @Override
    double[] newArray(int n) {
        return new double[n];
    }

    @Override
    void copyOut(SharedBuffer body, long at, double[] dst, int offset, int count) {
        body.getDoubles(at, dst, offset, count);
    }

    @Override
    void copyIn(SharedBuffer body, long at, double[] src, int offset, int count) {
        body.putDoubles(at, src, offset, count);
    }
}
