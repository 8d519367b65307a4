package io.dragon.core.shm;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;

/**
 * The header that starts every object living in shared memory that handles attach to by descriptor (channels, maps,
 * broadcasts, the user API's objects): it says what kind of object lives there and which one.
 *
 * <pre>
 *  offset  size
 *       0     8  magic: the object's kind (one of the constants below), 0 before it is published and once retired
 *       8     8  serial: random and never 0 while the object lives, 0 once retired; also in every descriptor and
 *                handle, so that a stale one never takes a later object that reuses the memory for its own
 *      16        the object's own fields ({@link #LENGTH})
 * </pre>
 *
 * <p>Life of a header: the creator zeroes the memory, writes its own fields, then {@link #publish}es: the serial,
 * then the magic with a volatile store, which publishes everything written before it. An attacher {@link #check}s
 * magic and serial against its descriptor, once; a handle then checks only the serial ({@link #isLive}), which
 * {@link #retire} zeroes first (with a compare-and-set: one caller retires an object) before the magic. A creator
 * killed before its magic store leaves memory no one attaches to; a destroyer killed between the two stores leaves
 * an object dead for everyone.
 */
public final class ObjectHeader {
    public static final int MAGIC_OFFSET = 0;
    public static final int SERIAL_OFFSET = 8;
    /** Bytes of the header; an object's own fields start here. */
    public static final int LENGTH = 16;

    // One magic per kind, all here, so that no two kinds share one. (The pool segment's "DRGNPOOL" is PoolLayout's.)
    /** Kind of an {@code io.dragon.core.channels.LocalChannel}. */
    public static final long CHANNEL = magic("DRGNCHAN");
    /** Kind of an {@code io.dragon.core.map.UnorderedMap}'s header. */
    public static final long MAP = magic("DRGNUMAP");
    /** Kind of an {@code io.dragon.core.bcast.Broadcast}. */
    public static final long BROADCAST = magic("DRGNBCST");
    /** Kind of a shared object of the user API ({@code io.dragon.SharedObject}). */
    public static final long API_OBJECT = magic("DRGNUAPI");
    /** Kind of the header of an {@code io.dragon.core.map.Shard} (a DDict manager's memory). */
    public static final long SHARD = magic("DRGNSHRD");

    private static final SecureRandom SERIALS = new SecureRandom();

    private ObjectHeader() {
    }

    /** A new object's serial: random (also across processes and runs), never 0. */
    public static long newSerial() {
        long serial;
        do {
            serial = SERIALS.nextLong();
        } while (serial == 0);
        return serial;
    }

    /**
     * Makes the object at {@code offset} live: stores its serial, then its kind with a volatile store, so that an
     * attacher that sees the kind also sees everything written before this call.
     */
    public static void publish(SharedBuffer buffer, long offset, long kind, long serial) {
        buffer.putLong(offset + SERIAL_OFFSET, serial);
        buffer.putLongVolatile(offset + MAGIC_OFFSET, kind);
    }

    /** True if the header at {@code offset} is that of the live object of this kind and serial. */
    public static boolean matches(SharedBuffer buffer, long offset, long kind, long serial) {
        return buffer.getLongVolatile(offset + MAGIC_OFFSET) == kind
            && buffer.getLongVolatile(offset + SERIAL_OFFSET) == serial;
    }

    /**
     * Checks, for an attacher, that the header at {@code offset} is that of the live object of this kind and serial.
     *
     * @param what the object, for the exception's message (e.g. "map 3f2a in pool 5")
     * @throws ObjectGoneException if it is not: destroyed, or the descriptor is stale
     */
    public static void check(SharedBuffer buffer, long offset, long kind, long serial, String what) {
        if (!matches(buffer, offset, kind, serial)) {
            throw gone(what);
        }
    }

    /** True while the object a handle has attached to (its header at {@code offset}) has not been retired. */
    public static boolean isLive(SharedBuffer buffer, long offset, long serial) {
        return buffer.getLongVolatile(offset + SERIAL_OFFSET) == serial;
    }

    /**
     * Marks the object dead for every handle and attacher: zeroes its serial (a compare-and-set), then its magic.
     *
     * @return true if this call retired it, false if it was not live
     */
    public static boolean retire(SharedBuffer buffer, long offset, long serial) {
        if (!buffer.compareAndSetLong(offset + SERIAL_OFFSET, serial, 0)) {
            return false;
        }
        buffer.putLongVolatile(offset + MAGIC_OFFSET, 0);
        return true;
    }

    /** The exception for a use of {@code what} (e.g. "map 3f2a in pool 5") after it has been destroyed. */
    public static ObjectGoneException gone(String what) {
        return new ObjectGoneException(what + " has been destroyed (or its descriptor is stale)");
    }

    /** The magic of a kind: its 8 ASCII characters, read as a little-endian long. */
    private static long magic(String name) {
        byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
        if (bytes.length != 8) {
            throw new AssertionError("a magic is 8 characters: " + name);
        }
        long magic = 0;
        for (int i = 7; i >= 0; i--) {
            magic = magic << 8 | bytes[i];
        }
        return magic;
    }
}
