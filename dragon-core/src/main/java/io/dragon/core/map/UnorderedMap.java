package io.dragon.core.map;

import static io.dragon.core.map.MapLayout.BUCKETS_OFFSET;
import static io.dragon.core.map.MapLayout.BUCKET_COUNT_OFFSET;
import static io.dragon.core.map.MapLayout.ENTRY_COUNT_OFFSET;
import static io.dragon.core.map.MapLayout.ENTRY_HASH_OFFSET;
import static io.dragon.core.map.MapLayout.ENTRY_KEY_LENGTH_OFFSET;
import static io.dragon.core.map.MapLayout.ENTRY_KEY_OFFSET;
import static io.dragon.core.map.MapLayout.ENTRY_NEXT_OFFSET;
import static io.dragon.core.map.MapLayout.ENTRY_VALUE_LENGTH_OFFSET;
import static io.dragon.core.map.MapLayout.GROW_MOVING_OFFSET;
import static io.dragon.core.map.MapLayout.GROW_NEW_ARRAY_OFFSET;
import static io.dragon.core.map.MapLayout.GROW_OLD_ARRAY_OFFSET;
import static io.dragon.core.map.MapLayout.GROW_OLD_COUNT_OFFSET;
import static io.dragon.core.map.MapLayout.HEADER_LENGTH;
import static io.dragon.core.map.MapLayout.JOURNAL_OP_OFFSET;
import static io.dragon.core.map.MapLayout.LINK_AT_OFFSET;
import static io.dragon.core.map.MapLayout.LINK_COUNT_OFFSET;
import static io.dragon.core.map.MapLayout.LINK_FREE_OFFSET;
import static io.dragon.core.map.MapLayout.LINK_VALUE_OFFSET;
import static io.dragon.core.map.MapLayout.LOAD_FACTOR_DENOMINATOR;
import static io.dragon.core.map.MapLayout.LOAD_FACTOR_NUMERATOR;
import static io.dragon.core.map.MapLayout.LOCK_OFFSET;
import static io.dragon.core.map.MapLayout.MIN_BUCKETS;
import static io.dragon.core.map.MapLayout.NONE;
import static io.dragon.core.map.MapLayout.OP_GROW;
import static io.dragon.core.map.MapLayout.OP_LINK;

import io.dragon.core.infrastructure.CorruptDescriptorException;
import io.dragon.core.infrastructure.CrashPoints;
import io.dragon.core.locks.SharedLock;
import io.dragon.core.memory.Allocation;
import io.dragon.core.memory.AllocationDescriptor;
import io.dragon.core.memory.MemoryPool;
import io.dragon.core.memory.PoolDestroyedException;
import io.dragon.core.memory.PoolFullException;
import io.dragon.core.memory.PoolLayout;
import io.dragon.core.shm.ObjectGoneException;
import io.dragon.core.shm.ObjectHeader;
import io.dragon.core.shm.SharedBuffer;
import io.dragon.core.sync.Deadline;
import io.dragon.core.sync.WaitMode;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.util.List;
import java.util.Objects;
import java.util.function.LongConsumer;

/**
 * A hash table in managed memory whose keys and values are byte strings, usable by every thread of every process
 * on the node that attaches its descriptor. Layout: {@link MapLayout}.
 *
 * <p>Separate chaining: each entry is its own pool allocation, so entries of any size coexist and a removal frees
 * its memory at once. One {@link SharedLock} serialises every operation. The lock is never held across a wait for
 * pool memory: entries are allocated before it is taken and freed after it is released, and the bucket array, which
 * doubles under the lock once entries pass 3/4 of the buckets, is taken with {@link MemoryPool#tryAllocate}. If the
 * pool has no block for the bigger array at that moment, the map keeps its current one (chains get longer) and tries
 * again on a later insert; only an entry that cannot be allocated fails, with {@link PoolFullException}.
 *
 * <p>Besides get, put and remove, each operation of a {@link java.util.concurrent.ConcurrentMap} is here and atomic:
 * {@link #getAndPut}, {@link #putIfAbsent}, {@link #getAndReplace}, {@link #replace(byte[], byte[], byte[])},
 * {@link #getAndRemove} and {@link #remove(byte[], byte[])}. Each is one step under the lock, and they share one
 * code path with put and remove; values are compared byte by byte in place. Keys and values handed out are copies.
 * {@link #forEach} copies every entry out under the lock, then runs its visitor after releasing it.
 *
 * <p>Crash-safe: a process killed at any instruction loses at most its own operation, and the next process to take
 * the lock finishes what the dead one had journaled (see {@link MapLayout}); callers never see the dead holder. A
 * conditional put that does not apply frees its unused entry once it has released the lock; killed before that, it
 * leaks the entry, as a put killed before its journal record does.
 *
 * <p>{@link #destroy()} must be the last use of the map by any process: the others get
 * {@link ObjectGoneException} if they try to use it afterwards, as long as its memory has not been reused.
 */
public final class UnorderedMap {
    /** Words of keys and values are compared, and keys hashed, in native order: maps are node-local. */
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.nativeOrder());
    private static final long DRAIN_NANOS = 1_000_000_000L;
    /** Hashes have 32 bits: more buckets would stay empty. */
    private static final long MAX_BUCKETS = 1L << 32;
    /** What {@link #change} returns, instead of a copy nobody wants, for a value it replaced or removed. */
    private static final byte[] APPLIED = {};
    /** What {@link #change} returns, instead of a copy nobody wants, for a value it left as it was. */
    private static final byte[] NOT_APPLIED = {};

    // Crash points (see CrashPoints): one after each write to shared memory but the last of an operation.
    /** The entry a put (of any kind) inserts is allocated and written; the map lock is not taken yet. */
    static final String ENTRY_ALLOCATED = "map.entryAllocated";
    /** The map lock is taken (by any operation, reads included); nothing else written yet. */
    static final String LOCKED = "map.locked";
    /** A LINK is journaled: its fields and then the op word. */
    static final String JOURNALED = "map.journaled";
    /** The LINK's link word is set, the count not yet. */
    static final String LINKED = "map.linked";
    /** The LINK's count is set, the op not yet cleared. */
    static final String COUNTED = "map.counted";
    /** The LINK is committed (op cleared); the block that left the map is not freed yet. */
    static final String COMMITTED = "map.committed";
    /** A grow has allocated and zeroed its new array; nothing journaled yet. */
    static final String GROW_ALLOCATED = "map.grow.allocated";
    /** The GROW is journaled. */
    static final String GROW_JOURNALED = "map.grow.journaled";
    /** The entry to move is recorded. */
    static final String GROW_MOVING = "map.grow.moving";
    /** The entry is unlinked from its old bucket. */
    static final String GROW_UNLINKED = "map.grow.unlinked";
    /** The entry's next is the new bucket's head; it is not that head yet. */
    static final String GROW_RELINKED = "map.grow.relinked";
    /** The entry is the new bucket's head. */
    static final String GROW_MOVED = "map.grow.moved";
    /** The header names the new array, still with the old bucket count. */
    static final String GROW_SWITCHED = "map.grow.switched";
    /** The header has the new bucket count; the op is not cleared yet. */
    static final String GROW_RESIZED = "map.grow.resized";
    /** The GROW is committed; the old array is not freed yet. */
    static final String GROW_COMMITTED = "map.grow.committed";
    static final List<String> CRASH_POINTS = List.of(ENTRY_ALLOCATED, LOCKED, JOURNALED, LINKED, COUNTED, COMMITTED,
        GROW_ALLOCATED, GROW_JOURNALED, GROW_MOVING, GROW_UNLINKED, GROW_RELINKED, GROW_MOVED, GROW_SWITCHED,
        GROW_RESIZED, GROW_COMMITTED);

    private final MemoryPool pool;
    private final SharedBuffer segment;
    private final MapDescriptor descriptor;
    private final long serial;
    private final SharedLock lock;
    private final long headerAt;
    private final long bucketCountAt;
    private final long entryCountAt;
    private final long bucketsAt;
    private final long opAt;
    private final long linkAtAt;
    private final long linkValueAt;
    private final long linkCountAt;
    private final long linkFreeAt;
    private final long growOldArrayAt;
    private final long growOldCountAt;
    private final long growNewArrayAt;
    private final long growMovingAt;
    /** Run by whoever takes the lock over from a dead holder. */
    private final Runnable repair = this::repair;

    private UnorderedMap(MemoryPool pool, long header, long serial) {
        this.pool = pool;
        this.segment = pool.buffer();
        this.descriptor = new MapDescriptor(new AllocationDescriptor(pool.descriptor(), header, HEADER_LENGTH),
            serial);
        this.serial = serial;
        this.lock = new SharedLock(segment, header + LOCK_OFFSET, "lock of map " + Long.toHexString(serial));
        this.headerAt = header;
        this.bucketCountAt = header + BUCKET_COUNT_OFFSET;
        this.entryCountAt = header + ENTRY_COUNT_OFFSET;
        this.bucketsAt = header + BUCKETS_OFFSET;
        this.opAt = header + JOURNAL_OP_OFFSET;
        this.linkAtAt = header + LINK_AT_OFFSET;
        this.linkValueAt = header + LINK_VALUE_OFFSET;
        this.linkCountAt = header + LINK_COUNT_OFFSET;
        this.linkFreeAt = header + LINK_FREE_OFFSET;
        this.growOldArrayAt = header + GROW_OLD_ARRAY_OFFSET;
        this.growOldCountAt = header + GROW_OLD_COUNT_OFFSET;
        this.growNewArrayAt = header + GROW_NEW_ARRAY_OFFSET;
        this.growMovingAt = header + GROW_MOVING_OFFSET;
    }

    /**
     * Creates an empty map in {@code pool} with room for {@code initialCapacity} buckets (rounded up to a power of
     * two, at least {@link MapLayout#MIN_BUCKETS}).
     *
     * @throws PoolFullException if the pool has no room for the header and bucket array now
     */
    public static UnorderedMap create(MemoryPool pool, long initialCapacity) {
        if (initialCapacity < 0 || initialCapacity > MAX_BUCKETS) {
            throw new IllegalArgumentException("initial capacity must be 0 to " + MAX_BUCKETS + ", got "
                + initialCapacity);
        }
        long buckets = Math.max(MIN_BUCKETS, roundUpToPowerOfTwo(initialCapacity));
        long header = allocate(pool, HEADER_LENGTH, "a map header");
        long array;
        try {
            array = allocate(pool, buckets * 8, "a bucket array of " + buckets + " buckets");
        } catch (RuntimeException e) {
            pool.free(header);
            throw e;
        }
        SharedBuffer segment = pool.buffer();
        segment.setMemory(array, buckets * 8, (byte) 0);
        segment.setMemory(header, HEADER_LENGTH, (byte) 0);
        SharedLock.initialize(segment, header + LOCK_OFFSET);
        long serial = ObjectHeader.newSerial();
        segment.putLong(header + BUCKET_COUNT_OFFSET, buckets);
        segment.putLong(header + BUCKETS_OFFSET, array);
        ObjectHeader.publish(segment, header, ObjectHeader.MAP, serial);
        return new UnorderedMap(pool, header, serial);
    }

    /** The map described by a serialized descriptor, from any process on this node. */
    public static UnorderedMap attach(byte[] serializedDescriptor) {
        return attach(MapDescriptor.deserialize(serializedDescriptor));
    }

    /**
     * The map described, from any process on this node.
     *
     * @throws ObjectGoneException if the map or its pool has been destroyed
     * @throws CorruptDescriptorException if the descriptor cannot be a map's
     */
    public static UnorderedMap attach(MapDescriptor descriptor) {
        AllocationDescriptor header = descriptor.header();
        if (header.size() != HEADER_LENGTH) {
            throw new CorruptDescriptorException("map descriptor names a header of " + header.size() + " bytes, maps"
                + " of this runtime have " + HEADER_LENGTH);
        }
        MemoryPool pool;
        try {
            pool = MemoryPool.attach(header.pool());
        } catch (PoolDestroyedException e) {
            throw new ObjectGoneException("cannot attach map " + Long.toHexString(descriptor.serial()) + ": "
                + e.getMessage(), e);
        }
        try {
            Allocation.attach(header);
        } catch (IllegalArgumentException e) {
            throw new ObjectGoneException("no map at offset " + header.offset() + " of " + pool + ": it was"
                + " destroyed (its header block is free)", e);
        }
        UnorderedMap map = new UnorderedMap(pool, header.offset(), descriptor.serial());
        ObjectHeader.check(map.segment, header.offset(), ObjectHeader.MAP, descriptor.serial(), map.toString());
        return map;
    }

    public MapDescriptor descriptor() {
        return descriptor;
    }

    /** The serialized descriptor, for another process to {@link #attach(byte[])}. */
    public byte[] serialize() {
        return descriptor.serialize();
    }

    public MemoryPool pool() {
        return pool;
    }

    /**
     * Maps {@code key} to a copy of {@code value}.
     *
     * @return true if it replaced a value, false if the key was new
     * @throws PoolFullException if the pool has no block for the entry now (the map is unchanged)
     */
    public boolean put(byte[] key, byte[] value) {
        return change(key, Objects.requireNonNull(value, "value"), Condition.ALWAYS, null, false) != null;
    }

    /**
     * Maps {@code key} to a copy of {@code value}.
     *
     * @return a copy of the value it replaced, or null if the key was new
     * @throws PoolFullException if the pool has no block for the entry now (the map is unchanged)
     */
    public byte[] getAndPut(byte[] key, byte[] value) {
        return change(key, Objects.requireNonNull(value, "value"), Condition.ALWAYS, null, true);
    }

    /**
     * {@link #getAndPut(byte[], byte[])} without allocating: the value is {@code value}'s remaining bytes (its
     * position left alone), and the old value is copied into {@code old} at its position, which it advances.
     *
     * @return the old value's length, or -1 if the key was absent
     * @throws BufferTooSmallException if the old value does not fit in {@code old.remaining()} (nothing changed)
     * @throws PoolFullException if the pool has no block for the entry now (the map is unchanged)
     */
    public int getAndPut(byte[] key, ByteBuffer value, ByteBuffer old) {
        Objects.requireNonNull(value, "value");
        if (old.isReadOnly()) {
            throw new ReadOnlyBufferException();
        }
        int before = old.position();
        return change(key, value, Condition.ALWAYS, null, false, old) == null ? -1 : old.position() - before;
    }

    /**
     * Maps {@code key} to a copy of {@code value} if it is absent.
     *
     * @return a copy of the value of {@code key}, which was left as it was, or null if the key was new (and inserted)
     * @throws PoolFullException if the pool has no block for the entry now (the map is unchanged): the entry is
     *     allocated before the key is looked up, so this can happen even when the key is present
     */
    public byte[] putIfAbsent(byte[] key, byte[] value) {
        return change(key, Objects.requireNonNull(value, "value"), Condition.IF_ABSENT, null, true);
    }

    /**
     * Maps {@code key} to a copy of {@code value} if it is present.
     *
     * @return a copy of the value it replaced, or null if the key was absent (and nothing was done)
     * @throws PoolFullException if the pool has no block for the entry now (the map is unchanged)
     */
    public byte[] getAndReplace(byte[] key, byte[] value) {
        return change(key, Objects.requireNonNull(value, "value"), Condition.IF_PRESENT, null, true);
    }

    /**
     * Maps {@code key} to a copy of {@code value} if its current value has the bytes of {@code expected}.
     *
     * @return true if it replaced the value, false if the key was absent or had another value (nothing done)
     * @throws PoolFullException if the pool has no block for the entry now (the map is unchanged)
     */
    public boolean replace(byte[] key, byte[] expected, byte[] value) {
        return change(key, Objects.requireNonNull(value, "value"), Condition.IF_EQUAL,
            Objects.requireNonNull(expected, "expected"), false) == APPLIED;
    }

    /** A copy of the value of {@code key}, or null if absent. */
    public byte[] get(byte[] key) {
        Objects.requireNonNull(key, "key");
        int hash = hash(key);
        lock();
        try {
            long link = findLink(key, hash);
            return link == NONE ? null : value(segment.getLong(link));
        } finally {
            lock.unlock();
        }
    }

    /**
     * Copies the value of {@code key} into {@code dst} at its position and advances the position past it, without
     * allocating.
     *
     * @return the value's length, or -1 if the key is absent (dst untouched)
     * @throws BufferTooSmallException if the value does not fit in {@code dst.remaining()} (nothing copied)
     */
    public int get(byte[] key, ByteBuffer dst) {
        Objects.requireNonNull(key, "key");
        if (dst.isReadOnly()) {
            throw new ReadOnlyBufferException();
        }
        int hash = hash(key);
        int length;
        lock();
        try {
            long link = findLink(key, hash);
            if (link == NONE) {
                return -1;
            }
            long entry = segment.getLong(link);
            length = valueLength(entry);
            if (length > dst.remaining()) {
                throw new BufferTooSmallException(length, dst.remaining());
            }
            segment.getBytes(valueAt(entry), dst, length);
        } finally {
            lock.unlock();
        }
        dst.position(dst.position() + length);
        return length;
    }

    public boolean containsKey(byte[] key) {
        Objects.requireNonNull(key, "key");
        int hash = hash(key);
        lock();
        try {
            return findLink(key, hash) != NONE;
        } finally {
            lock.unlock();
        }
    }

    /** Removes {@code key}; returns false if it was absent. */
    public boolean remove(byte[] key) {
        return change(key, null, Condition.ALWAYS, null, false) != null;
    }

    /** Removes {@code key}; returns a copy of the value it had, or null if it was absent. */
    public byte[] getAndRemove(byte[] key) {
        return change(key, null, Condition.ALWAYS, null, true);
    }

    /**
     * Removes {@code key} if its current value has the bytes of {@code expected}; returns false if the key was absent
     * or had another value (nothing done).
     */
    public boolean remove(byte[] key, byte[] expected) {
        return change(key, null, Condition.IF_EQUAL, Objects.requireNonNull(expected, "expected"), false) == APPLIED;
    }

    /**
     * Calls {@code visitor} with a copy of every entry, in no particular order. The entries are copied out under the
     * lock, so they are a snapshot of one instant, and the visitor runs after the lock is released: it may use this
     * map, and changes it or anyone else makes do not show in the entries it is given.
     */
    public void forEach(EntryVisitor visitor) {
        Objects.requireNonNull(visitor, "visitor");
        byte[][] keys;
        byte[][] values;
        lock();
        try {
            int count = Math.toIntExact(segment.getLong(entryCountAt));
            keys = new byte[count][];
            values = new byte[count][];
            int[] next = {0};
            forEachEntry(entry -> {
                keys[next[0]] = key(entry);
                values[next[0]++] = value(entry);
            });
        } finally {
            lock.unlock();
        }
        for (int i = 0; i < keys.length; i++) {
            visitor.visit(keys[i], values[i]);
        }
    }

    /** The sum of the lengths of every key and value, at one instant. Scans every entry under the lock: O(n). */
    public long dataBytes() {
        long[] sum = {0};
        lock();
        try {
            forEachEntry(entry -> sum[0] += keyLength(entry) + valueLength(entry));
        } finally {
            lock.unlock();
        }
        return sum[0];
    }

    /** The number of entries; without the lock, so only a snapshot while others change the map. */
    public long size() {
        checkLive();
        return segment.getLongVolatile(entryCountAt);
    }

    public boolean isEmpty() {
        return size() == 0;
    }

    /** The current number of buckets (a power of two; it doubles as the map grows). */
    public long bucketCount() {
        checkLive();
        return segment.getLongVolatile(bucketCountAt);
    }

    /** Removes every entry. The bucket array keeps its size. */
    public void clear() {
        lock();
        try {
            removeAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Frees the map's memory. Others that use it afterwards get {@link ObjectGoneException}; threads already
     * queued on its lock are let through (and get that exception) before the memory is freed.
     */
    public void destroy() {
        long buckets;
        lock();
        try {
            removeAll();
            ObjectHeader.retire(segment, headerAt, serial); // succeeds: lock() found the map live
            buckets = segment.getLong(bucketsAt);
        } finally {
            lock.unlock();
        }
        // New callers see the zero magic before taking a ticket; wait out those that had one already.
        long until = System.nanoTime() + DRAIN_NANOS;
        while (lock.isLocked() && System.nanoTime() - until < 0) {
            Thread.yield();
        }
        pool.free(buckets);
        pool.free(descriptor.header().offset());
    }

    public boolean isDestroyed() {
        return !isLive();
    }

    @Override
    public String toString() {
        return "map " + Long.toHexString(serial) + " in " + pool;
    }

    /** When {@link #change} applies, given the current value of the key. */
    private enum Condition {
        ALWAYS, IF_ABSENT, IF_PRESENT, IF_EQUAL
    }

    /**
     * The one change behind every put and remove: if {@code condition} holds for the current value of {@code key},
     * maps the key to {@code value} (inserting or replacing its entry), or removes it if {@code value} is null. The
     * new entry is allocated before the lock is taken, and freed after it is released if the condition fails, like the
     * entry that leaves the map.
     *
     * @param expected the value {@link Condition#IF_EQUAL} compares the current one with; unused otherwise
     * @param copyOld whether to return a copy of the old value; if not, {@link #APPLIED} or {@link #NOT_APPLIED}
     *     stands for it, which tells callers without a copy all they need
     * @return the value of {@code key} before the call, or null if it was absent
     */
    private byte[] change(byte[] key, byte[] value, Condition condition, byte[] expected, boolean copyOld) {
        return change(key, value == null ? null : ByteBuffer.wrap(value), condition, expected, copyOld, null);
    }

    /**
     * {@link #change(byte[], byte[], Condition, byte[], boolean)} with the value in a buffer (its remaining bytes),
     * and, if {@code oldDst} is not null, the old value copied there at its position (advancing it) rather than
     * into an array: then an old value too long for it changes nothing and throws BufferTooSmallException.
     */
    private byte[] change(byte[] key, ByteBuffer value, Condition condition, byte[] expected, boolean copyOld,
                          ByteBuffer oldDst) {
        Objects.requireNonNull(key, "key");
        checkLive(); // before allocating: a destroyed map's pool may belong to others by now
        int hash = hash(key);
        long entry = value == null ? NONE : newEntry(key, hash, value);
        try {
            lock();
        } catch (RuntimeException e) {
            if (entry != NONE) {
                pool.free(entry);
            }
            throw e;
        }
        byte[] old;
        long free;
        int tooLong = -1;
        try {
            long link = findLink(key, hash);
            long current = link == NONE ? NONE : segment.getLong(link);
            boolean applies = switch (condition) {
                case ALWAYS -> true;
                case IF_ABSENT -> current == NONE;
                case IF_PRESENT -> current != NONE;
                case IF_EQUAL -> current != NONE && valueEquals(current, expected);
            };
            if (oldDst != null && current != NONE && valueLength(current) > oldDst.remaining()) {
                tooLong = valueLength(current);
                applies = false;
            }
            old = current == NONE || tooLong >= 0 ? null : oldDst != null ? copyValue(current, oldDst)
                : copyOld ? value(current) : applies ? APPLIED : NOT_APPLIED;
            if (applies && current != NONE) {
                free = unlink(link, current, entry);
            } else if (applies && entry != NONE) {
                free = insert(entry, hash);
            } else {
                free = entry; // unused: the condition failed, or there was nothing to remove (NONE)
            }
        } finally {
            lock.unlock();
        }
        // Unreachable now that the lock is released: nobody can be reading it.
        if (free != NONE) {
            pool.free(free);
        }
        if (tooLong >= 0) {
            throw new BufferTooSmallException(tooLong, oldDst.remaining());
        }
        return old;
    }

    /** Copies the value of {@code entry} into {@code dst} (which has room) and advances it; {@link #APPLIED}. */
    private byte[] copyValue(long entry, ByteBuffer dst) {
        int length = valueLength(entry);
        segment.getBytes(valueAt(entry), dst, length);
        dst.position(dst.position() + length);
        return APPLIED;
    }

    /**
     * Allocates and writes an entry, not linked yet. Called before the lock is taken: the lock is never held across
     * a wait for pool memory.
     */
    private long newEntry(byte[] key, int hash, ByteBuffer value) {
        int length = value.remaining();
        long entry = allocate(pool, (long) ENTRY_KEY_OFFSET + key.length + length, "an entry with a key of "
            + key.length + " bytes and a value of " + length + " bytes");
        segment.putInt(entry + ENTRY_HASH_OFFSET, hash);
        segment.putInt(entry + ENTRY_KEY_LENGTH_OFFSET, key.length);
        segment.putInt(entry + ENTRY_VALUE_LENGTH_OFFSET, length);
        segment.putBytes(entry + ENTRY_KEY_OFFSET, key, 0, key.length);
        segment.putBytes(entry + ENTRY_KEY_OFFSET + key.length, value, length);
        CrashPoints.reach(ENTRY_ALLOCATED);
        return entry;
    }

    /**
     * Links {@code entry} at the head of its bucket with one LINK, then doubles the bucket array if the entries pass
     * 3/4 of the buckets. Returns the old array to free once the lock is released, or NONE.
     */
    private long insert(long entry, int hash) {
        long slot = bucketSlot(hash);
        segment.putLong(entry + ENTRY_NEXT_OFFSET, segment.getLong(slot));
        long count = segment.getLong(entryCountAt) + 1;
        link(slot, entry, count, NONE);
        long buckets = segment.getLong(bucketCountAt);
        return count * LOAD_FACTOR_DENOMINATOR > buckets * LOAD_FACTOR_NUMERATOR ? grow(buckets) : NONE;
    }

    /**
     * Unlinks {@code current}, the entry {@code link} points at, with one LINK that puts {@code replacement} in its
     * place, or nothing if that is NONE. Returns {@code current}, to free once the lock is released.
     */
    private long unlink(long link, long current, long replacement) {
        long next = segment.getLong(current + ENTRY_NEXT_OFFSET);
        long count = segment.getLong(entryCountAt);
        if (replacement == NONE) {
            return link(link, next, count - 1, current);
        }
        segment.putLong(replacement + ENTRY_NEXT_OFFSET, next);
        return link(link, replacement, count, current);
    }

    /**
     * Journals and does a LINK (see {@link MapLayout}): stores {@code value} at {@code link} and makes the entry count
     * {@code count}. Returns {@code free}, the block that left the map, for the caller to free once the lock is
     * released (the recoverer frees it if this process dies before the commit).
     */
    private long link(long link, long value, long count, long free) {
        segment.putLong(linkAtAt, link);
        segment.putLong(linkValueAt, value);
        segment.putLong(linkCountAt, count);
        segment.putLong(linkFreeAt, free);
        segment.putLongOrdered(opAt, OP_LINK); // last: the record is whole once the op is set
        CrashPoints.reach(JOURNALED);
        return commitLink();
    }

    /** Does (again) the journaled LINK and clears the op; returns the block to free. Idempotent until the commit. */
    private long commitLink() {
        segment.putLong(segment.getLong(linkAtAt), segment.getLong(linkValueAt));
        CrashPoints.reach(LINKED);
        segment.putLongOrdered(entryCountAt, segment.getLong(linkCountAt));
        CrashPoints.reach(COUNTED);
        long free = segment.getLong(linkFreeAt);
        segment.putLongOrdered(opAt, NONE);
        CrashPoints.reach(COMMITTED);
        return free;
    }

    /** Doubles the bucket array if the pool has room now; returns the old array's offset, or NONE. */
    private long grow(long buckets) {
        long newBuckets = buckets * 2;
        long bytes = newBuckets * 8;
        if (newBuckets > MAX_BUCKETS || bytes > pool.maxAllocation()) {
            return NONE;
        }
        long array = pool.tryAllocate(bytes);
        if (array == PoolLayout.NONE) {
            return NONE; // retried on a later insert; the map still works with longer chains
        }
        segment.setMemory(array, bytes, (byte) 0);
        CrashPoints.reach(GROW_ALLOCATED);
        segment.putLong(growOldArrayAt, segment.getLong(bucketsAt));
        segment.putLong(growOldCountAt, buckets);
        segment.putLong(growNewArrayAt, array);
        segment.putLong(growMovingAt, NONE);
        segment.putLongOrdered(opAt, OP_GROW);
        CrashPoints.reach(GROW_JOURNALED);
        return finishGrow();
    }

    /**
     * Moves the entries left in the old array of the journaled GROW to the new one (finishing first the move a kill
     * interrupted), points the header at the new array and commits. Returns the old array, for the caller to free.
     */
    private long finishGrow() {
        long old = segment.getLong(growOldArrayAt);
        long buckets = segment.getLong(growOldCountAt);
        long array = segment.getLong(growNewArrayAt);
        long moving = segment.getLong(growMovingAt);
        if (moving != NONE) {
            move(moving, old, buckets, array);
        }
        for (long i = 0; i < buckets; i++) {
            long slot = old + i * 8;
            for (long entry = segment.getLong(slot); entry != NONE; entry = segment.getLong(slot)) {
                segment.putLong(growMovingAt, entry);
                CrashPoints.reach(GROW_MOVING);
                move(entry, old, buckets, array);
            }
        }
        segment.putLong(bucketsAt, array);
        CrashPoints.reach(GROW_SWITCHED);
        segment.putLongOrdered(bucketCountAt, buckets * 2);
        CrashPoints.reach(GROW_RESIZED);
        segment.putLongOrdered(opAt, NONE);
        CrashPoints.reach(GROW_COMMITTED);
        return old;
    }

    /**
     * Moves {@code entry}, which was the head of its bucket in the old array, to the head of its bucket in the new
     * one. Each of the three writes is skipped if done already, so this also finishes a move a kill interrupted: the
     * entry is the new head only after the last write, and it left the old bucket before its next changed.
     */
    private void move(long entry, long old, long buckets, long array) {
        long index = bucketIndex(segment.getInt(entry + ENTRY_HASH_OFFSET));
        long to = array + (index & (buckets * 2 - 1)) * 8;
        if (segment.getLong(to) == entry) {
            return;
        }
        long from = old + (index & (buckets - 1)) * 8;
        if (segment.getLong(from) == entry) {
            segment.putLong(from, segment.getLong(entry + ENTRY_NEXT_OFFSET));
            CrashPoints.reach(GROW_UNLINKED);
        }
        segment.putLong(entry + ENTRY_NEXT_OFFSET, segment.getLong(to));
        CrashPoints.reach(GROW_RELINKED);
        segment.putLong(to, entry);
        CrashPoints.reach(GROW_MOVED);
    }

    /** Rolls forward the journaled op of a holder that died (see {@link MapLayout}); does nothing if none. */
    private void repair() {
        long op = segment.getLongVolatile(opAt);
        long free = op == OP_LINK ? commitLink() : op == OP_GROW ? finishGrow() : NONE;
        if (free != NONE) {
            pool.free(free);
        }
    }

    /**
     * The offset of the link (bucket slot or a predecessor's next field) that points at {@code key}'s entry, or
     * NONE if absent. The caller holds the lock.
     */
    private long findLink(byte[] key, int hash) {
        long link = bucketSlot(hash);
        for (long entry = segment.getLong(link); entry != NONE; entry = segment.getLong(link)) {
            if (segment.getInt(entry + ENTRY_HASH_OFFSET) == hash && keyEquals(entry, key)) {
                return link;
            }
            link = entry + ENTRY_NEXT_OFFSET;
        }
        return NONE;
    }

    private long bucketSlot(int hash) {
        return segment.getLong(bucketsAt) + (bucketIndex(hash) & (segment.getLong(bucketCountAt) - 1)) * 8;
    }

    private static long bucketIndex(int hash) {
        return hash & 0xFFFF_FFFFL;
    }

    private boolean keyEquals(long entry, byte[] key) {
        return bytesEqual(entry + ENTRY_KEY_OFFSET, keyLength(entry), key);
    }

    private boolean valueEquals(long entry, byte[] value) {
        return bytesEqual(valueAt(entry), valueLength(entry), value);
    }

    /** Whether the {@code length} bytes at {@code at} are those of {@code bytes}; allocates nothing. */
    private boolean bytesEqual(long at, int length, byte[] bytes) {
        if (length != bytes.length) {
            return false;
        }
        int i = 0;
        for (; i <= length - 8; i += 8) {
            if (segment.getLong(at + i) != (long) LONGS.get(bytes, i)) {
                return false;
            }
        }
        for (; i < length; i++) {
            if (segment.getByte(at + i) != bytes[i]) {
                return false;
            }
        }
        return true;
    }

    private int keyLength(long entry) {
        return segment.getInt(entry + ENTRY_KEY_LENGTH_OFFSET);
    }

    private int valueLength(long entry) {
        return segment.getInt(entry + ENTRY_VALUE_LENGTH_OFFSET);
    }

    private long valueAt(long entry) {
        return entry + ENTRY_KEY_OFFSET + keyLength(entry);
    }

    private byte[] key(long entry) {
        byte[] key = new byte[keyLength(entry)];
        segment.getBytes(entry + ENTRY_KEY_OFFSET, key, 0, key.length);
        return key;
    }

    private byte[] value(long entry) {
        byte[] value = new byte[valueLength(entry)];
        segment.getBytes(valueAt(entry), value, 0, value.length);
        return value;
    }

    /** Calls {@code action} with every entry, bucket by bucket. The caller holds the lock. */
    private void forEachEntry(LongConsumer action) {
        long array = segment.getLong(bucketsAt);
        long buckets = segment.getLong(bucketCountAt);
        for (long i = 0; i < buckets; i++) {
            for (long entry = segment.getLong(array + i * 8); entry != NONE;
                entry = segment.getLong(entry + ENTRY_NEXT_OFFSET)) {
                action.accept(entry);
            }
        }
    }

    /** Removes and frees the entries one by one, each a LINK, so that a kill leaves a map with fewer entries. */
    private void removeAll() {
        long array = segment.getLong(bucketsAt);
        long buckets = segment.getLong(bucketCountAt);
        for (long i = 0; i < buckets; i++) {
            long slot = array + i * 8;
            for (long entry = segment.getLong(slot); entry != NONE; entry = segment.getLong(slot)) {
                pool.free(link(slot, segment.getLong(entry + ENTRY_NEXT_OFFSET), segment.getLong(entryCountAt) - 1,
                    entry));
            }
        }
    }

    /**
     * Takes the lock of a live map, repairing the map if it takes the lock over from a dead holder; the magic is
     * checked first so that a destroyed map's lock is never touched.
     */
    private void lock() {
        checkLive();
        try {
            lock.lock(WaitMode.ADAPTIVE, Deadline.FOREVER, repair);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + lock, e);
        }
        CrashPoints.reach(LOCKED);
        if (!isLive()) {
            lock.unlock();
            throw destroyed();
        }
    }

    private boolean isLive() {
        return ObjectHeader.isLive(segment, headerAt, serial);
    }

    private void checkLive() {
        if (!isLive()) {
            throw destroyed();
        }
    }

    private ObjectGoneException destroyed() {
        return ObjectHeader.gone(toString());
    }

    private static long allocate(MemoryPool pool, long size, String what) {
        long offset = pool.tryAllocate(size);
        if (offset == PoolLayout.NONE) {
            throw new PoolFullException(pool + " has no free block for " + what + " (" + size + " bytes) now: "
                + pool.freeBytes() + " bytes free, largest free block " + pool.largestFreeBlock() + " bytes. Remove"
                + " entries or objects you no longer need, or use a bigger pool.");
        }
        return offset;
    }

    private static long roundUpToPowerOfTwo(long n) {
        return n <= 1 ? 1 : Long.highestOneBit(n - 1) << 1;
    }

    /** 32 bits of a Murmur3-style hash over 8-byte words; deterministic, so every process finds the same bucket. */
    static int hash(byte[] key) {
        long h = 0x9E3779B97F4A7C15L ^ key.length;
        int i = 0;
        for (; i <= key.length - 8; i += 8) {
            h = Long.rotateLeft(h ^ mixWord((long) LONGS.get(key, i)), 27) * 5 + 0x52DCE729;
        }
        long tail = 0;
        for (int shift = 0; i < key.length; i++, shift += 8) {
            tail |= (key[i] & 0xFFL) << shift;
        }
        h ^= mixWord(tail);
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        h *= 0xC4CEB9FE1A85EC53L;
        h ^= h >>> 33;
        return (int) h;
    }

    private static long mixWord(long k) {
        return Long.rotateLeft(k * 0x87C37B91114253D5L, 31) * 0x4CF5AD432745937FL;
    }
}
