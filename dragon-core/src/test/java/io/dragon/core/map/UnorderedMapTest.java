package io.dragon.core.map;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dragon.core.infrastructure.CorruptDescriptorException;
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
                        switch (random.nextInt(5)) {
                            case 0, 1 -> {
                                byte[] value = bytes(key + "=" + op);
                                assertThat(map.put(bytes(key), value)).isEqualTo(expected != null);
                                model.put(key, value);
                            }
                            case 2 -> {
                                assertThat(map.remove(bytes(key))).isEqualTo(expected != null);
                                model.remove(key);
                            }
                            case 3 -> assertThat(map.get(bytes(key))).isEqualTo(expected);
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
