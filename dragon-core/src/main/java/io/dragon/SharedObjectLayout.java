package io.dragon;

/**
 * Layout of every shared-memory object of the user API ({@link Lock}, {@link Semaphore}, {@link Barrier},
 * {@link Event}, {@link SharedLongArray}, {@link SharedByteArray}): one allocation in a pool, a header, then the
 * object's body.
 *
 * <pre>
 *  offset  size
 *       0     8  object id: random and nonzero while the object lives, 0 once destroyed; a handle checks it
 *                against its own copy, so a destroyed object (or memory reused by another) is never mistaken
 *       8    56  (padding to the cache line)
 *      64     -  body, 64-byte aligned, laid out by the object's own layout class
 * </pre>
 */
final class SharedObjectLayout {
    static final int ID_OFFSET = 0;
    static final int BODY_OFFSET = 64;

    private SharedObjectLayout() {
    }
}
