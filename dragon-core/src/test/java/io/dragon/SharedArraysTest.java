package io.dragon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dragon.core.memory.MemoryPool;
import io.dragon.core.testing.ChildJvm;
import io.dragon.core.testing.LeakCheck;
import io.dragon.internal.Services;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The shared arrays of ints, longs and doubles (and the bulk copies they share with the byte array), on a pool of
 * this test's own standing in for a runtime's default pool: unnamed arrays need no Global Services. Atomics are
 * checked under contention from threads and from child JVMs that map the same memory through a serialized handle.
 */
@ExtendWith(LeakCheck.class)
class SharedArraysTest {
    private static final int THREADS = 4;
    private static final int ROUNDS = 20_000;

    private MemoryPool pool;

    @BeforeEach
    void useOwnPool() throws ReflectiveOperationException {
        pool = MemoryPool.create(ChildJvm.uniqueRuntimeId(), 1, 1 << 20);
        defaultPool().set(null, pool);
    }

    @AfterEach
    void destroyPool() throws ReflectiveOperationException {
        defaultPool().set(null, null);
        pool.destroy();
    }

    @Test
    void shouldStartZeroAndKeepWhatIsSet() {
        SharedIntArray ints = SharedIntArray.create(5);
        SharedDoubleArray doubles = SharedDoubleArray.create(3);
        SharedLongArray longs = SharedLongArray.create(2);
        assertThat(List.of(ints.length(), doubles.length(), longs.length())).containsExactly(5, 3, 2);
        assertThat(ints.get(4)).isZero();
        assertThat(doubles.get(2)).isEqualTo(0.0);
        ints.set(4, -7);
        doubles.set(0, Math.PI);
        assertThat(ints.get(4)).isEqualTo(-7);
        assertThat(doubles.get(0)).isEqualTo(Math.PI);
        assertThat(SharedIntArray.create(0).length()).isZero();
        for (SharedObject array : List.of(ints, doubles, longs)) {
            array.destroy();
            assertThat(array.isAlive()).isFalse();
        }
        assertThatThrownBy(() -> ints.get(0)).isInstanceOf(ObjectDestroyedException.class);
        assertThatThrownBy(() -> doubles.set(0, 1)).isInstanceOf(ObjectDestroyedException.class);
        assertThatThrownBy(() -> SharedDoubleArray.create(-1)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("negative array length -1");
    }

    @Test
    void shouldRefuseIndicesAndRangesOutside() {
        SharedIntArray ints = SharedIntArray.create(4);
        SharedDoubleArray doubles = SharedDoubleArray.create(4);
        assertThatThrownBy(() -> ints.get(4)).isInstanceOf(IndexOutOfBoundsException.class)
            .hasMessageContaining("index 4").hasMessageContaining("length 4");
        assertThatThrownBy(() -> ints.set(-1, 0)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> doubles.getAndAdd(4, 1)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> ints.get(2, new int[4], 0, 3)).isInstanceOf(IndexOutOfBoundsException.class)
            .hasMessageContaining("elements 2..5");
        assertThatThrownBy(() -> doubles.put(0, new double[2], 1, 2)).isInstanceOf(IndexOutOfBoundsException.class)
            .hasMessageContaining("Java array of length 2");
        assertThatThrownBy(() -> ints.get(0, new int[4], 0, -1)).isInstanceOf(IndexOutOfBoundsException.class);
        ints.destroy();
        doubles.destroy();
    }

    @Test
    void shouldCopyRangesInAndOut() {
        SharedIntArray ints = SharedIntArray.create(6);
        SharedLongArray longs = SharedLongArray.create(6);
        SharedDoubleArray doubles = SharedDoubleArray.create(6);
        SharedByteArray bytes = SharedByteArray.create(6);
        ints.put(1, new int[] {9, 1, 2, 3, 9}, 1, 3);
        longs.put(1, new long[] {9, 1L << 40, 2, 3, 9}, 1, 3);
        doubles.put(1, new double[] {9, -0.5, Double.NaN, 3, 9}, 1, 3);
        bytes.put(1, new byte[] {9, 1, 2, 3, 9}, 1, 3);
        int[] someInts = new int[8];
        ints.get(0, someInts, 2, 6);
        assertThat(someInts).containsExactly(0, 0, 0, 1, 2, 3, 0, 0);
        long[] someLongs = new long[6];
        longs.get(0, someLongs, 0, 6);
        assertThat(someLongs).containsExactly(0, 1L << 40, 2, 3, 0, 0);
        double[] someDoubles = new double[3];
        doubles.get(1, someDoubles, 0, 3);
        assertThat(someDoubles).containsExactly(-0.5, Double.NaN, 3);
        assertThat(doubles.get(2)).isNaN();
        byte[] someBytes = new byte[6];
        bytes.get(0, someBytes, 0, 6);
        assertThat(someBytes).containsExactly(0, 1, 2, 3, 0, 0);
        ints.get(6, someInts, 8, 0); // an empty range at the end is inside
        for (SharedObject array : List.of(ints, longs, doubles, bytes)) {
            array.destroy();
        }
    }

    @Test
    void shouldUpdateIntsAtomicallyAsAtomicIntegerArrayDoes() {
        SharedIntArray ints = SharedIntArray.create(2);
        assertThat(ints.incrementAndGet(0)).isEqualTo(1);
        assertThat(ints.getAndIncrement(0)).isEqualTo(1);
        assertThat(ints.decrementAndGet(0)).isEqualTo(1);
        assertThat(ints.getAndDecrement(0)).isEqualTo(1);
        assertThat(ints.addAndGet(0, 10)).isEqualTo(10);
        assertThat(ints.getAndAdd(0, 5)).isEqualTo(10);
        assertThat(ints.getAndSet(0, 3)).isEqualTo(15);
        assertThat(ints.compareAndSet(0, 4, 5)).isFalse();
        assertThat(ints.compareAndSet(0, 3, 5)).isTrue();
        assertThat(ints.get(0)).isEqualTo(5);
        ints.set(1, Integer.MAX_VALUE);
        assertThat(ints.incrementAndGet(1)).isEqualTo(Integer.MIN_VALUE);
        assertThat(ints.get(0)).as("the neighbour").isEqualTo(5);
        ints.destroy();
    }

    @Test
    void shouldCompareDoublesByTheirBitsAndAddInALoop() {
        SharedDoubleArray doubles = SharedDoubleArray.create(2);
        assertThat(doubles.compareAndSet(0, -0.0, 1.0)).as("-0.0 is not the 0.0 stored").isFalse();
        assertThat(doubles.compareAndSet(0, 0.0, Double.NaN)).isTrue();
        assertThat(doubles.compareAndSet(0, Double.NaN, 2.5)).as("the same NaN").isTrue();
        assertThat(doubles.getAndAdd(0, 0.25)).isEqualTo(2.5);
        assertThat(doubles.addAndGet(0, 0.25)).isEqualTo(3.0);
        assertThat(doubles.getAndSet(0, -1.5)).isEqualTo(3.0);
        assertThat(doubles.get(0)).isEqualTo(-1.5);
        assertThat(doubles.get(1)).as("the neighbour").isEqualTo(0.0);
        doubles.destroy();
    }

    @Test
    void shouldLoseNoUpdateOfThreadsContending() throws Exception {
        SharedIntArray ints = SharedIntArray.create(3);
        SharedDoubleArray doubles = SharedDoubleArray.create(2);
        ExecutorService threads = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                done.add(threads.submit(() -> contend(ints, doubles, THREADS)));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            threads.shutdown();
        }
        assertContended(ints, doubles, THREADS);
        ints.destroy();
        doubles.destroy();
    }

    @Test
    void shouldLoseNoUpdateOfProcessesContending() throws Exception {
        SharedIntArray ints = SharedIntArray.create(3);
        SharedDoubleArray doubles = SharedDoubleArray.create(2);
        List<ChildJvm> children = new ArrayList<>();
        try {
            for (int c = 0; c < 3; c++) {
                children.add(ChildJvm.start(Contender.class, serialized(ints), serialized(doubles), "4"));
            }
            contend(ints, doubles, 4);
            for (ChildJvm child : children) {
                child.awaitSuccess(Duration.ofSeconds(60));
            }
        } finally {
            children.forEach(ChildJvm::close);
        }
        assertContended(ints, doubles, 4);
        ints.destroy();
        doubles.destroy();
    }

    /**
     * Once all {@code contenders} have counted themselves in ints[2], so that they overlap: {@link #ROUNDS}
     * increments of ints[0] and of doubles[0] by 1.0 (exact in a double up to 2^53), and as many of ints[1] and
     * doubles[1] by a compare-and-set loop.
     */
    private static void contend(SharedIntArray ints, SharedDoubleArray doubles, int contenders) {
        ints.incrementAndGet(2);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (ints.get(2) < contenders) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError(ints.get(2) + " of " + contenders + " contenders came");
            }
            Thread.onSpinWait();
        }
        for (int i = 0; i < ROUNDS; i++) {
            ints.incrementAndGet(0);
            doubles.getAndAdd(0, 1.0);
            int seen;
            do {
                seen = ints.get(1);
            } while (!ints.compareAndSet(1, seen, seen + 1));
            double before;
            do {
                before = doubles.get(1);
            } while (!doubles.compareAndSet(1, before, before + 1));
        }
    }

    private static void assertContended(SharedIntArray ints, SharedDoubleArray doubles, int contenders) {
        int total = contenders * ROUNDS;
        assertThat(new int[] {ints.get(0), ints.get(1)}).containsExactly(total, total);
        assertThat(new double[] {doubles.get(0), doubles.get(1)}).containsExactly(total, total);
    }

    /** A child JVM that contends on the arrays its arguments name (serialized handles). */
    public static final class Contender {
        public static void main(String[] args) throws Exception {
            ChildJvm.exitWithParent();
            contend((SharedIntArray) deserialized(args[0]), (SharedDoubleArray) deserialized(args[1]),
                Integer.parseInt(args[2]));
            System.exit(0);
        }
    }

    private static String serialized(Object handle) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(handle);
        }
        return Base64.getEncoder().encodeToString(bytes.toByteArray());
    }

    private static Object deserialized(String base64) throws IOException, ClassNotFoundException {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(Base64.getDecoder()
            .decode(base64)))) {
            return in.readObject();
        }
    }

    /** Services' default pool, which the arrays allocate from; set to this test's pool. */
    private static Field defaultPool() throws ReflectiveOperationException {
        Field field = Services.class.getDeclaredField("defaultPool");
        field.setAccessible(true);
        return field;
    }
}
