package io.dragon.core.map;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dragon.core.infrastructure.CorruptDescriptorException;
import io.dragon.core.locks.SharedLock;
import io.dragon.core.memory.MemoryPool;
import io.dragon.core.memory.PoolFullException;
import io.dragon.core.shm.ObjectGoneException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class UnorderedMapTest {
    private static final AtomicInteger POOLS = new AtomicInteger();

    private final List<MemoryPool> pools = new ArrayList<>();
    private MemoryPool pool;

    @BeforeEach
    void createPool() {
        pool = newPool(4 << 20);
    }

    @AfterEach
    void destroyPools() {
        pools.forEach(MemoryPool::destroy);
    }

    @Test
    void shouldReturnNullForMissingKey() {
        UnorderedMap map = UnorderedMap.create(pool, 16);

        assertThat(map.get(bytes("absent"))).isNull();
        assertThat(map.containsKey(bytes("absent"))).isFalse();
        assertThat(map.get(bytes("absent"), ByteBuffer.allocate(8))).isEqualTo(-1);
        assertThat(map.size()).isZero();
    }

    @Test
    void shouldReturnStoredValue() {
        UnorderedMap map = UnorderedMap.create(pool, 16);
        byte[] binary = new byte[300];
        ThreadLocalRandom.current().nextBytes(binary);

        assertThat(map.put(bytes("alpha"), bytes("one"))).isFalse();
        assertThat(map.put(binary, binary)).isFalse();
        assertThat(map.put(new byte[0], new byte[0])).isFalse();

        assertThat(map.get(bytes("alpha"))).isEqualTo(bytes("one"));
        assertThat(map.get(binary.clone())).isEqualTo(binary);
        assertThat(map.get(new byte[0])).isEmpty();
        assertThat(map.containsKey(bytes("alpha"))).isTrue();
        assertThat(map.size()).isEqualTo(3);
    }

    @Test
    void shouldReplaceValueAndFreeTheOldEntry() {
        UnorderedMap map = UnorderedMap.create(pool, 16);
        map.put(bytes("key"), bytes("first"));
        long allocations = pool.allocationCount();

        assertThat(map.put(bytes("key"), bytes("a much longer second value"))).isTrue();

        assertThat(map.get(bytes("key"))).isEqualTo(bytes("a much longer second value"));
        assertThat(map.size()).isEqualTo(1);
        assertThat(pool.allocationCount()).isEqualTo(allocations);
    }

    @Test
    void shouldRemoveKeyOnce() {
        UnorderedMap map = UnorderedMap.create(pool, 16);
        map.put(bytes("a"), bytes("1"));
        map.put(bytes("b"), bytes("2"));

        assertThat(map.remove(bytes("a"))).isTrue();
        assertThat(map.remove(bytes("a"))).isFalse();

        assertThat(map.containsKey(bytes("a"))).isFalse();
        assertThat(map.get(bytes("b"))).isEqualTo(bytes("2"));
        assertThat(map.size()).isEqualTo(1);
    }

    @Test
    void getAndPutShouldReturnACopyOfTheReplacedValue() {
        UnorderedMap map = UnorderedMap.create(pool, 16);

        assertThat(map.getAndPut(bytes("key"), bytes("first"))).isNull();
        long allocations = pool.allocationCount();
        byte[] old = map.getAndPut(bytes("key"), bytes("second"));

        assertThat(old).isEqualTo(bytes("first"));
        old[0] = 'X'; // a copy: the map does not see this
        assertThat(map.getAndPut(bytes("key"), bytes("third"))).isEqualTo(bytes("second"));
        assertThat(map.get(bytes("key"))).isEqualTo(bytes("third"));
        assertThat(map.size()).isEqualTo(1);
        assertThat(pool.allocationCount()).isEqualTo(allocations);
    }

    @Test
    void getAndPutOfBuffersShouldCopyTheOldValueIntoTheBufferOrChangeNothingIfItDoesNotFit() {
        UnorderedMap map = UnorderedMap.create(pool, 16);
        byte[] big = new byte[1000];
        Arrays.fill(big, (byte) 7);
        ByteBuffer old = ByteBuffer.allocate(16);

        assertThat(map.getAndPut(bytes("key"), ByteBuffer.wrap(big), old)).isEqualTo(-1);
        long allocations = pool.allocationCount();
        assertThatThrownBy(() -> map.getAndPut(bytes("key"), ByteBuffer.wrap(bytes("small")), old))
            .isInstanceOf(BufferTooSmallException.class);
        assertThat(map.get(bytes("key"))).as("unchanged").isEqualTo(big);
        assertThat(pool.allocationCount()).as("the unused entry freed").isEqualTo(allocations);
        assertThat(old.position()).isZero();

        ByteBuffer roomy = ByteBuffer.allocate(2000).position(3);
        ByteBuffer value = ByteBuffer.wrap(bytes("xsmally"), 1, 5);
        assertThat(map.getAndPut(bytes("key"), value, roomy)).isEqualTo(1000);
        assertThat(roomy.position()).isEqualTo(1003);
        assertThat(Arrays.copyOfRange(roomy.array(), 3, 1003)).isEqualTo(big);
        assertThat(value.position()).as("the value's position left alone").isEqualTo(1);
        assertThat(map.get(bytes("key"))).isEqualTo(bytes("small"));
    }

    @Test
    void putIfAbsentShouldInsertOnlyANewKeyAndFreeTheUnusedEntry() {
        UnorderedMap map = UnorderedMap.create(pool, 16);

        assertThat(map.putIfAbsent(bytes("key"), bytes("first"))).isNull();
        long allocations = pool.allocationCount();
        byte[] existing = map.putIfAbsent(bytes("key"), bytes("second"));

        assertThat(existing).isEqualTo(bytes("first"));
        existing[0] = 'X';
        assertThat(map.get(bytes("key"))).isEqualTo(bytes("first"));
        assertThat(map.size()).isEqualTo(1);
        assertThat(pool.allocationCount()).isEqualTo(allocations);
    }

    @Test
    void getAndReplaceShouldReplaceOnlyAPresentKey() {
        UnorderedMap map = UnorderedMap.create(pool, 16);
        long allocations = pool.allocationCount();

        assertThat(map.getAndReplace(bytes("key"), bytes("value"))).isNull();
        assertThat(map.containsKey(bytes("key"))).isFalse();
        assertThat(pool.allocationCount()).isEqualTo(allocations);

        map.put(bytes("key"), bytes("first"));
        assertThat(map.getAndReplace(bytes("key"), bytes("second"))).isEqualTo(bytes("first"));
        assertThat(map.get(bytes("key"))).isEqualTo(bytes("second"));
        assertThat(map.size()).isEqualTo(1);
        assertThat(pool.allocationCount()).isEqualTo(allocations + 1);
    }

    @Test
    void replaceShouldReplaceOnlyTheExpectedValue() {
        UnorderedMap map = UnorderedMap.create(pool, 16);
        byte[] current = bytes("a value longer than one word");
        long allocations = pool.allocationCount();

        assertThat(map.replace(bytes("key"), current, bytes("new"))).isFalse();
        assertThat(map.containsKey(bytes("key"))).isFalse();
        map.put(bytes("key"), current);
        byte[] lastByteDiffers = current.clone();
        lastByteDiffers[lastByteDiffers.length - 1] ^= 1;
        byte[] firstWordDiffers = current.clone();
        firstWordDiffers[3] ^= 1;
        for (byte[] unequal : List.of(lastByteDiffers, firstWordDiffers, Arrays.copyOf(current, current.length - 1),
            Arrays.copyOf(current, current.length + 1), new byte[0])) {
            assertThat(map.replace(bytes("key"), unequal, bytes("new"))).isFalse();
        }
        assertThat(map.get(bytes("key"))).isEqualTo(current);

        assertThat(map.replace(bytes("key"), current.clone(), bytes("new"))).isTrue();
        assertThat(map.get(bytes("key"))).isEqualTo(bytes("new"));
        assertThat(map.replace(bytes("key"), bytes("new"), new byte[0])).isTrue();
        assertThat(map.replace(bytes("key"), new byte[0], bytes("again"))).isTrue();
        assertThat(map.get(bytes("key"))).isEqualTo(bytes("again"));
        assertThat(map.size()).isEqualTo(1);
        assertThat(pool.allocationCount()).isEqualTo(allocations + 1);
    }

    @Test
    void getAndRemoveShouldReturnACopyOfTheRemovedValue() {
        UnorderedMap map = UnorderedMap.create(pool, 16);
        map.put(bytes("a"), bytes("1"));
        map.put(bytes("b"), bytes("2"));
        long allocations = pool.allocationCount();

        assertThat(map.getAndRemove(bytes("a"))).isEqualTo(bytes("1"));
        assertThat(map.getAndRemove(bytes("a"))).isNull();

        assertThat(map.containsKey(bytes("a"))).isFalse();
        assertThat(map.get(bytes("b"))).isEqualTo(bytes("2"));
        assertThat(map.size()).isEqualTo(1);
        assertThat(pool.allocationCount()).isEqualTo(allocations - 1);
    }

    @Test
    void removeWithExpectedValueShouldRemoveOnlyThatValue() {
        UnorderedMap map = UnorderedMap.create(pool, 16);

        assertThat(map.remove(bytes("key"), bytes("value"))).isFalse();
        map.put(bytes("key"), bytes("value"));
        long allocations = pool.allocationCount();
        assertThat(map.remove(bytes("key"), bytes("valuE"))).isFalse();
        assertThat(map.remove(bytes("key"), bytes("value and more"))).isFalse();
        assertThat(map.get(bytes("key"))).isEqualTo(bytes("value"));
        assertThat(pool.allocationCount()).isEqualTo(allocations);

        assertThat(map.remove(bytes("key"), bytes("value"))).isTrue();
        assertThat(map.containsKey(bytes("key"))).isFalse();
        assertThat(map.size()).isZero();
        assertThat(pool.allocationCount()).isEqualTo(allocations - 1);
    }

    @Test
    void shouldRejectNullArguments() {
        UnorderedMap map = UnorderedMap.create(pool, 16);
        map.put(bytes("key"), bytes("value"));
        long allocations = pool.allocationCount();

        assertThatThrownBy(() -> map.getAndPut(null, bytes("v"))).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> map.putIfAbsent(bytes("k"), null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> map.getAndReplace(bytes("key"), null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> map.replace(bytes("key"), null, bytes("v"))).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> map.replace(bytes("key"), bytes("value"), null))
            .isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> map.remove(bytes("key"), null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> map.getAndRemove(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> map.forEach(null)).isInstanceOf(NullPointerException.class);

        assertThat(map.get(bytes("key"))).isEqualTo(bytes("value"));
        assertThat(pool.allocationCount()).isEqualTo(allocations);
    }

    @Test
    void forEachShouldVisitACopyOfEveryEntryOnce() {
        UnorderedMap map = UnorderedMap.create(pool, 8);
        map.forEach((key, value) -> {
            throw new AssertionError("an empty map has no entry");
        });
        Map<String, String> expected = new HashMap<>();
        for (int i = 0; i < 100; i++) {
            map.put(bytes("k" + i), bytes("v" + i));
            expected.put("k" + i, "v" + i);
        }
        map.put(new byte[0], new byte[0]);
        expected.put("", "");

        Map<String, String> visited = new HashMap<>();
        map.forEach((key, value) -> {
            assertThat(visited.put(new String(key, UTF_8), new String(value, UTF_8))).isNull();
            Arrays.fill(key, (byte) 0); // copies: the map does not see this
            Arrays.fill(value, (byte) 0);
        });

        assertThat(visited).isEqualTo(expected);
        assertThat(map.get(bytes("k7"))).isEqualTo(bytes("v7"));
    }

    @Test
    void forEachShouldVisitASnapshotWithoutHoldingTheLock() {
        UnorderedMap map = UnorderedMap.create(pool, 8);
        for (int i = 0; i < 10; i++) {
            map.put(bytes("k" + i), bytes("v" + i));
        }
        SharedLock lock = new SharedLock(pool.buffer(), map.descriptor().header().offset() + MapLayout.LOCK_OFFSET,
            "map lock");

        List<String> visited = new ArrayList<>();
        map.forEach((key, value) -> {
            assertThat(lock.isLocked()).as("lock held while visiting").isFalse();
            visited.add(new String(key, UTF_8) + "=" + new String(value, UTF_8));
            // Changes made while visiting (here, by the visitor itself) do not show in the entries visited.
            map.clear();
            map.put(bytes("late" + visited.size()), bytes("x"));
        });

        assertThat(visited).hasSize(10).allMatch(entry -> entry.matches("k(\\d)=v\\1"));
        assertThat(map.size()).isEqualTo(1);
        assertThat(map.get(bytes("late10"))).isEqualTo(bytes("x"));
    }

    @Test
    void dataBytesShouldSumKeyAndValueLengths() {
        UnorderedMap map = UnorderedMap.create(pool, 8);
        assertThat(map.dataBytes()).isZero();

        map.put(bytes("abc"), bytes("12345"));
        map.put(bytes("de"), new byte[1000]);
        map.put(new byte[0], new byte[0]);
        assertThat(map.dataBytes()).isEqualTo(3 + 5 + 2 + 1000);

        map.put(bytes("de"), bytes("x"));
        map.remove(bytes("abc"));
        assertThat(map.dataBytes()).isEqualTo(2 + 1);
        map.clear();
        assertThat(map.dataBytes()).isZero();
    }

    @Test
    void conditionalOperationsShouldBeAtomicAcrossThreads() throws Exception {
        UnorderedMap map = UnorderedMap.create(pool, 8);
        int threads = 4;
        int increments = 2_000;
        map.put(bytes("counter"), bytes("0"));
        AtomicInteger firstInserts = new AtomicInteger();
        AtomicInteger removals = new AtomicInteger();
        ExecutorService executor = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                futures.add(executor.submit(() -> {
                    for (int i = 0; i < increments; i++) {
                        // compare-and-set loop: only an atomic replace loses no increment
                        byte[] seen;
                        do {
                            seen = map.get(bytes("counter"));
                        } while (!map.replace(bytes("counter"), seen,
                            bytes(Integer.toString(Integer.parseInt(new String(seen, UTF_8)) + 1))));
                        if (map.putIfAbsent(bytes("once" + i), bytes("x")) == null) {
                            firstInserts.incrementAndGet();
                        }
                        if (map.remove(bytes("once" + i), bytes("x"))) {
                            removals.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            executor.shutdownNow();
            assertThat(executor.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }

        assertThat(map.get(bytes("counter"))).isEqualTo(bytes(Integer.toString(threads * increments)));
        // each key "onceI" was inserted by some thread and removed by some thread, possibly several times over
        assertThat(removals.get()).isEqualTo(firstInserts.get()).isBetween(increments, threads * increments);
        assertThat(map.size()).isEqualTo(1);
        assertThat(pool.allocationCount()).isEqualTo(2 + 1);
    }

    @Test
    void shouldCopyValueIntoCallerBufferAndAdvancePosition() {
        UnorderedMap map = UnorderedMap.create(pool, 16);
        map.put(bytes("k"), bytes("value"));
        ByteBuffer dst = ByteBuffer.allocateDirect(16).position(3);

        assertThat(map.get(bytes("k"), dst)).isEqualTo(5);

        assertThat(dst.position()).isEqualTo(8);
        byte[] copied = new byte[5];
        dst.get(3, copied);
        assertThat(copied).isEqualTo(bytes("value"));
    }

    @Test
    void shouldRejectTooSmallBufferWithoutLosingTheValue() {
        UnorderedMap map = UnorderedMap.create(pool, 16);
        map.put(bytes("k"), bytes("twelve bytes"));
        ByteBuffer dst = ByteBuffer.allocate(4);

        assertThatThrownBy(() -> map.get(bytes("k"), dst))
            .isInstanceOfSatisfying(BufferTooSmallException.class, e -> assertThat(e.required()).isEqualTo(12))
            .hasMessageContaining("12 bytes").hasMessageContaining("4 bytes remaining");
        assertThat(dst.position()).isZero();
        assertThat(map.get(bytes("k"))).isEqualTo(bytes("twelve bytes"));
        assertThat(map.get(bytes("k"), ByteBuffer.allocate(12))).isEqualTo(12);
    }

    @Test
    void shouldGrowBucketArrayPastThreeQuartersLoad() {
        UnorderedMap map = UnorderedMap.create(pool, 8);
        assertThat(map.bucketCount()).isEqualTo(8);

        map.put(bytes("k0"), bytes("v0"));
        for (int i = 1; i <= 6; i++) {
            map.put(bytes("k" + i), bytes("v" + i));
        }
        assertThat(map.bucketCount()).isEqualTo(16); // the 7th entry passed 6 = 8 * 3/4
        for (int i = 7; i < 1000; i++) {
            map.put(bytes("k" + i), bytes("v" + i));
        }

        assertThat(map.bucketCount()).isEqualTo(2048);
        assertThat(map.size()).isEqualTo(1000);
        for (int i = 0; i < 1000; i++) {
            assertThat(map.get(bytes("k" + i))).isEqualTo(bytes("v" + i));
        }
        // header + current bucket array + entries: every old bucket array was freed
        assertThat(pool.allocationCount()).isEqualTo(2 + 1000);
    }

    @Test
    void shouldFreeEveryAllocationOnClearAndDestroy() {
        long before = pool.allocationCount();
        UnorderedMap map = UnorderedMap.create(pool, 8);
        for (int i = 0; i < 100; i++) {
            map.put(bytes("k" + i), new byte[i]);
        }

        map.clear();
        assertThat(map.size()).isZero();
        assertThat(map.get(bytes("k5"))).isNull();
        assertThat(pool.allocationCount()).isEqualTo(before + 2);
        map.put(bytes("again"), bytes("x"));
        assertThat(map.get(bytes("again"))).isEqualTo(bytes("x"));

        map.destroy();
        assertThat(pool.allocationCount()).isEqualTo(before);
        assertThat(pool.usedBytes()).isZero();
    }

    @Test
    void shouldShareEntriesBetweenAttachedViews() {
        UnorderedMap map = UnorderedMap.create(pool, 8);
        UnorderedMap other = UnorderedMap.attach(map.serialize());

        map.put(bytes("from-first"), bytes("1"));
        other.put(bytes("from-second"), bytes("2"));

        assertThat(other.get(bytes("from-first"))).isEqualTo(bytes("1"));
        assertThat(map.get(bytes("from-second"))).isEqualTo(bytes("2"));
        assertThat(other.descriptor()).isEqualTo(map.descriptor());
    }

    @Test
    void shouldMatchConcurrentHashMapModelUnderFourThreads() throws Exception {
        UnorderedMap map = UnorderedMap.create(pool, 8);
        Map<String, byte[]> model = new ConcurrentHashMap<>();
        int threads = 4;
        int opsPerThread = 10_000;
        ExecutorService executor = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                // Each thread owns its keys, so its model is exact while all share buckets, lock and growth.
                futures.add(executor.submit(() -> {
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    ByteBuffer dst = ByteBuffer.allocate(64);
                    for (int op = 0; op < opsPerThread; op++) {
                        String key = "t" + id + "-" + random.nextInt(300);
                        byte[] expected = model.get(key);
                        byte[] value = bytes(key + "=" + op);
                        // the value a compare-and-set passes: the current one, or one the key has never had
                        byte[] guess = expected != null && random.nextBoolean() ? expected.clone() : bytes(key);
                        boolean guessed = Arrays.equals(guess, expected);
                        switch (random.nextInt(11)) {
                            case 0, 1 -> {
                                assertThat(map.put(bytes(key), value)).isEqualTo(expected != null);
                                model.put(key, value);
                            }
                            case 2 -> {
                                assertThat(map.remove(bytes(key))).isEqualTo(expected != null);
                                model.remove(key);
                            }
                            case 3 -> assertThat(map.get(bytes(key))).isEqualTo(expected);
                            case 5 -> {
                                assertThat(map.getAndPut(bytes(key), value)).isEqualTo(expected);
                                model.put(key, value);
                            }
                            case 6 -> {
                                assertThat(map.putIfAbsent(bytes(key), value)).isEqualTo(expected);
                                model.putIfAbsent(key, value);
                            }
                            case 7 -> {
                                assertThat(map.getAndReplace(bytes(key), value)).isEqualTo(expected);
                                model.replace(key, value);
                            }
                            case 8 -> {
                                assertThat(map.replace(bytes(key), guess, value)).isEqualTo(guessed);
                                if (guessed) {
                                    model.put(key, value);
                                }
                            }
                            case 9 -> {
                                assertThat(map.getAndRemove(bytes(key))).isEqualTo(expected);
                                model.remove(key);
                            }
                            case 10 -> {
                                assertThat(map.remove(bytes(key), guess)).isEqualTo(guessed);
                                if (guessed) {
                                    model.remove(key);
                                }
                            }
                            default -> {
                                dst.clear();
                                int length = map.get(bytes(key), dst);
                                assertThat(length).isEqualTo(expected == null ? -1 : expected.length);
                                if (expected != null) {
                                    assertThat(Arrays.copyOf(dst.array(), length)).isEqualTo(expected);
                                }
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            executor.shutdownNow();
            // The pool is unmapped after the test: no thread may still be using it.
            assertThat(executor.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }

        assertThat(map.size()).isEqualTo(model.size());
        model.forEach((key, value) -> assertThat(map.get(bytes(key))).as(key).isEqualTo(value));
        assertThat(pool.allocationCount()).isEqualTo(2 + model.size());
    }

    @Test
    void shouldFailAtOnceWhenPoolIsFullAndKeepEveryEntry() {
        MemoryPool small = newPool(64 << 10);
        UnorderedMap map = UnorderedMap.create(small, 8);
        int stored = 0;
        PoolFullException full = null;
        while (full == null) {
            try {
                map.put(bytes("k" + stored), new byte[1000]);
                stored++;
            } catch (PoolFullException e) {
                full = e;
            }
        }

        assertThat(full).hasMessageContaining("no free block for an entry").hasMessageContaining("bigger pool");
        assertThat(stored).isGreaterThan(10);
        assertThat(map.size()).isEqualTo(stored);
        assertThat(map.containsKey(bytes("k" + stored))).isFalse();
        for (int i = 0; i < stored; i++) {
            assertThat(map.get(bytes("k" + i))).hasSize(1000);
        }
        map.remove(bytes("k0"));
        assertThat(map.put(bytes("k" + stored), new byte[1000])).isFalse();
    }

    @Test
    void shouldKeepWorkingWhenGrowthFindsNoMemory() {
        MemoryPool small = newPool(64 << 10);
        UnorderedMap map = UnorderedMap.create(small, 8);
        int stored = 0;
        try {
            for (;; stored++) {
                map.put(bytes("key" + stored), bytes("v" + stored));
            }
        } catch (PoolFullException expected) {
            // the heap is now full of small entries: the bucket array stopped doubling before that
        }

        assertThat(map.size()).isEqualTo(stored);
        assertThat(map.bucketCount() * 3 / 4).isLessThan(stored);
        for (int i = 0; i < stored; i++) {
            assertThat(map.get(bytes("key" + i))).isEqualTo(bytes("v" + i));
        }
    }

    @Test
    void shouldRejectCorruptDescriptor() {
        UnorderedMap map = UnorderedMap.create(pool, 8);
        byte[] descriptor = map.serialize();
        descriptor[descriptor.length / 2] ^= 0x10;

        assertThatThrownBy(() -> UnorderedMap.attach(descriptor))
            .isInstanceOf(CorruptDescriptorException.class).hasMessageContaining("checksum");
        assertThatThrownBy(() -> UnorderedMap.attach(pool.descriptor().serialize()))
            .isInstanceOf(CorruptDescriptorException.class).hasMessageContaining("expected a map descriptor");
        assertThatThrownBy(() -> UnorderedMap.attach(Arrays.copyOf(map.serialize(), 5)))
            .isInstanceOf(CorruptDescriptorException.class);
    }

    @Test
    void shouldRejectUseAndAttachOfDestroyedMap() {
        UnorderedMap map = UnorderedMap.create(pool, 8);
        map.put(bytes("k"), bytes("v"));
        UnorderedMap view = UnorderedMap.attach(map.serialize());
        byte[] stale = map.serialize();

        map.destroy();

        assertThat(view.isDestroyed()).isTrue();
        assertThatThrownBy(() -> view.get(bytes("k"))).isInstanceOf(ObjectGoneException.class)
            .hasMessageContaining("destroyed");
        assertThatThrownBy(() -> view.put(bytes("k"), bytes("v"))).isInstanceOf(ObjectGoneException.class);
        assertThatThrownBy(() -> UnorderedMap.attach(stale)).isInstanceOf(ObjectGoneException.class)
            .hasMessageContaining("destroyed");
        assertThat(pool.allocationCount()).isZero(); // the failed put gave its entry back
    }

    @Test
    void shouldNotAttachStaleDescriptorToLaterMapInSameBlock() {
        UnorderedMap first = UnorderedMap.create(pool, 8);
        byte[] stale = first.serialize();
        first.destroy();
        UnorderedMap second = UnorderedMap.create(pool, 8);

        assertThat(second.descriptor().header().offset()).isEqualTo(first.descriptor().header().offset());
        assertThatThrownBy(() -> UnorderedMap.attach(stale)).isInstanceOf(ObjectGoneException.class);
        assertThat(UnorderedMap.attach(second.serialize()).size()).isZero();
    }

    @Test
    void shouldReportDestroyedPool() {
        MemoryPool other = newPool(1 << 20);
        byte[] descriptor = UnorderedMap.create(other, 8).serialize();
        pools.remove(other); // a destroyed pool is unmapped here: touching it again would crash the JVM
        other.destroy();

        assertThatThrownBy(() -> UnorderedMap.attach(descriptor)).isInstanceOf(ObjectGoneException.class)
            .hasMessageContaining("does not exist");
    }

    @Test
    void shouldShareEntriesWithChildProcesses() throws Exception {
        UnorderedMap map = UnorderedMap.create(pool, 8); // small, so that growth happens under contention
        String descriptor = Base64.getEncoder().encodeToString(map.serialize());
        int children = 3;
        int keysPerChild = 1000;
        List<Process> processes = new ArrayList<>();
        List<Path> logs = new ArrayList<>();
        try {
            for (int c = 0; c < children; c++) {
                Path log = Files.createTempFile("map-child", ".log");
                logs.add(log);
                processes.add(spawn(Child.class, log, descriptor, Integer.toString(c), Integer.toString(keysPerChild)));
            }
            for (int i = 0; i < keysPerChild; i++) {
                map.put(bytes("parent-" + i), bytes("p" + i));
            }
            for (int c = 0; c < children; c++) {
                Process p = processes.get(c);
                assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("child %d finished", c).isTrue();
                assertThat(p.exitValue()).as("child %d exit code; output:%n%s", c, Files.readString(logs.get(c)))
                    .isZero();
            }
        } finally {
            processes.forEach(Process::destroyForcibly);
            for (Path log : logs) {
                Files.deleteIfExists(log);
            }
        }

        for (int c = 0; c < children; c++) {
            for (int i = 0; i < keysPerChild; i++) {
                byte[] value = map.get(bytes("c" + c + "-" + i));
                if (i % 2 == 0) {
                    assertThat(value).isNull();
                } else {
                    assertThat(value).isEqualTo(bytes("v" + c + "-" + i));
                }
            }
        }
        for (int k = 0; k < Child.SHARED_KEYS; k++) {
            assertThat(new String(map.get(bytes("shared-" + k)), UTF_8)).matches("from-[0-2]");
        }
        assertThat(map.size()).isEqualTo(keysPerChild + children * keysPerChild / 2 + Child.SHARED_KEYS);
        assertThat(map.bucketCount()).isGreaterThanOrEqualTo(4096);
    }

    /** A child process: attaches to the map, writes its keys, removes half, and writes the shared keys. */
    public static final class Child {
        static final int SHARED_KEYS = 50;

        public static void main(String[] args) {
            UnorderedMap map = UnorderedMap.attach(Base64.getDecoder().decode(args[0]));
            int id = Integer.parseInt(args[1]);
            int count = Integer.parseInt(args[2]);
            for (int i = 0; i < count; i++) {
                map.put(bytes("c" + id + "-" + i), bytes("v" + id + "-" + i));
            }
            for (int i = 0; i < count; i += 2) {
                if (!map.remove(bytes("c" + id + "-" + i))) {
                    fail("key c" + id + "-" + i + " was missing");
                }
            }
            for (int k = 0; k < SHARED_KEYS; k++) {
                map.put(bytes("shared-" + k), bytes("from-" + id));
            }
            for (int i = 1; i < count; i += 2) {
                if (!Arrays.equals(map.get(bytes("c" + id + "-" + i)), bytes("v" + id + "-" + i))) {
                    fail("key c" + id + "-" + i + " has a wrong value");
                }
            }
            System.exit(0);
        }

        private static void fail(String message) {
            System.out.println(message);
            System.exit(2);
        }
    }

    static Process spawn(Class<?> main, Path log, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
            .toString(), "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
            main.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private MemoryPool newPool(long size) {
        MemoryPool p = MemoryPool.create("t" + ProcessHandle.current().pid() + "_" + POOLS.incrementAndGet(), 1, size);
        pools.add(p);
        return p;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }
}
