package io.dragon.core.map;

import static io.dragon.core.map.ShardLayout.COUNTER_LINE;
import static io.dragon.core.map.ShardLayout.HITS_OFFSET;
import static io.dragon.core.map.ShardLayout.MISSES_OFFSET;
import static io.dragon.core.map.ShardLayout.NEWEST_OFFSET;
import static io.dragon.core.map.ShardLayout.NO_CHECKPOINT;
import static io.dragon.core.map.ShardLayout.RECYCLING;
import static io.dragon.core.map.ShardLayout.SLOTS_OFFSET;
import static io.dragon.core.map.ShardLayout.STRIPES_OFFSET;
import static io.dragon.core.map.ShardLayout.WORKING_SET_OFFSET;

import io.dragon.core.infrastructure.DescriptorKind;
import io.dragon.core.infrastructure.DescriptorReader;
import io.dragon.core.infrastructure.DescriptorWriter;
import io.dragon.core.memory.Allocation;
import io.dragon.core.memory.AllocationDescriptor;
import io.dragon.core.memory.MemoryPool;
import io.dragon.core.memory.PoolDescriptor;
import io.dragon.core.memory.PoolDestroyedException;
import io.dragon.core.shm.ObjectHeader;
import io.dragon.core.shm.SharedBuffer;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The memory of one manager of a distributed dictionary: for each of its working set's checkpoints (a slot), a few
 * {@link UnorderedMap}s (stripes, so that processes of the node rarely wait for one another's lock), and a header
 * ({@link ShardLayout}) with the slots' checkpoints and the counts of hits and misses.
 *
 * <p>Keys are stored with the checkpoint they belong to in front (8 bytes, see {@link #storedKey}): a writer that
 * raced the recycling of its checkpoint's slot can only leave an entry no reader of the new checkpoint sees.
 *
 * <p>Any process of the node may read and write the maps; only the manager moves the working set ({@link #advance}).
 * An operation in checkpoint {@code c} checks {@link #holds} before and after it touches a map: if the slot no
 * longer held {@code c} afterwards, the checkpoint was retired meanwhile.
 */
public final class Shard {
    /** Bytes in front of every stored key: its checkpoint. */
    public static final int KEY_PREFIX = 8;
    /** The newest checkpoint there can be: far enough from overflow for every sum of checkpoints made here. */
    public static final long MAX_CHECKPOINT = 1L << 62;
    /** The result of an {@link Op} that answers yes ({@code null} is no). */
    public static final byte[] YES = new byte[0];

    /** The operations on one key, run by {@link #apply} wherever the shard is reached from. */
    public enum Op {
        /** The value, or null. */
        GET,
        /** {@link #YES} if the key is present. */
        CONTAINS,
        /** Maps the key to the value; the old value, or null. */
        PUT,
        /** Maps the key to the value if absent; the present value (nothing changed), or null. */
        PUT_IF_ABSENT,
        /** Maps the key to the value if present; the old value, or null (nothing done). */
        REPLACE,
        /** Maps the key to the value if its value is the expected one; {@link #YES} if it did. */
        REPLACE_IF,
        /** Removes the key; the old value, or null. */
        REMOVE,
        /** Removes the key if its value is the expected one; {@link #YES} if it did. */
        REMOVE_IF;

        private static final Op[] VALUES = values();

        /** Whether it may change the map (and so begins its checkpoint). */
        public boolean writes() {
            return this != GET && this != CONTAINS;
        }

        public static Op of(int ordinal) {
            if (ordinal < 0 || ordinal >= VALUES.length) {
                throw new IllegalArgumentException("no shard operation " + ordinal);
            }
            return VALUES[ordinal];
        }
    }

    /** Thrown by {@link #apply} for a write in a checkpoint the shard has not begun: the manager must advance. */
    public static final class NotBegunException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NotBegunException() {
            super(null, null, false, false);
        }
    }

    private final Allocation header;
    private final SharedBuffer buffer;
    private final long serial;
    private final int workingSet;
    private final int stripes;
    private final UnorderedMap[] maps;
    private final long countersAt;

    private Shard(Allocation header, long serial, UnorderedMap[] maps) {
        this.header = header;
        this.buffer = header.buffer();
        this.serial = serial;
        this.workingSet = (int) buffer.getLong(WORKING_SET_OFFSET);
        this.stripes = (int) buffer.getLong(STRIPES_OFFSET);
        this.maps = maps;
        this.countersAt = ShardLayout.countersOffset(workingSet);
    }

    /**
     * A new empty shard in {@code pool} holding checkpoint 0, with room for {@code workingSet} checkpoints of
     * {@code stripes} maps (a power of two) each.
     */
    public static Shard create(MemoryPool pool, int workingSet, int stripes, long bucketsPerMap) {
        if (workingSet < 1 || Integer.bitCount(stripes) != 1) {
            throw new IllegalArgumentException("a shard needs a working set of at least 1 and a power of two of"
                + " stripes, got " + workingSet + " and " + stripes);
        }
        UnorderedMap[] maps = new UnorderedMap[workingSet * stripes];
        Allocation header = null;
        try {
            for (int i = 0; i < maps.length; i++) {
                maps[i] = UnorderedMap.create(pool, bucketsPerMap);
            }
            header = pool.allocate(ShardLayout.length(workingSet, stripes));
        } catch (RuntimeException e) {
            for (UnorderedMap map : maps) {
                if (map != null) {
                    map.destroy();
                }
            }
            throw e;
        }
        SharedBuffer buffer = header.buffer();
        buffer.setMemory(0, header.size(), (byte) 0);
        buffer.putLong(WORKING_SET_OFFSET, workingSet);
        buffer.putLong(STRIPES_OFFSET, stripes);
        for (int slot = 0; slot < workingSet; slot++) {
            buffer.putLong(SLOTS_OFFSET + 8L * slot, slot == 0 ? 0 : NO_CHECKPOINT);
        }
        long serial = ObjectHeader.newSerial();
        ObjectHeader.publish(buffer, 0, ObjectHeader.SHARD, serial);
        return new Shard(header, serial, maps);
    }

    /** The shard a {@link #serialize() serialized descriptor} describes, from any process of its node. */
    public static Shard attach(byte[] descriptor) {
        DescriptorReader reader = DescriptorReader.open(descriptor, DescriptorKind.SHARD);
        AllocationDescriptor header = AllocationDescriptor.readFrom(reader);
        long serial = reader.getLong();
        UnorderedMap[] maps = new UnorderedMap[reader.getInt()];
        long[] offsets = new long[maps.length];
        long[] serials = new long[maps.length];
        for (int i = 0; i < maps.length; i++) {
            offsets[i] = reader.getLong();
            serials[i] = reader.getLong();
        }
        reader.finish();
        Allocation allocation;
        try {
            allocation = Allocation.attach(header);
        } catch (IllegalArgumentException | PoolDestroyedException e) { // its block was freed, or its pool destroyed
            throw ObjectHeader.gone("shard " + Long.toHexString(serial));
        }
        ObjectHeader.check(allocation.buffer(), 0, ObjectHeader.SHARD, serial, "shard " + Long.toHexString(serial));
        for (int i = 0; i < maps.length; i++) {
            maps[i] = UnorderedMap.attach(new MapDescriptor(new AllocationDescriptor(header.pool(), offsets[i],
                MapLayout.HEADER_LENGTH), serials[i]));
        }
        return new Shard(allocation, serial, maps);
    }

    /** The pool of the shard that a {@link #serialize() serialized descriptor} describes. */
    public static PoolDescriptor poolOf(byte[] descriptor) {
        return AllocationDescriptor.readFrom(DescriptorReader.open(descriptor, DescriptorKind.SHARD)).pool();
    }

    /** What another process of the node needs to {@link #attach} to this shard. */
    public byte[] serialize() {
        DescriptorWriter writer = header.descriptor().writeTo(new DescriptorWriter(DescriptorKind.SHARD))
            .putLong(serial).putInt(maps.length);
        for (UnorderedMap map : maps) {
            writer.putLong(map.descriptor().header().offset()).putLong(map.descriptor().serial());
        }
        return writer.toBytes();
    }

    /** {@code key} with {@code checkpoint} in front, as the shard stores it. */
    public static byte[] storedKey(long checkpoint, byte[] key) {
        byte[] stored = new byte[KEY_PREFIX + key.length];
        System.arraycopy(key, 0, stored, KEY_PREFIX, key.length);
        putCheckpoint(stored, checkpoint);
        return stored;
    }

    /** Writes {@code checkpoint} into the first bytes of a stored key. */
    public static void putCheckpoint(byte[] storedKey, long checkpoint) {
        for (int i = 0; i < KEY_PREFIX; i++) {
            storedKey[i] = (byte) (checkpoint >>> (8 * i));
        }
    }

    /**
     * The checkpoint of a stored key.
     *
     * @throws IllegalArgumentException if the key is too short to have one, or it is not one there can be
     */
    public static long checkpointOf(byte[] storedKey) {
        if (storedKey.length < KEY_PREFIX) {
            throw new IllegalArgumentException("a stored key has at least " + KEY_PREFIX + " bytes, got "
                + storedKey.length);
        }
        long checkpoint = 0;
        for (int i = 0; i < KEY_PREFIX; i++) {
            checkpoint |= (storedKey[i] & 0xFFL) << (8 * i);
        }
        checkCheckpoint(checkpoint);
        return checkpoint;
    }

    /**
     * 64 bits of a hash of a stored key's key (its checkpoint left out, so that every checkpoint of a key lives in
     * one manager): the same in every process and on every node, whatever its byte order.
     */
    public static long keyHash(byte[] storedKey) {
        long h = 0x9E3779B97F4A7C15L ^ storedKey.length;
        for (int i = KEY_PREFIX; i < storedKey.length; i++) {
            h = (h ^ (storedKey[i] & 0xFF)) * 0x100000001B3L;
        }
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        h *= 0xC4CEB9FE1A85EC53L;
        return h ^ (h >>> 33);
    }

    /**
     * Runs {@code op} on {@code storedKey} in its checkpoint: see {@link Op} for each result. A read in a checkpoint
     * not begun finds nothing.
     *
     * @throws NotBegunException for a write in a checkpoint not begun
     * @throws RetiredException if the checkpoint was retired, before or while this ran
     */
    public byte[] apply(Op op, byte[] storedKey, byte[] value, byte[] expected) {
        long checkpoint = checkpointOf(storedKey);
        int stripe = (int) keyHash(storedKey) & (stripes - 1);
        if (!holds(checkpoint)) {
            if (retired(checkpoint)) {
                throw retiredException(checkpoint);
            }
            if (op.writes()) {
                throw new NotBegunException();
            }
            if (op == Op.GET) {
                count(stripe, false);
            }
            return null;
        }
        UnorderedMap map = map(checkpoint, stripe);
        byte[] result = switch (op) {
            case GET -> map.get(storedKey);
            case CONTAINS -> map.containsKey(storedKey) ? YES : null;
            case PUT -> map.getAndPut(storedKey, value);
            case PUT_IF_ABSENT -> map.putIfAbsent(storedKey, value);
            case REPLACE -> map.getAndReplace(storedKey, value);
            case REPLACE_IF -> map.replace(storedKey, expected, value) ? YES : null;
            case REMOVE -> map.getAndRemove(storedKey);
            case REMOVE_IF -> map.remove(storedKey, expected) ? YES : null;
        };
        if (!holds(checkpoint)) {
            if (op.writes()) {
                map.remove(storedKey); // what this wrote into the recycled slot, where no reader looks for it
            }
            throw retiredException(checkpoint);
        }
        if (op == Op.GET) {
            count(stripe, result != null);
        }
        return result;
    }

    /**
     * A get that copies the value into {@code dst} at its position, without allocating: the value's length, or -1 if
     * the key is absent (as {@link Op#GET}, read the same way).
     *
     * @throws BufferTooSmallException if the value does not fit in {@code dst} (nothing copied)
     * @throws RetiredException if the checkpoint was retired, before or while this ran
     */
    public int get(byte[] storedKey, ByteBuffer dst) {
        long checkpoint = checkpointOf(storedKey);
        int stripe = (int) keyHash(storedKey) & (stripes - 1);
        int length = -1;
        if (holds(checkpoint)) {
            length = map(checkpoint, stripe).get(storedKey, dst);
        }
        if (!holds(checkpoint) && (length >= 0 || retired(checkpoint))) {
            throw retiredException(checkpoint);
        }
        count(stripe, length >= 0);
        return length;
    }

    /**
     * A put that takes the value from {@code value}'s remaining bytes and copies the old value into {@code old} at
     * its position, without allocating (as {@link Op#PUT}, written the same way): the old value's length, or -1.
     *
     * @throws BufferTooSmallException if the old value does not fit in {@code old} (nothing changed)
     * @throws NotBegunException for a checkpoint not begun
     * @throws RetiredException if the checkpoint was retired, before or while this ran
     */
    public int put(byte[] storedKey, ByteBuffer value, ByteBuffer old) {
        long checkpoint = checkpointOf(storedKey);
        if (!holds(checkpoint)) {
            throw retired(checkpoint) ? retiredException(checkpoint) : new NotBegunException();
        }
        UnorderedMap map = map(checkpoint, (int) keyHash(storedKey) & (stripes - 1));
        int length = map.getAndPut(storedKey, value, old);
        if (!holds(checkpoint)) {
            map.remove(storedKey); // what this wrote into the recycled slot, where no reader looks for it
            throw retiredException(checkpoint);
        }
        return length;
    }

    private RetiredException retiredException(long checkpoint) {
        return new RetiredException(checkpoint, newest(), workingSet);
    }

    /** Stripe {@code stripe} of {@code checkpoint}'s slot. */
    public UnorderedMap map(long checkpoint, int stripe) {
        return maps[slot(checkpoint) * stripes + stripe];
    }

    public int stripes() {
        return stripes;
    }

    public int workingSet() {
        return workingSet;
    }

    /** @throws IllegalArgumentException if {@code checkpoint} is not one there can be (0 to {@link #MAX_CHECKPOINT}) */
    public static void checkCheckpoint(long checkpoint) {
        if (checkpoint < 0 || checkpoint > MAX_CHECKPOINT) {
            throw new IllegalArgumentException("checkpoints are numbered 0 to " + MAX_CHECKPOINT + ", got "
                + checkpoint);
        }
    }

    /** Whether {@code checkpoint}'s slot holds it now (it is in the working set, begun and not recycling). */
    public boolean holds(long checkpoint) {
        return checkpoint >= 0 && buffer.getLongVolatile(slotAt(checkpoint)) == checkpoint;
    }

    /** Whether {@code checkpoint} has left the working set: a newer one took its slot. */
    public boolean retired(long checkpoint) {
        return checkpoint <= newest() - workingSet;
    }

    /** The newest checkpoint begun in this shard. */
    public long newest() {
        return buffer.getLongVolatile(NEWEST_OFFSET);
    }

    /**
     * Begins {@code checkpoint} and every one between the newest and it, each emptying the slot of the one it
     * retires; does nothing for a checkpoint begun already. For the manager only (one mover at a time).
     */
    public void advance(long checkpoint) {
        checkCheckpoint(checkpoint);
        long newest = newest();
        if (checkpoint <= newest) {
            return;
        }
        buffer.putLongVolatile(NEWEST_OFFSET, checkpoint);
        for (long c = Math.max(newest + 1, checkpoint - workingSet + 1); c <= checkpoint; c++) {
            long at = slotAt(c);
            buffer.putLongVolatile(at, RECYCLING);
            for (int stripe = 0; stripe < stripes; stripe++) {
                map(c, stripe).clear();
            }
            buffer.putLongVolatile(at, c);
        }
    }

    /** Counts a get of a key of {@code stripe} that found it ({@code hit}) or not. */
    private void count(int stripe, boolean hit) {
        buffer.getAndAddLong(countersAt + (long) COUNTER_LINE * stripe + (hit ? HITS_OFFSET : MISSES_OFFSET), 1);
    }

    public long hits() {
        return sumCounters(HITS_OFFSET);
    }

    public long misses() {
        return sumCounters(MISSES_OFFSET);
    }

    private long sumCounters(int offset) {
        long sum = 0;
        for (int stripe = 0; stripe < stripes; stripe++) {
            sum += buffer.getLongVolatile(countersAt + (long) COUNTER_LINE * stripe + offset);
        }
        return sum;
    }

    /**
     * Entries of {@code checkpoint} (a snapshot, stripe by stripe), 0 if the shard has not begun it.
     *
     * @throws RetiredException if the checkpoint is retired, before or while they are counted
     */
    public long size(long checkpoint) {
        long size = 0;
        if (holds(checkpoint)) {
            for (int stripe = 0; stripe < stripes; stripe++) {
                size += map(checkpoint, stripe).size();
            }
        }
        if (!holds(checkpoint) && retired(checkpoint)) {
            throw retiredException(checkpoint);
        }
        return size;
    }

    /**
     * Removes every entry of {@code checkpoint} (those written meanwhile may stay), if the shard holds it: only
     * entries of that checkpoint, so a clear that races the recycling of its slot removes nothing of the next.
     */
    public void clear(long checkpoint) {
        for (int stripe = 0; stripe < stripes; stripe++) {
            UnorderedMap map = map(checkpoint, stripe);
            forEach(checkpoint, stripe, (key, value) -> map.remove(key));
        }
    }

    /**
     * Visits a snapshot of stripe {@code stripe} of {@code checkpoint} (nothing if the shard has not begun it), with
     * stored keys; the stripe's lock is not held while the visitor runs.
     *
     * @throws RetiredException if the checkpoint is retired, before or while the snapshot is taken
     */
    public void forEach(long checkpoint, int stripe, EntryVisitor visitor) {
        if (stripe < 0 || stripe >= stripes) {
            throw new IllegalArgumentException("no stripe " + stripe + " of " + stripes);
        }
        if (!holds(checkpoint)) {
            if (retired(checkpoint)) {
                throw retiredException(checkpoint);
            }
            return;
        }
        List<byte[]> entries = new ArrayList<>();
        map(checkpoint, stripe).forEach((key, value) -> {
            if (checkpointOf(key) == checkpoint) {
                entries.add(key);
                entries.add(value);
            }
        });
        if (!holds(checkpoint)) {
            throw retiredException(checkpoint);
        }
        for (int i = 0; i < entries.size(); i += 2) {
            visitor.visit(entries.get(i), entries.get(i + 1));
        }
    }

    /** Visits a snapshot of every checkpoint the shard holds, stripe by stripe, with stored keys. */
    public void forEach(EntryVisitor visitor) {
        long newest = newest();
        for (long checkpoint = Math.max(0, newest - workingSet + 1); checkpoint <= newest; checkpoint++) {
            for (int stripe = 0; stripe < stripes; stripe++) {
                try {
                    forEach(checkpoint, stripe, visitor);
                } catch (RetiredException e) {
                    break; // retired meanwhile: its entries are gone, the newer ones come next
                }
            }
        }
    }

    /** Entries of every checkpoint the shard holds. */
    public long entries() {
        long entries = 0;
        for (UnorderedMap map : maps) {
            entries += map.size();
        }
        return entries;
    }

    /** Bytes of keys (their checkpoint prefix left out) and values in every checkpoint the shard holds. */
    public long dataBytes() {
        long bytes = 0;
        for (UnorderedMap map : maps) {
            bytes += map.dataBytes() - KEY_PREFIX * map.size();
        }
        return Math.max(0, bytes);
    }

    public boolean isLive() {
        return ObjectHeader.isLive(buffer, 0, serial);
    }

    /** Frees the shard's memory; the last use of it by any process. */
    public void destroy() {
        if (ObjectHeader.retire(buffer, 0, serial)) {
            for (UnorderedMap map : maps) {
                map.destroy();
            }
            header.free();
        }
    }

    private int slot(long checkpoint) {
        return (int) Math.floorMod(checkpoint, (long) workingSet);
    }

    private long slotAt(long checkpoint) {
        return SLOTS_OFFSET + 8L * slot(checkpoint);
    }

    @Override
    public String toString() {
        return "shard " + Long.toHexString(serial);
    }
}
