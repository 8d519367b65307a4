package io.dragon;

import io.dragon.core.shm.ObjectHeader;

/**
 * Layout of every shared-memory object of the user API ({@link Lock}, {@link Semaphore}, {@link Barrier},
 * {@link Event}, and the arrays: {@link SharedByteArray}, {@link SharedIntArray}, {@link SharedLongArray},
 * {@link SharedDoubleArray}, laid out by {@link SharedArray}): one allocation in a pool, a header, then the object's
 * body.
 *
 * <pre>
 *  offset  size
 *       0    16  {@link ObjectHeader header}: magic {@link ObjectHeader#API_OBJECT}, serial: the object's id, which
 *                every handle holds and checks, so a destroyed object (or memory reused by another) is never mistaken
 *      16    48  (padding to the cache line)
 *      64     -  body, 64-byte aligned, laid out by the object's own layout class
 * </pre>
 */
final class SharedObjectLayout {
    static final int HEADER_OFFSET = 0;
    static final int BODY_OFFSET = 64;

    private SharedObjectLayout() {
    }
}
