package io.dragon;

import io.dragon.core.memory.MemoryPool;
import io.dragon.core.shm.SharedBuffer;
import java.lang.reflect.Array;

/**
 * What the shared arrays of primitives ({@link SharedByteArray}, {@link SharedIntArray}, {@link SharedLongArray},
 * {@link SharedDoubleArray}) share: a length, index checks, and bulk copies to and from a Java array of the element
 * type {@code A} ({@code long[]}, ...), one round trip for a process of another node.
 *
 * <p>Body: {@code length} elements of {@code elementBytes} each, element i at offset {@code elementBytes * i}, the
 * whole rounded up to 8 bytes (so that {@link SharedByteArray} can update a byte through its aligned int).
 */
abstract class SharedArray<A> extends SharedObject {
    private static final long serialVersionUID = 1L;
    private final int length;
    private final int elementBytes;

    SharedArray(String name, int length, int elementBytes, MemoryPool pool) {
        super(name, (checkedLength(length) * (long) elementBytes + 7) & ~7L, pool);
        this.length = length;
        this.elementBytes = elementBytes;
        publish();
    }

    /** The number of elements. */
    public final int length() {
        return length;
    }

    /** A new Java array of {@code n} elements. */
    abstract A newArray(int n);

    /** Copies {@code count} elements from byte {@code at} of {@code body} into {@code dst} from {@code offset}. */
    abstract void copyOut(SharedBuffer body, long at, A dst, int offset, int count);

    /** Copies {@code count} elements of {@code src} from {@code offset} into {@code body} from byte {@code at}. */
    abstract void copyIn(SharedBuffer body, long at, A src, int offset, int count);

    /**
     * Copies elements {@code index .. index + count - 1} into {@code dst} from {@code offset}: each element is read
     * whole, the range is not read atomically. From another node: one round trip, bringing the range.
     */
    final void getRange(int index, A dst, int offset, int count) {
        checkArray(Array.getLength(dst), offset, count);
        if (isRemote()) {
            A copy = onOwner(0, (SharedArray<A> a) -> {
                A range = a.newArray(count);
                a.getRange(index, range, 0, count);
                return range;
            });
            System.arraycopy(copy, 0, dst, offset, count);
            return;
        }
        copyOut(body(), range(index, count), dst, offset, count);
    }

    /** Copies {@code count} elements of {@code src} from {@code offset} to elements {@code index ..}. */
    final void putRange(int index, A src, int offset, int count) {
        checkArray(Array.getLength(src), offset, count);
        if (isRemote()) {
            A range = newArray(count);
            System.arraycopy(src, offset, range, 0, count);
            runOnOwner(0, (SharedArray<A> a) -> a.putRange(index, range, 0, count));
            return;
        }
        copyIn(body(), range(index, count), src, offset, count);
    }

    /** The byte offset of element {@code index}, which must be inside the array. */
    final long offset(int index) {
        if (index < 0 || index >= length) {
            throw new IndexOutOfBoundsException("index " + index + " of " + this + " of length " + length);
        }
        return (long) index * elementBytes;
    }

    /** The byte offset of elements {@code index .. index + count - 1}, which must be inside the array. */
    private long range(int index, int count) {
        if (index < 0 || count < 0 || (long) index + count > length) {
            throw new IndexOutOfBoundsException("elements " + index + ".." + ((long) index + count) + " of " + this
                + " of length " + length);
        }
        return (long) index * elementBytes;
    }

    private static void checkArray(int arrayLength, int offset, int count) {
        if (offset < 0 || count < 0 || offset > arrayLength - count) {
            throw new IndexOutOfBoundsException("elements " + offset + ".." + ((long) offset + count)
                + " of a Java array of length " + arrayLength);
        }
    }

    @Override
    final void wakeWaiters() {
        // nobody waits in an array
    }

    private static int checkedLength(int length) {
        if (length < 0) {
            throw new IllegalArgumentException("negative array length " + length);
        }
        return length;
    }
}
