package io.dragon;

import io.dragon.core.shm.SharedBuffer;

/**
 * An array of longs in shared memory that every process with the handle maps directly; element access is
 * volatile, and {@link #compareAndSet}, {@link #getAndAdd} and {@link #addAndGet} are atomic across processes.
 * Processes of other nodes reach it through its node's transport agent, one round trip per access.
 *
 * <p>Body: {@code length} longs, element i at offset 8 i.
 */
public final class SharedLongArray extends SharedObject {
    private static final long serialVersionUID = 1L;
    private final int length;

    private SharedLongArray(String name, int length) {
        super(name, checkedLength(length) * (long) Long.BYTES);
        this.length = length;
        publish();
    }

    /** A new array of {@code length} zeros. */
    public static SharedLongArray create(int length) {
        return new SharedLongArray(null, length);
    }

    public static SharedLongArray create(String name, int length) {
        return new SharedLongArray(name, length);
    }

    public static SharedLongArray lookup(String name) {
        return Services.lookup(name, SharedLongArray.class);
    }

    public int length() {
        return length;
    }

    public long get(int index) {
        if (isRemote()) {
            return onOwner(0, (SharedLongArray a) -> a.get(index));
        }
        return body().getLongVolatile(offset(index));
    }

    public void set(int index, long value) {
        if (isRemote()) {
            runOnOwner(0, (SharedLongArray a) -> a.set(index, value));
            return;
        }
        body().putLongVolatile(offset(index), value);
    }

    public boolean compareAndSet(int index, long expected, long value) {
        if (isRemote()) {
            return onOwner(0, (SharedLongArray a) -> a.compareAndSet(index, expected, value));
        }
        return body().compareAndSetLong(offset(index), expected, value);
    }

    public long getAndAdd(int index, long delta) {
        if (isRemote()) {
            return onOwner(0, (SharedLongArray a) -> a.getAndAdd(index, delta));
        }
        return body().getAndAddLong(offset(index), delta);
    }

    public long addAndGet(int index, long delta) {
        return getAndAdd(index, delta) + delta;
    }

    public long getAndSet(int index, long value) {
        if (isRemote()) {
            return onOwner(0, (SharedLongArray a) -> a.getAndSet(index, value));
        }
        return body().getAndSetLong(offset(index), value);
    }

    @Override
    void wakeWaiters() {
        // nobody waits in an array
    }

    private long offset(int index) {
        if (index < 0 || index >= length) {
            throw new IndexOutOfBoundsException("index " + index + " of " + this + " of length " + length);
        }
        return (long) index * Long.BYTES;
    }

    static int checkedLength(int length) {
        if (length < 0) {
            throw new IllegalArgumentException("negative array length " + length);
        }
        return length;
    }
}
