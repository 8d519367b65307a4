package io.dragon;

import io.dragon.core.channels.Channel;
import io.dragon.core.channels.ChannelException;
import io.dragon.core.map.BufferTooSmallException;
import io.dragon.core.map.RetiredException;
import io.dragon.core.map.Shard;
import io.dragon.core.map.ShardRequest;
import io.dragon.core.map.Shard.Op;
import io.dragon.core.memory.PoolDestroyedException;
import io.dragon.core.memory.PoolFullException;
import io.dragon.core.shm.ObjectGoneException;
import io.dragon.internal.DDictFrames;
import io.dragon.internal.DDictManager;
import io.dragon.internal.KeyCompute;
import io.dragon.internal.ManagerCalls;
import io.dragon.internal.ManagerInfo;
import io.dragon.internal.Services;
import io.dragon.internal.ShardFile;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * A distributed dictionary: a {@link ConcurrentMap} whose entries live in the runtime's shared memory, spread over
 * managers on every node, usable by every process of the runtime. See docs/ddict.md for its design.
 *
 * <p><b>Managers.</b> {@link Builder#create()} starts {@link Builder#managersPerNode managers per node} (processes
 * of their own) and gives each a pool of {@link Builder#bytesPerManager} bytes. A key belongs to one manager, by a
 * hash of its encoded form. A process on the manager's node reads and writes the manager's memory directly (under
 * per-stripe locks that survive a process killed while holding them); for a process of another node, the transport
 * agent of the manager's node does each single-key operation on that memory, and the manager itself does the rest
 * (functions, batches, iteration, statistics, checkpoints, persistence). Keys and values travel in the form their
 * {@link Codec}s give them, and are compared in that form: two keys are the same key if they encode to the same
 * bytes.
 *
 * <p><b>Handles.</b> A DDict is Serializable: send it to another process, or {@link #lookup} it by name there. Each
 * handle has its own current {@link #checkpointId() checkpoint}.
 *
 * <p><b>Atomicity.</b> Each single-key method is atomic, as ConcurrentHashMap's are. {@code compute},
 * {@code computeIfAbsent}, {@code computeIfPresent}, {@code merge} and {@link #fetchAdd} run their function on the
 * key's node: a caller of that node runs it itself on the shard; for a key of another node, a lambda or method
 * reference (which the overloads taking Serializable functions make Serializable) travels to the key's manager and
 * runs there. Either way the result is stored only if the key still has the value the function saw, and otherwise
 * the function runs again on the new value (as ConcurrentMap's default methods do); so a function should have no
 * side effects. A function that cannot travel (not Serializable, or capturing something that is not) runs in the
 * caller, in the same loop, through the single-key operations. Bulk methods ({@link #putAll},
 * {@link #getAll}, {@link #clear}) are atomic per key, not as a whole; {@link #size()} is a snapshot that may miss
 * concurrent changes; iterators are weakly consistent (each stripe of each manager is a snapshot taken when the
 * iterator reaches it) and never throw ConcurrentModificationException. Null keys and values are refused, as by
 * every ConcurrentMap. {@code equals} and {@code hashCode} are AbstractMap's, over every entry of the handle's
 * checkpoint: they read the whole dictionary.
 *
 * <p><b>Checkpoints.</b> A dictionary made with {@link Builder#workingSet(int) a working set} of N keeps the
 * entries of N consecutive checkpoints. Each handle is at one checkpoint (0 at first); every read and write
 * of a handle is in its checkpoint, and each checkpoint starts empty. {@link #checkpoint()} moves the handle to the
 * next one. A handle's first write in a checkpoint newer than any before has every manager begin it, which retires
 * the checkpoints that no longer fit in the working set: their entries are dropped, and any later use of them throws
 * {@link CheckpointRetiredException}.
 * A read of a key absent from its checkpoint returns null, or, with {@link Builder#waitForKeys(boolean)}, waits
 * until a writer of that checkpoint writes the key, up to {@link Builder#timeout(Duration)}.
 *
 * <p><b>Faults.</b> A node that is lost fails the calls to its manager's keys, naming the manager and the node; a
 * manager that dies fails the calls that need it, and its keys stay usable through its node's memory; the other
 * managers' keys stay usable.
 *
 * @param <K> the type of keys
 * @param <V> the type of values
 */
public final class DDict<K, V> extends AbstractMap<K, V> implements ConcurrentMap<K, V>, Serializable {
    private static final long serialVersionUID = 1L;
    /** Memory per manager unless told otherwise: 64 MiB. */
    public static final long DEFAULT_BYTES_PER_MANAGER = 64L << 20;
    /** Maps per checkpoint per manager: a power of two, so that a node's processes rarely wait for one lock. */
    private static final int STRIPES = 8;
    /** Entries of {@link #putAll} (and of a {@link BatchPut}) sent to one manager in one message, at most. */
    static final int BATCH_ENTRIES = 1000;
    /** Bytes of such a message after which it is sent before it has {@link #BATCH_ENTRIES}. */
    static final int BATCH_BYTES = 256 << 10;
    private static final long SETUP_NANOS = TimeUnit.MINUTES.toNanos(2);
    /** The least memory of a manager, and what each of its maps takes at first (a header, 256 buckets). */
    private static final long MIN_BYTES_PER_MANAGER = 1 << 20;
    private static final long BYTES_PER_MAP = 4 << 10;
    private static final int MAX_WORKING_SET = 1024;
    private static final ThreadLocal<Output> SCRATCH = ThreadLocal.withInitial(() -> new Output(256));
    /** The function of {@link #fetchAdd}: one instance, so its serialized form is made once per thread. */
    private static final SerializableBiFunction<Number, Number, Long> ADD = (a, b) -> a.longValue() + b.longValue();
    /** Where a get of a shard of this node copies the value for its codec. */
    private static final ThreadLocal<ByteBuffer> VALUE_SCRATCH =
        ThreadLocal.withInitial(() -> ByteBuffer.allocate(256));
    /** The last function this thread sent to a manager, and its serialized form. */
    private static final ThreadLocal<Object[]> LAST_FUNCTION = ThreadLocal.withInitial(() -> new Object[2]);

    private final String name;
    private final Codec<K> keyCodec;
    private final Codec<V> valueCodec;
    private final ManagerInfo[] managers;
    private final int workingSet;
    private final boolean waitForKeys;
    private final long timeoutNanos;
    private final AtomicLong checkpoint;
    /** The newest checkpoint this handle has had every manager begin (0: every shard begins with it). */
    private transient volatile long begun;
    /** The shard of each manager of this process's node, attached when first used; null for the others. */
    private transient volatile Shard[] shards;
    private transient volatile Channel[] channels;

    private DDict(String name, Codec<K> keyCodec, Codec<V> valueCodec, ManagerInfo[] managers, int workingSet,
                  boolean waitForKeys, long timeoutNanos, long checkpoint) {
        this.name = name;
        this.keyCodec = keyCodec;
        this.valueCodec = valueCodec;
        this.managers = managers;
        this.workingSet = workingSet;
        this.waitForKeys = waitForKeys;
        this.timeoutNanos = timeoutNanos;
        this.checkpoint = new AtomicLong(checkpoint);
    }

    /** A builder of a new dictionary, with every setting at its default. */
    public static <K, V> Builder<K, V> builder() {
        return new Builder<>();
    }

    /** A new unnamed dictionary with the default settings: one manager of 64 MiB per node. */
    public static <K, V> DDict<K, V> create() {
        return DDict.<K, V>builder().create();
    }

    /** A new dictionary with the default settings that any process can {@link #lookup} by {@code name}. */
    public static <K, V> DDict<K, V> create(String name) {
        return DDict.<K, V>builder().name(name).create();
    }

    /**
     * The dictionary named {@code name}, at checkpoint 0.
     *
     * @throws ObjectNotFoundException if no object has that name
     */
    @SuppressWarnings("unchecked")
    public static <K, V> DDict<K, V> lookup(String name) {
        return Services.lookup(name, DDict.class);
    }

    /**
     * A new dictionary made by {@code builder} (its number of nodes and managers may differ from the persisted
     * one's), holding every entry that {@link #persist} wrote into {@code directory}, each in its checkpoint. The
     * files are read in parallel, each by a thread of this process, and their entries sent to their managers in
     * batches.
     *
     * @throws DragonException if a file of the persist is missing (nothing is made), or a file cannot be read, is
     *                         not a dictionary's, or is cut short (the new dictionary is destroyed)
     */
    public static <K, V> DDict<K, V> restore(Path directory, Builder<K, V> builder) {
        List<Path> files;
        try (Stream<Path> listing = Files.list(directory)) {
            files = listing.filter(DDict::isShardFile).sorted().toList();
        } catch (IOException e) {
            throw new DragonException("cannot list the dictionary files in " + directory + ": " + e, e);
        }
        if (files.isEmpty()) {
            throw new DragonException("no dictionary files (*.ddict) in " + directory);
        }
        ShardFile.checkComplete(directory, files);
        DDict<K, V> dict = builder.create();
        try {
            files.parallelStream().forEach(file -> {
                try (BatchPut<K, V> batch = dict.batchPut()) {
                    ShardFile.read(file, batch::putStored);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            dict.destroy();
            throw new DragonException("cannot restore the dictionary from " + directory + ": " + e.getCause(),
                e.getCause());
        } catch (RuntimeException | Error e) {
            dict.destroy();
            throw e;
        }
        return dict;
    }

    private static boolean isShardFile(Path file) {
        return file.getFileName().toString().endsWith(".ddict");
    }

    /** Its name, or null. */
    public String name() {
        return name;
    }

    /** How many managers hold its entries. */
    public int managers() {
        return managers.length;
    }

    // ---- checkpoints

    /** The checkpoint this handle reads and writes in. */
    public long checkpointId() {
        return checkpoint.get();
    }

    /** Moves this handle to the next checkpoint, and returns it. */
    public long checkpoint() {
        return checkpoint.updateAndGet(c -> {
            Shard.checkCheckpoint(c + 1);
            return c + 1;
        });
    }

    /** A new handle to the same dictionary, at checkpoint {@code id}. */
    public DDict<K, V> atCheckpoint(long id) {
        Shard.checkCheckpoint(id);
        return new DDict<>(name, keyCodec, valueCodec, managers, workingSet, waitForKeys, timeoutNanos, id);
    }

    // ---- ConcurrentMap

    /**
     * The value of {@code key} in this handle's checkpoint, or null. With {@link Builder#waitForKeys(boolean)}, a
     * key absent from the checkpoint is waited for.
     *
     * @throws DragonException if the key was waited for and did not come within the timeout
     */
    @Override
    public V get(Object key) {
        byte[] stored = storedKey(key);
        int m = managerOf(stored);
        Shard shard = shard(m);
        if (shard != null) {
            ByteBuffer value = localGet(shard, m, stored);
            if (value != null || !waitForKeys) {
                return value == null ? null : valueCodec.decode(value);
            }
        }
        byte[] value = shard == null ? apply(Op.GET, stored, null, null) : null;
        if (value == null && waitForKeys) {
            value = awaitKey(stored);
        }
        return value == null ? null : decode(value);
    }

    @Override
    public boolean containsKey(Object key) {
        return apply(Op.CONTAINS, storedKey(key), null, null) != null;
    }

    @Override
    public V put(K key, V value) {
        byte[] stored = storedKey(key);
        int m = managerOf(stored);
        Shard shard = shard(m);
        if (shard == null) {
            return decode(apply(Op.PUT, stored, encode(value), null));
        }
        begin(Shard.checkpointOf(stored));
        Output encoded = encoded(value);
        ByteBuffer old = VALUE_SCRATCH.get();
        for (;;) {
            try {
                old.clear();
                return shard.put(stored, encoded.view(), old) < 0 ? null : valueCodec.decode(old.flip());
            } catch (BufferTooSmallException e) {
                old = grownScratch(old, e.required());
            } catch (Shard.NotBegunException e) {
                remote(m, DDictFrames.ADVANCE, out -> out.putLong(Shard.checkpointOf(stored)));
            } catch (RuntimeException e) {
                throw translated(e, m);
            }
        }
    }

    @Override
    public V putIfAbsent(K key, V value) {
        return decode(apply(Op.PUT_IF_ABSENT, storedKey(key), encode(value), null));
    }

    @Override
    public V replace(K key, V value) {
        return decode(apply(Op.REPLACE, storedKey(key), encode(value), null));
    }

    /** {@inheritDoc} Values are compared in their encoded form. */
    @Override
    public boolean replace(K key, V oldValue, V newValue) {
        return apply(Op.REPLACE_IF, storedKey(key), encode(newValue), encode(oldValue)) != null;
    }

    @Override
    public V remove(Object key) {
        return decode(apply(Op.REMOVE, storedKey(key), null, null));
    }

    /** {@inheritDoc} Values are compared in their encoded form. */
    @Override
    @SuppressWarnings("unchecked")
    public boolean remove(Object key, Object value) {
        Objects.requireNonNull(key, "key");
        return value != null && apply(Op.REMOVE_IF, storedKey(key), null, encode((V) value)) != null;
    }

    /** Runs on {@code key}'s manager: see the class comment. */
    public V compute(K key, SerializableBiFunction<? super K, ? super V, ? extends V> function) {
        return computed(key, DDictFrames.COMPUTE_ALWAYS, null, function);
    }

    /** Runs on {@code key}'s manager if {@code function} is Serializable, else here: see the class comment. */
    @Override
    public V compute(K key, BiFunction<? super K, ? super V, ? extends V> function) {
        return computed(key, DDictFrames.COMPUTE_ALWAYS, null, function);
    }

    /** Runs on {@code key}'s manager: see the class comment. */
    public V computeIfAbsent(K key, SerializableFunction<? super K, ? extends V> function) {
        return computed(key, DDictFrames.COMPUTE_IF_ABSENT, null, function);
    }

    /** Runs on {@code key}'s manager if {@code function} is Serializable, else here: see the class comment. */
    @Override
    public V computeIfAbsent(K key, Function<? super K, ? extends V> function) {
        return computed(key, DDictFrames.COMPUTE_IF_ABSENT, null, function);
    }

    /** Runs on {@code key}'s manager: see the class comment. */
    public V computeIfPresent(K key, SerializableBiFunction<? super K, ? super V, ? extends V> function) {
        return computed(key, DDictFrames.COMPUTE_IF_PRESENT, null, function);
    }

    /** Runs on {@code key}'s manager if {@code function} is Serializable, else here: see the class comment. */
    @Override
    public V computeIfPresent(K key, BiFunction<? super K, ? super V, ? extends V> function) {
        return computed(key, DDictFrames.COMPUTE_IF_PRESENT, null, function);
    }

    /** Runs on {@code key}'s manager: see the class comment. */
    public V merge(K key, V value, SerializableBiFunction<? super V, ? super V, ? extends V> function) {
        return computed(key, DDictFrames.MERGE, Objects.requireNonNull(value, "value"), function);
    }

    /** Runs on {@code key}'s manager if {@code function} is Serializable, else here: see the class comment. */
    @Override
    public V merge(K key, V value, BiFunction<? super V, ? super V, ? extends V> function) {
        return computed(key, DDictFrames.MERGE, Objects.requireNonNull(value, "value"), function);
    }

    /**
     * Adds {@code delta} to the value of {@code key}, a Long (absent counts as 0), atomically, and returns the value
     * before: a {@link #merge} with an add, so it runs where merge runs. For dictionaries whose values are Longs.
     */
    @SuppressWarnings("unchecked")
    public long fetchAdd(K key, long delta) {
        return ((Number) computed(key, DDictFrames.MERGE, (V) Long.valueOf(delta), ADD)).longValue() - delta;
    }

    /**
     * Entries of this handle's checkpoint: a snapshot of each manager's count (the sum may miss changes made while
     * it is counted), at most Integer.MAX_VALUE.
     */
    @Override
    public int size() {
        return (int) Math.min(Integer.MAX_VALUE, mappingCount());
    }

    /** {@link #size()} as a long. */
    public long mappingCount() {
        long at = checkpoint.get();
        long size = 0;
        for (int m = 0; m < managers.length; m++) {
            Shard shard = shard(m);
            if (shard != null) {
                size += local(m, () -> shard.size(at));
            } else {
                size += remote(m, DDictFrames.SIZE, out -> out.putLong(at)).getLong();
            }
        }
        return size;
    }

    @Override
    public boolean isEmpty() {
        return mappingCount() == 0;
    }

    /** Removes every entry of this handle's checkpoint: each manager's, one manager after the other. */
    @Override
    public void clear() {
        long at = checkpoint.get();
        for (int m = 0; m < managers.length; m++) {
            Shard shard = shard(m);
            if (shard != null) {
                local(m, () -> {
                    shard.clear(at);
                    return null;
                });
            } else {
                remote(m, DDictFrames.CLEAR, out -> out.putLong(at));
            }
        }
    }

    /** Maps every key of {@code map}: at most one message per manager per {@value #BATCH_ENTRIES} entries. */
    @Override
    public void putAll(Map<? extends K, ? extends V> map) {
        try (BatchPut<K, V> batch = batchPut()) {
            map.forEach(batch::put);
        }
    }

    /**
     * The values of the present keys of {@code keys}: one message per manager of another node, the local managers'
     * keys read directly.
     */
    public Map<K, V> getAll(Collection<? extends K> keys) {
        List<List<K>> byManager = new ArrayList<>();
        List<List<byte[]>> storedByManager = new ArrayList<>();
        for (int m = 0; m < managers.length; m++) {
            byManager.add(new ArrayList<>());
            storedByManager.add(new ArrayList<>());
        }
        for (K key : keys) {
            byte[] stored = storedKey(key);
            int m = managerOf(stored);
            byManager.get(m).add(key);
            storedByManager.get(m).add(stored);
        }
        Map<K, V> found = new HashMap<>();
        ManagerCalls[] calls = new ManagerCalls[managers.length];
        try {
            for (int m = 0; m < managers.length; m++) {
                List<byte[]> stored = storedByManager.get(m);
                if (stored.isEmpty()) {
                    continue;
                }
                if (shard(m) != null) {
                    for (int i = 0; i < stored.size(); i++) {
                        putFound(found, byManager.get(m).get(i), apply(Op.GET, stored.get(i), null, null));
                    }
                    continue;
                }
                calls[m] = ManagerCalls.start(DDictFrames.GET_ALL);
                calls[m].body().putInt(stored.size());
                for (byte[] key : stored) {
                    DDictFrames.putBytes(calls[m].body(), key);
                }
                send(calls[m], m);
            }
            for (int m = 0; m < managers.length; m++) {
                if (calls[m] != null) {
                    ByteBuffer reply = await(calls[m], m);
                    for (K key : byManager.get(m)) {
                        putFound(found, key, DDictFrames.getBytes(reply));
                    }
                }
            }
        } finally {
            closeAll(calls);
        }
        return found;
    }

    private void putFound(Map<K, V> found, K key, byte[] value) {
        if (value != null) {
            found.put(key, decode(value));
        }
    }

    /**
     * A weakly consistent view of the entries of this handle's checkpoint (see the class comment). Its iterator's
     * remove, and its entries' setValue, write through to the dictionary.
     */
    @Override
    public Set<Map.Entry<K, V>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<Map.Entry<K, V>> iterator() {
                return new EntryIterator();
            }

            @Override
            public int size() {
                return DDict.this.size();
            }

            @Override
            public boolean isEmpty() {
                return DDict.this.isEmpty();
            }

            @Override
            public void clear() {
                DDict.this.clear();
            }
        };
    }

    // ---- Dragon's extras

    /**
     * A batch of puts: {@link BatchPut#put} buffers each entry of a manager of another node, and sends a manager's
     * buffer as one message once it holds {@value #BATCH_ENTRIES} entries, and on {@link BatchPut#flush()} and
     * {@link BatchPut#close()}; entries of this node's managers are written at once. Use it from one thread.
     */
    public BatchPut<K, V> batchPut() {
        return new BatchPut<>(this);
    }

    /** Statistics of each manager, in manager order: a snapshot each. */
    public List<ManagerStats> stats() {
        List<ManagerStats> stats = new ArrayList<>();
        for (int m = 0; m < managers.length; m++) {
            ByteBuffer reply = remote(m, DDictFrames.STATS, out -> { });
            stats.add(new ManagerStats(m, managers[m].node(), reply.getLong(), reply.getLong(), reply.getLong(),
                reply.getLong()));
        }
        return stats;
    }

    /**
     * Writes every manager's entries (of every checkpoint in the working set) into {@code directory}, one file per
     * manager, all managers at once; {@link #restore} reads them back, in this run or a later one. The directory
     * must be reachable from every node at that path (a shared file system for a multi-node runtime); it is
     * created if absent, and files of an earlier persist there are replaced.
     *
     * @return the bytes of keys and values written
     * @throws DragonException if a manager cannot write its file (the others' are written)
     */
    public long persist(Path directory) {
        Path absolute = directory.toAbsolutePath();
        try {
            Files.createDirectories(absolute);
        } catch (IOException e) {
            throw new DragonException("cannot create " + absolute + " for the dictionary's files: " + e, e);
        }
        try (Stream<Path> listing = Files.list(absolute)) {
            for (Path old : listing.filter(DDict::isShardFile).toList()) {
                Files.delete(old); // an earlier persist's, maybe with more managers: restore reads every file
            }
        } catch (IOException e) {
            throw new DragonException("cannot remove the earlier dictionary files in " + absolute + ": " + e, e);
        }
        ManagerCalls[] calls = new ManagerCalls[managers.length];
        long bytes = 0;
        try {
            for (int m = 0; m < managers.length; m++) {
                calls[m] = ManagerCalls.start(DDictFrames.PERSIST);
                DDictFrames.putBytes(calls[m].body(), absolute.resolve(ShardFile.name(m, managers.length)).toString()
                    .getBytes(StandardCharsets.UTF_8));
                send(calls[m], m);
            }
            for (int m = 0; m < managers.length; m++) {
                ByteBuffer reply = await(calls[m], m);
                reply.getLong();
                bytes += reply.getLong();
            }
        } finally {
            closeAll(calls);
        }
        return bytes;
    }

    /**
     * Destroys the dictionary for every process: its managers free their memory and end, and its name is released.
     * Any later use fails with {@link ObjectDestroyedException}; destroying it again does nothing.
     */
    public void destroy() {
        try {
            destroyManagers();
        } finally {
            if (name != null) {
                Services.unbind(name);
            }
        }
    }

    /** Has every manager free its memory and end (their name left alone), even if some fail. */
    private void destroyManagers() {
        ManagerCalls[] calls = new ManagerCalls[managers.length];
        RuntimeException failure = null;
        try {
            for (int m = 0; m < managers.length; m++) {
                calls[m] = ManagerCalls.start(DDictFrames.DESTROY);
                try {
                    send(calls[m], m);
                } catch (RuntimeException e) {
                    calls[m].close();
                    calls[m] = null;
                    failure = destroyFailure(failure, e);
                }
            }
            for (int m = 0; m < managers.length; m++) {
                if (calls[m] != null) {
                    try {
                        await(calls[m], m);
                    } catch (RuntimeException e) {
                        failure = destroyFailure(failure, e);
                    }
                }
            }
        } finally {
            closeAll(calls);
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** The failure destroy throws once every manager was asked: the first that was not "destroyed already". */
    private static RuntimeException destroyFailure(RuntimeException first, RuntimeException e) {
        return first != null || e instanceof ObjectDestroyedException ? first : e;
    }

    @Override
    public String toString() {
        return "DDict" + (name != null ? " '" + name + "'" : "") + " (" + managers.length + " managers, checkpoint "
            + checkpoint.get() + ")";
    }

    // ---- inside

    /**
     * One operation on one key: directly on the shard of a manager of this node, else by the transport agent of the
     * shard's node ({@link ShardRequest}); the manager only begins a checkpoint the shard has not.
     */
    private byte[] apply(Op op, byte[] stored, byte[] value, byte[] expected) {
        if (op.writes()) {
            begin(Shard.checkpointOf(stored));
        }
        int m = managerOf(stored);
        Shard shard = shard(m);
        for (;;) {
            try {
                return shard != null ? shard.apply(op, stored, value, expected)
                    : ShardRequest.apply(managers[m].host(), managers[m].shard(), op, stored, value, expected);
            } catch (Shard.NotBegunException e) { // begun, then retired and begun again by others meanwhile
                remote(m, DDictFrames.ADVANCE, out -> out.putLong(Shard.checkpointOf(stored)));
            } catch (RuntimeException e) {
                throw translated(e, m);
            }
        }
    }

    /**
     * Has every manager begin checkpoint {@code at} (and retire those it pushes out of the working set), once per
     * handle and checkpoint, before this handle's first write in it: so a checkpoint's writes begin it in every
     * shard, and a checkpoint retires in the whole dictionary at once.
     */
    private void begin(long at) {
        if (at <= begun) {
            return;
        }
        ManagerCalls[] calls = new ManagerCalls[managers.length];
        try {
            for (int m = 0; m < managers.length; m++) {
                calls[m] = ManagerCalls.start(DDictFrames.ADVANCE);
                calls[m].body().putLong(at);
                send(calls[m], m);
            }
            for (int m = 0; m < managers.length; m++) {
                await(calls[m], m);
            }
        } finally {
            closeAll(calls);
        }
        synchronized (this) {
            begun = Math.max(begun, at);
        }
    }

    /**
     * The value of {@code stored} in a shard of this node, copied into this thread's scratch buffer (grown as values
     * need), not into an array of its own: the codec makes the one copy the caller gets. Null if absent.
     */
    private ByteBuffer localGet(Shard shard, int m, byte[] stored) {
        ByteBuffer value = VALUE_SCRATCH.get();
        for (;;) {
            try {
                value.clear();
                return shard.get(stored, value) < 0 ? null : value.flip();
            } catch (BufferTooSmallException e) {
                value = grownScratch(value, e.required());
            } catch (RuntimeException e) {
                throw translated(e, m);
            }
        }
    }

    /** A scratch buffer for values of {@code required} bytes, from now on this thread's. */
    private static ByteBuffer grownScratch(ByteBuffer scratch, int required) {
        ByteBuffer bigger = ByteBuffer.allocate(Math.max(required, 2 * scratch.capacity()));
        VALUE_SCRATCH.set(bigger);
        return bigger;
    }

    /** Waits for {@code stored} to be written in its checkpoint, polling more and more slowly (up to 1 ms). */
    private byte[] awaitKey(byte[] stored) {
        long deadline = System.nanoTime() + timeoutNanos;
        long pause = 1_000;
        for (;;) {
            byte[] value = apply(Op.GET, stored, null, null);
            if (value != null) {
                return value;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new DragonException("no value for " + keyCodec.decode(ByteBuffer.wrap(stored, Shard.KEY_PREFIX,
                    stored.length - Shard.KEY_PREFIX)) + " in checkpoint " + Shard.checkpointOf(stored) + " of the "
                    + this + " after " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms");
            }
            LockSupport.parkNanos(pause);
            pause = Math.min(pause * 2, 1_000_000);
        }
    }

    /**
     * A compute or merge: on the key's node, run here directly on the shard; for a key of another node, sent with the
     * function to the key's manager, unless the function cannot travel (not Serializable, or it captured something
     * that is not), and then run here through the manager's single-key operations. Everywhere in
     * {@link KeyCompute}'s loop.
     */
    private V computed(K key, byte kind, V given, Object function) {
        Objects.requireNonNull(function, "function");
        byte[] stored = storedKey(key);
        byte[] encodedGiven = given == null ? null : encode(given);
        begin(Shard.checkpointOf(stored));
        int m = managerOf(stored);
        byte[] serialized = shard(m) == null ? serialized(function) : null;
        if (serialized == null) {
            return decode(KeyCompute.run(this::apply, stored, kind, encodedGiven, function, keyCodec, valueCodec));
        }
        try (ManagerCalls call = ManagerCalls.start(DDictFrames.COMPUTE)) {
            Output body = call.body();
            DDictFrames.putBytes(body, stored).putByte(kind);
            DDictFrames.putBytes(body, encodedGiven);
            body.putBytes(serialized, 0, serialized.length);
            return decode(DDictFrames.getBytes(call(call, m)));
        } catch (RuntimeException e) {
            throw translated(e, m);
        }
    }

    /**
     * {@code function} Java-serialized (with its length in front), or null if it cannot be: the same bytes as the
     * last time this thread sent that very function, as a loop of merges with one method reference does, without
     * serializing it again.
     */
    private static byte[] serialized(Object function) {
        if (!(function instanceof Serializable)) {
            return null;
        }
        Object[] last = LAST_FUNCTION.get();
        if (last[0] != function) {
            Output out = new Output(512);
            try {
                Codecs.serialization().encode(function, out);
            } catch (DragonException e) { // it captured something that cannot travel
                return null;
            }
            last[0] = function;
            last[1] = out.toByteArray();
        }
        return (byte[]) last[1];
    }

    /** A request with a body of its own to manager {@code m}, and its reply. */
    private ByteBuffer remote(int m, byte op, Consumer<Output> body) {
        try (ManagerCalls call = ManagerCalls.start(op)) {
            body.accept(call.body());
            return call(call, m);
        } catch (RuntimeException e) {
            throw translated(e, m);
        }
    }

    private <T> T local(int m, Supplier<T> operation) {
        try {
            return operation.get();
        } catch (RuntimeException e) {
            throw translated(e, m);
        }
    }

    private ByteBuffer call(ManagerCalls call, int m) {
        send(call, m);
        return await(call, m);
    }

    private void send(ManagerCalls call, int m) {
        try {
            call.send(channel(m), managers[m], label());
        } catch (InterruptedException e) {
            throw interrupted(e);
        } catch (RuntimeException e) {
            throw translated(e, m);
        }
    }

    /** The reply to {@code call}; a failure the manager reports is thrown in its public form. */
    private ByteBuffer await(ManagerCalls call, int m) {
        try {
            return call.reply(managers[m], label(), -1);
        } catch (InterruptedException e) {
            throw interrupted(e);
        } catch (RuntimeException e) {
            throw translated(e, m);
        }
    }

    private static void closeAll(ManagerCalls[] calls) {
        for (ManagerCalls call : calls) {
            if (call != null) {
                call.close();
            }
        }
    }

    private DragonException interrupted(InterruptedException e) {
        Thread.currentThread().interrupt();
        return new DragonException("interrupted while waiting for a manager of the " + this, e);
    }

    /** The public form of a failure of manager {@code m}, or of its shard. */
    private RuntimeException translated(RuntimeException e, int m) {
        if (e instanceof RetiredException retired) {
            return new CheckpointRetiredException("the " + this + ": " + retired.getMessage(), retired.checkpoint());
        }
        if (e instanceof ObjectGoneException || e instanceof PoolDestroyedException) {
            return new ObjectDestroyedException("the " + this + " was destroyed", e);
        }
        if (e instanceof ChannelException) {
            return ManagerCalls.failed(managers[m], label(), e.getMessage(), e);
        }
        if (e instanceof PoolFullException) {
            return new DragonException("manager " + m + " of the " + this + " on node " + managers[m].node()
                + " is full: " + e.getMessage() + " (give each manager more memory with bytesPerManager)", e);
        }
        return e;
    }

    private String label() {
        return name != null ? "'" + name + "'" : Long.toHexString(managers[0].puid());
    }

    int managerOf(byte[] stored) {
        return (int) ((Shard.keyHash(stored) >>> 32) % managers.length);
    }

    /** The shard of manager {@code m} if it runs on this process's node, else null. */
    private Shard shard(int m) {
        Shard[] attached = shards;
        if (attached == null) {
            attached = attachShards();
        }
        return attached[m];
    }

    private synchronized Shard[] attachShards() {
        if (shards == null) {
            int here = Services.globalServices().launchParameters().nodeIndex();
            Shard[] attached = new Shard[managers.length];
            for (int m = 0; m < managers.length; m++) {
                if (managers[m].node() == here) {
                    try {
                        attached[m] = Shard.attach(managers[m].shard());
                    } catch (RuntimeException e) {
                        throw translated(e, m);
                    }
                }
            }
            shards = attached;
        }
        return shards;
    }

    private Channel channel(int m) {
        Channel[] attached = channels;
        if (attached == null) {
            synchronized (this) {
                if (channels == null) {
                    channels = new Channel[managers.length];
                }
                attached = channels;
            }
        }
        Channel channel = attached[m];
        if (channel == null) {
            channel = Channel.attach(managers[m].requests()); // sends return once deposited: failures are the call's
            attached[m] = channel;
        }
        return channel;
    }

    /** The key as the shards store it: in its codec's form, this handle's checkpoint in front. */
    @SuppressWarnings("unchecked")
    private byte[] storedKey(Object key) {
        Objects.requireNonNull(key, "key");
        return storedKey((K) key, checkpoint.get());
    }

    private byte[] storedKey(K key, long at) {
        Output out = SCRATCH.get().clear().putLong(0);
        keyCodec.encode(key, out);
        byte[] stored = out.toByteArray();
        Shard.putCheckpoint(stored, at);
        return stored;
    }

    private byte[] encode(V value) {
        return encoded(value).toByteArray();
    }

    /** {@code value} in its codec's form, in this thread's scratch output (until its next use). */
    private Output encoded(V value) {
        Objects.requireNonNull(value, "value");
        Output out = SCRATCH.get().clear();
        valueCodec.encode(value, out);
        return out;
    }

    private V decode(byte[] value) {
        return value == null ? null : valueCodec.decode(ByteBuffer.wrap(value));
    }

    private K decodeKey(byte[] stored) {
        return keyCodec.decode(ByteBuffer.wrap(stored, Shard.KEY_PREFIX, stored.length - Shard.KEY_PREFIX));
    }

    /** Walks the managers, and each manager's stripes, one snapshot of a stripe at a time. */
    private final class EntryIterator implements Iterator<Map.Entry<K, V>> {
        private final long at = checkpoint.get();
        private final List<byte[]> batch = new ArrayList<>();
        private int manager;
        private int stripe = -1;
        private int next;
        private K last;

        @Override
        public boolean hasNext() {
            while (next >= batch.size()) {
                if (!nextStripe()) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public Map.Entry<K, V> next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            K key = decodeKey(batch.get(next));
            V value = decode(batch.get(next + 1));
            next += 2;
            last = key;
            return new Entry(key, value, at);
        }

        @Override
        public void remove() {
            if (last == null) {
                throw new IllegalStateException("no entry to remove: next() first");
            }
            DDict.this.atCheckpoint(at).remove(last);
            last = null;
        }

        private boolean nextStripe() {
            batch.clear();
            next = 0;
            if (++stripe == STRIPES) {
                stripe = 0;
                manager++;
            }
            if (manager >= managers.length) {
                return false;
            }
            Shard shard = shard(manager);
            if (shard != null) {
                local(manager, () -> {
                    shard.forEach(at, stripe, (key, value) -> {
                        batch.add(key);
                        batch.add(value);
                    });
                    return null;
                });
            } else {
                ByteBuffer reply = remote(manager, DDictFrames.ENTRIES, out -> out.putLong(at).putInt(stripe));
                for (int n = reply.getInt(); n > 0; n--) {
                    batch.add(DDictFrames.getBytes(reply));
                    batch.add(DDictFrames.getBytes(reply));
                }
            }
            return true;
        }
    }

    /** An entry as the iterator saw it; setValue writes through, in the iterator's checkpoint. */
    private final class Entry extends SimpleEntry<K, V> {
        private static final long serialVersionUID = 1L;
        private final long at;

        Entry(K key, V value, long at) {
            super(key, value);
            this.at = at;
        }

        @Override
        public V setValue(V value) {
            V old = super.setValue(Objects.requireNonNull(value, "value"));
            atCheckpoint(at).put(getKey(), value);
            return old;
        }
    }

    /**
     * Puts buffered per manager (see {@link DDict#batchPut()}); close it, or at least flush it, to send the rest.
     *
     * @param <K> the type of keys
     * @param <V> the type of values
     */
    public static final class BatchPut<K, V> implements AutoCloseable {
        private final DDict<K, V> dict;
        private final Output[] buffers;
        private final int[] counts;

        BatchPut(DDict<K, V> dict) {
            this.dict = dict;
            this.buffers = new Output[dict.managers.length];
            this.counts = new int[dict.managers.length];
        }

        /** Maps {@code key} to {@code value}, now for a manager of this node, else with the manager's batch. */
        public void put(K key, V value) {
            putStored(dict.storedKey(Objects.requireNonNull(key, "key")), dict.encode(value));
        }

        /** A put of a stored key (its checkpoint in front), as a persisted file holds it. */
        void putStored(byte[] stored, byte[] value) {
            dict.begin(Shard.checkpointOf(stored));
            int m = dict.managerOf(stored);
            if (dict.shard(m) != null) {
                dict.apply(Op.PUT, stored, value, null);
                return;
            }
            if (buffers[m] == null) {
                buffers[m] = new Output(4096);
            }
            DDictFrames.putBytes(buffers[m], stored);
            DDictFrames.putBytes(buffers[m], value);
            if (++counts[m] == BATCH_ENTRIES || buffers[m].length() >= BATCH_BYTES) {
                flush(m, m + 1);
            }
        }

        /** Sends every manager's buffered puts, each as one message, and waits until all are done. */
        public void flush() {
            flush(0, buffers.length);
        }

        private void flush(int from, int to) {
            ManagerCalls[] calls = new ManagerCalls[buffers.length];
            try {
                for (int m = from; m < to; m++) {
                    if (counts[m] > 0) {
                        calls[m] = ManagerCalls.start(DDictFrames.PUT_ALL);
                        calls[m].body().putInt(counts[m]).putBytes(buffers[m].view());
                        buffers[m].clear();
                        counts[m] = 0;
                        dict.send(calls[m], m);
                    }
                }
                for (int m = from; m < to; m++) {
                    if (calls[m] != null) {
                        dict.await(calls[m], m);
                    }
                }
            } finally {
                closeAll(calls);
            }
        }

        /** {@link #flush()}. */
        @Override
        public void close() {
            flush();
        }
    }

    /**
     * What one manager holds, a snapshot.
     *
     * @param manager the manager's index
     * @param node    the node it runs on
     * @param entries its entries, in every checkpoint of the working set
     * @param bytes   the bytes of those entries' keys and values, in their encoded form
     * @param hits    reads that found their key (gets, and the reads of compute, merge and fetchAdd)
     * @param misses  reads that did not
     */
    public record ManagerStats(int manager, int node, long entries, long bytes, long hits, long misses)
        implements Serializable {
    }

    /**
     * The settings of a new dictionary; {@link #create()} makes it.
     *
     * @param <K> the type of keys
     * @param <V> the type of values
     */
    public static final class Builder<K, V> {
        private String name;
        private int managersPerNode = 1;
        private long bytesPerManager = DEFAULT_BYTES_PER_MANAGER;
        private int workingSet = 1;
        private boolean waitForKeys;
        private Duration timeout = Duration.ofSeconds(60);
        private Codec<K> keyCodec = Codecs.standard();
        private Codec<V> valueCodec = Codecs.standard();

        Builder() {
        }

        /** A name any process can {@link DDict#lookup} it by (default: none). */
        public Builder<K, V> name(String dictionaryName) {
            if (dictionaryName != null && dictionaryName.isEmpty()) {
                throw new IllegalArgumentException("a dictionary name must not be empty (use null for no name)");
            }
            this.name = dictionaryName;
            return this;
        }

        /** Managers on each node of the runtime (default 1). */
        public Builder<K, V> managersPerNode(int count) {
            if (count < 1) {
                throw new IllegalArgumentException("a dictionary needs at least 1 manager per node, got " + count);
            }
            this.managersPerNode = count;
            return this;
        }

        /** The memory of each manager: the size of its pool (default {@link DDict#DEFAULT_BYTES_PER_MANAGER}). */
        public Builder<K, V> bytesPerManager(long bytes) {
            if (bytes < MIN_BYTES_PER_MANAGER) {
                throw new IllegalArgumentException("a manager needs at least " + MIN_BYTES_PER_MANAGER + " bytes, got "
                    + bytes);
            }
            this.bytesPerManager = bytes;
            return this;
        }

        /** How many checkpoints the dictionary keeps at once (default 1): see the class comment of DDict. */
        public Builder<K, V> workingSet(int checkpoints) {
            if (checkpoints < 1 || checkpoints > MAX_WORKING_SET) {
                throw new IllegalArgumentException("a working set holds 1 to " + MAX_WORKING_SET + " checkpoints, got "
                    + checkpoints);
            }
            this.workingSet = checkpoints;
            return this;
        }

        /** Whether a get of a key absent from its checkpoint waits for a writer to write it (default false). */
        public Builder<K, V> waitForKeys(boolean wait) {
            this.waitForKeys = wait;
            return this;
        }

        /** How long a get waits for its key with {@link #waitForKeys(boolean)} (default 60 s). */
        public Builder<K, V> timeout(Duration wait) {
            if (wait.isNegative()) {
                throw new IllegalArgumentException("a timeout must not be negative, got " + wait);
            }
            this.timeout = wait;
            return this;
        }

        /** The form keys are stored in (default {@link Codecs#standard()}). */
        public Builder<K, V> keyCodec(Codec<K> codec) {
            this.keyCodec = Objects.requireNonNull(codec, "codec");
            return this;
        }

        /** The form values are stored in (default {@link Codecs#standard()}). */
        public Builder<K, V> valueCodec(Codec<V> codec) {
            this.valueCodec = Objects.requireNonNull(codec, "codec");
            return this;
        }

        /**
         * Starts the managers on every node, waits until each has set up its memory, and binds the name.
         *
         * @throws DragonException if a manager cannot start or set up (what was made is destroyed), or the name is
         *                         taken
         */
        public DDict<K, V> create() {
            long needed = MIN_BYTES_PER_MANAGER + (long) workingSet * STRIPES * BYTES_PER_MAP;
            if (bytesPerManager < needed) {
                throw new IllegalArgumentException("a manager with a working set of " + workingSet + " checkpoint"
                    + (workingSet == 1 ? "" : "s") + " needs at least " + needed + " bytes, got " + bytesPerManager);
            }
            int nodes = Machine.current().nodes().size();
            int count = nodes * managersPerNode;
            Queue<ManagerInfo> setup = Queue.create(count + 1);
            List<Process> processes = new ArrayList<>();
            ManagerInfo[] managers = new ManagerInfo[count];
            try {
                for (int m = 0; m < count; m++) {
                    processes.add(ProcessTemplate.of(new DDictManager(name == null ? "(unnamed)" : name, m,
                        bytesPerManager, workingSet, STRIPES, keyCodec, valueCodec, setup))
                        .withPolicy(Policy.node(m / managersPerNode)).start());
                }
                long deadline = System.nanoTime() + SETUP_NANOS;
                for (int reported = 0; reported < count; reported++) {
                    ManagerInfo info = awaitManager(setup, processes, deadline);
                    managers[info.index()] = info;
                }
            } catch (RuntimeException e) {
                abandon(managers, processes);
                throw e;
            } finally {
                setup.destroy();
            }
            DDict<K, V> dict = new DDict<>(name, keyCodec, valueCodec, managers, workingSet, waitForKeys,
                timeout.toNanos(), 0);
            if (name != null) {
                try {
                    Services.bind(name, dict);
                } catch (RuntimeException e) {
                    dict.destroyManagers(); // the name is another's
                    throw e;
                }
            }
            return dict;
        }

        /**
         * After a failed creation: the managers that set up are destroyed (their memory freed), the others killed
         * (what they made is freed with the runtime).
         */
        private void abandon(ManagerInfo[] managers, List<Process> processes) {
            for (int m = 0; m < processes.size(); m++) {
                if (managers[m] != null) {
                    try {
                        new DDict<>(null, keyCodec, valueCodec, new ManagerInfo[] {managers[m]}, workingSet, false,
                            0, 0).destroyManagers();
                        continue;
                    } catch (RuntimeException e) {
                        // killed below
                    }
                }
                processes.get(m).kill();
            }
        }

        private static ManagerInfo awaitManager(Queue<ManagerInfo> setup, List<Process> processes, long deadline) {
            try {
                for (;;) {
                    ManagerInfo info = setup.poll(1, TimeUnit.SECONDS);
                    if (info != null) {
                        return info;
                    }
                    for (Process process : processes) {
                        if (!process.isAlive() && process.exitCode().isPresent()) {
                            throw new DragonException("a manager of a new dictionary ended before it was set up (exit"
                                + " code " + process.exitCode().getAsInt() + " on node " + process.node()
                                + "): see its output above");
                        }
                    }
                    if (System.nanoTime() - deadline > 0) {
                        throw new DragonException("the managers of a new dictionary did not set up within "
                            + TimeUnit.NANOSECONDS.toSeconds(SETUP_NANOS) + " s");
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DragonException("interrupted while the managers of a new dictionary set up", e);
            }
        }
    }
}
