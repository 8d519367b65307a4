package io.dragon.core.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dragon.core.infrastructure.CorruptDescriptorException;
import io.dragon.core.infrastructure.HostId;
import io.dragon.core.infrastructure.OwnUser;
import io.dragon.core.shm.SharedBuffer;
import io.dragon.core.shm.SharedMemory;
import io.dragon.core.shm.SharedMemoryException;
import io.dragon.core.sync.SignalLayout;
import io.dragon.core.testing.ChildJvm;
import io.dragon.core.testing.LeakCheck;
import io.dragon.core.testing.OtherUser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LeakCheck.class)
class MemoryPoolTest {
    private static final long MIB = 1 << 20;
    private static final Duration CHILD_TIMEOUT = Duration.ofSeconds(60);

    private final List<MemoryPool> pools = new ArrayList<>();
    private String runtimeId;

    @BeforeEach
    void newRuntimeId() {
        runtimeId = ChildJvm.uniqueRuntimeId();
    }

    @AfterEach
    void destroyPools() {
        for (MemoryPool pool : pools) {
            destroyQuietly(pool);
        }
    }

    @Test
    void shouldRoundRequestsUpToPowerOfTwoBlocks() {
        MemoryPool pool = create(1, MIB);
        long free = pool.freeBytes();

        Allocation a = pool.allocate(100);
        Allocation b = pool.allocate(1);
        Allocation c = pool.allocate(4097);

        assertThat(pool.usedBytes()).isEqualTo(128 + 64 + 8192);
        assertThat(pool.freeBytes()).isEqualTo(free - pool.usedBytes());
        assertThat(pool.allocationCount()).isEqualTo(3);
        assertThat(List.of(a.size(), b.size(), c.size())).containsExactly(100L, 1L, 4097L);
        assertThat(a.offset() % 128).isZero();
        assertThat(c.offset() % 4096).isZero();
        a.buffer().putLong(0, 42);
        c.buffer().putByte(4096, (byte) 7);
        assertThatThrownBy(() -> a.buffer().putByte(100, (byte) 1)).isInstanceOf(IndexOutOfBoundsException.class);

        a.free();
        b.free();
        c.free();
        assertThat(pool.usedBytes()).isZero();
        assertThat(pool.allocationCount()).isZero();
    }

    @Test
    void shouldHoldABlockFromItsMinimumSizeOnly() {
        MemoryPool smallest = create(1, MemoryPool.MIN_SIZE);

        assertThat(smallest.maxAllocation()).isEqualTo(64);
        smallest.allocate(64).free();
        assertThatThrownBy(() -> create(2, MemoryPool.MIN_SIZE - 1)).isInstanceOf(IllegalArgumentException.class)
            .hasMessage("pool of " + (MemoryPool.MIN_SIZE - 1) + " bytes is too small to hold any block (a pool needs"
                + " at least " + MemoryPool.MIN_SIZE + " bytes)");
    }

    @Test
    void shouldRejectNonPositiveSizes() {
        MemoryPool pool = create(1, MIB);

        assertThatThrownBy(() -> pool.allocate(0)).isExactlyInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> pool.allocate(-1)).isExactlyInstanceOf(IllegalArgumentException.class);
        assertThat(pool.usedBytes()).isZero();
    }

    @Test
    void shouldRejectAllocationLargerThanLargestBlockWithoutWaiting() {
        MemoryPool pool = create(1, MIB);
        long max = pool.maxAllocation();
        assertThat(Long.bitCount(max)).isEqualTo(1);
        assertThat(max).isLessThanOrEqualTo(pool.freeBytes()).isGreaterThan(pool.freeBytes() / 2);

        assertThatThrownBy(() -> pool.allocate(max + 1)).isInstanceOf(AllocationTooLargeException.class);
        long start = System.nanoTime();
        assertThatThrownBy(() -> pool.allocate(max + 1, 30, TimeUnit.SECONDS))
            .isInstanceOf(AllocationTooLargeException.class);
        assertThat(System.nanoTime() - start).as("must not wait").isLessThan(TimeUnit.SECONDS.toNanos(20));
        assertThatThrownBy(() -> pool.allocate(pool.size())).isInstanceOf(AllocationTooLargeException.class);

        Allocation whole = pool.allocate(max);
        assertThat(pool.usedBytes()).isEqualTo(max);
        whole.free();
    }

    @Test
    void shouldFailAtOnceWhenNoBlockIsFree() {
        MemoryPool pool = create(1, MIB);
        long max = pool.maxAllocation();
        Allocation first = pool.allocate(max);

        assertThatThrownBy(() -> pool.allocate(max)).isInstanceOf(PoolFullException.class)
            .hasMessageContaining("is full");
        assertThat(pool.tryAllocate(max)).isEqualTo(PoolLayout.NONE);
        assertThat(pool.usedBytes()).isEqualTo(max);
        Allocation smaller = pool.allocate(max / 2); // the rest of the heap still serves smaller requests
        smaller.free();
        first.free();
        assertThat(pool.allocate(max).size()).isEqualTo(max);
    }

    @Test
    void shouldWakeWaitingAllocateWhenAnotherThreadFrees() throws Exception {
        MemoryPool pool = create(1, MIB);
        long max = pool.maxAllocation();
        Allocation first = pool.allocate(max);
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            Future<Allocation> waiting = executor.submit(() -> pool.allocate(max, 60, TimeUnit.SECONDS));
            awaitSleepers(pool); // the waiter has gone to sleep on the pool's "freed" signal

            first.free();

            Allocation second = waiting.get(60, TimeUnit.SECONDS);
            assertThat(second.offset()).isEqualTo(first.offset());
            assertThat(pool.usedBytes()).isEqualTo(max);
            second.free();
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void shouldThrowPoolFullWhenWaitTimesOut() {
        MemoryPool pool = create(1, MIB);
        long max = pool.maxAllocation();
        pool.allocate(max);

        long start = System.nanoTime();
        assertThatThrownBy(() -> pool.allocate(max, 200, TimeUnit.MILLISECONDS)).isInstanceOf(PoolFullException.class)
            .hasMessageContaining("before the deadline");
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(200));
        assertThat(pool.usedBytes()).isEqualTo(max);
    }

    @Test
    void shouldInterruptWaitingAllocate() throws Exception {
        MemoryPool pool = create(1, MIB);
        long max = pool.maxAllocation();
        pool.allocate(max);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread waiter = new Thread(() -> {
            try {
                pool.allocate(max, 60, TimeUnit.SECONDS);
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        waiter.start();
        awaitSleepers(pool);

        waiter.interrupt();
        waiter.join(TimeUnit.SECONDS.toMillis(30));

        assertThat(waiter.isAlive()).isFalse();
        assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
        assertThat(pool.usedBytes()).isEqualTo(max);
    }

    @Test
    void shouldRejectDoubleAndWildFree() {
        MemoryPool pool = create(1, MIB);
        Allocation a = pool.allocate(1000);
        Allocation b = pool.allocate(1000);

        assertThatThrownBy(() -> pool.free(a.offset() + 64)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> pool.free(0)).isInstanceOf(IllegalArgumentException.class);
        a.free();
        assertThatThrownBy(a::free).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("freed twice");
        assertThat(pool.usedBytes()).isEqualTo(1024);
        assertThat(pool.allocationCount()).isEqualTo(1);
        b.free();
        assertThat(pool.usedBytes()).isZero();
    }

    @Test
    void shouldCoalesceEverythingBackAfterMixedSizes() {
        MemoryPool pool = create(1, MIB);
        long largest = pool.largestFreeBlock();
        long free = pool.freeBytes();
        assertThat(largest).isEqualTo(pool.maxAllocation());
        Random random = new Random(7);
        List<Allocation> allocations = new ArrayList<>();
        for (;;) {
            long size = 1 + random.nextInt(random.nextBoolean() ? 200 : 20_000);
            long offset = pool.tryAllocate(size);
            if (offset == PoolLayout.NONE) {
                break;
            }
            allocations.add(new Allocation(pool, offset, size));
        }
        assertThat(pool.usedBytes()).isGreaterThan(free / 2);

        Collections.shuffle(allocations, random);
        allocations.forEach(Allocation::free);

        assertThat(pool.usedBytes()).isZero();
        assertThat(pool.allocationCount()).isZero();
        assertThat(pool.freeBytes()).isEqualTo(free);
        assertThat(pool.largestFreeBlock()).isEqualTo(largest);
        assertThat(pool.allocate(largest).size()).isEqualTo(largest);
    }

    @Test
    void shouldUseWholeHeapOfNonPowerOfTwoPools() {
        for (long size : new long[] {5_000, 12_345, 100_000, 1_000_003, 3 * MIB + 777}) {
            MemoryPool pool = create(size, size);
            long free = pool.freeBytes();
            long largest = pool.largestFreeBlock();
            assertThat(free).isPositive().isLessThan(size);
            assertThat(free % 64).isZero();

            List<Long> offsets = new ArrayList<>();
            for (long offset; (offset = pool.tryAllocate(64)) != PoolLayout.NONE; ) {
                pool.buffer().putLong(offset, offset); // inside the mapping, else this would crash
                offsets.add(offset);
            }
            assertThat((long) offsets.size() * 64).as("pool of %d bytes", size).isEqualTo(free);
            assertThat(pool.freeBytes()).isZero();
            for (long offset : offsets) {
                assertThat(pool.buffer().getLong(offset)).isEqualTo(offset);
                pool.free(offset);
            }
            assertThat(pool.usedBytes()).isZero();
            assertThat(pool.largestFreeBlock()).as("pool of %d bytes", size).isEqualTo(largest);
        }
    }

    @Test
    void shouldRejectPoolTooSmallForAnyBlockAndLeaveNoSegment() {
        for (long size : new long[] {100, 1_000, 4_000}) {
            assertThatThrownBy(() -> MemoryPool.create(runtimeId, size, size)).isInstanceOf(RuntimeException.class);
        }
        assertThat(LeakCheck.leakedSegments()).noneMatch(name -> name.startsWith("dragon-" + runtimeId + "-"));
    }

    @Test
    void shouldRefuseASegmentThatExistsAlreadyAndLeaveItAlone() {
        MemoryPool pool = create(1, MIB);
        Allocation a = pool.allocate(64);
        a.buffer().putLong(0, 99);

        assertThatThrownBy(() -> MemoryPool.create(pool.descriptor())).isInstanceOf(SharedMemoryException.class)
            .hasMessageContaining(pool.descriptor().segmentName() + " exists already");
        assertThat(a.buffer().getLong(0)).isEqualTo(99);
        assertThat(MemoryPool.attach(pool.descriptor())).isSameAs(pool);
    }

    @Test
    void shouldNameEverySegmentWithARandomPartSoThatNamesNeverCollide() {
        MemoryPool first = create(1, MIB);
        MemoryPool second = create(1, MIB); // same runtime and m_uid: only the random part differs
        MemoryPool ofAnotherRuntime = MemoryPool.create(ChildJvm.uniqueRuntimeId(), 1, MIB);
        pools.add(ofAnotherRuntime);
        Allocation a = first.allocate(64);
        Allocation b = second.allocate(64);
        a.buffer().putLong(0, 1);
        b.buffer().putLong(0, 2);

        assertThat(first.descriptor().segmentName()).matches("/dragon-" + runtimeId + "-1-[0-9a-f]{16}");
        assertThat(List.of(first, second, ofAnotherRuntime)).extracting(p -> p.descriptor().segmentName())
            .doesNotHaveDuplicates();
        assertThat(a.buffer().getLong(0)).isEqualTo(1);
        assertThat(MemoryPool.attach(second.descriptor())).isSameAs(second);
        assertThat(ofAnotherRuntime.usedBytes()).isZero();
    }

    @Test
    void shouldCreateThePoolWhenAnotherUserMadeItsPredictableNameFirst() throws Exception {
        OtherUser.assumeRoot();
        // Before names had a random part, the first pool of a runtime was /dragon-<runtime id>-1.
        Path squatted = OtherUser.give(Files.createFile(Path.of("/dev/shm",
            PoolDescriptor.segmentPrefix(runtimeId).substring(1) + "1")));
        try {
            MemoryPool pool = create(1, MIB);

            assertThat(pool.descriptor().segmentName()).startsWith("/" + squatted.getFileName() + "-");
            assertThat(pool.allocate(64).size()).isEqualTo(64);
            assertThat(OwnUser.ownerOf(squatted)).as("the other user's file, untouched").isEqualTo(OtherUser.UID);
        } finally {
            Files.delete(squatted);
        }
    }

    @Test
    void shouldRefuseASegmentNameAnotherUserTookWithAClearError() throws Exception {
        OtherUser.assumeRoot();
        PoolDescriptor descriptor = new PoolDescriptor(runtimeId, 1, 42, HostId.local(), MIB);
        Path squatted = OtherUser.give(Files.createFile(Path.of("/dev/shm", descriptor.segmentName().substring(1))));
        try {
            assertThatThrownBy(() -> MemoryPool.create(descriptor)).isInstanceOf(SharedMemoryException.class)
                .hasMessageContaining(descriptor.segmentName() + " exists already (owner: uid " + OtherUser.UID + ")");
            assertThatThrownBy(() -> MemoryPool.attach(descriptor)).isInstanceOf(SharedMemoryException.class)
                .hasMessageContaining(descriptor.segmentName() + " belongs to uid " + OtherUser.UID);
            assertThat(squatted).exists();
        } finally {
            Files.delete(squatted);
        }
    }

    @Test
    void shouldCreateSegmentReadableByOwnerOnly() throws Exception {
        MemoryPool pool = create(1, MIB);
        Path file = Path.of("/dev/shm", pool.descriptor().segmentName().substring(1));

        assertThat(Files.getPosixFilePermissions(file))
            .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        assertThat(Files.size(file)).isEqualTo(MIB);
    }

    @Test
    void shouldRoundTripDescriptorsAndAttachToSameMapping() {
        MemoryPool pool = create(1, MIB);
        Allocation a = pool.allocate(300);
        a.buffer().putLong(8, 0x1234_5678_9ABC_DEF0L);

        PoolDescriptor descriptor = PoolDescriptor.deserialize(pool.descriptor().serialize());
        AllocationDescriptor allocation = AllocationDescriptor.deserialize(a.descriptor().serialize());

        assertThat(descriptor).isEqualTo(pool.descriptor());
        assertThat(descriptor.segmentName()).matches("/dragon-" + runtimeId + "-1-[0-9a-f]{16}");
        assertThat(PoolDescriptor.runtimeOfSegment(descriptor.segmentName().substring(1))).contains(runtimeId);
        assertThat(allocation).isEqualTo(a.descriptor());
        assertThat(MemoryPool.attach(pool.descriptor().serialize())).isSameAs(pool);
        Allocation attached = Allocation.attach(allocation);
        assertThat(attached).isEqualTo(a);
        assertThat(attached.buffer().getLong(8)).isEqualTo(0x1234_5678_9ABC_DEF0L);

        a.free();
        assertThatThrownBy(() -> Allocation.attach(allocation)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("freed");
    }

    @Test
    void shouldShareMemoryWithAnotherProcess() throws Exception {
        MemoryPool pool = create(1, MIB);
        Allocation a = pool.allocate(4096);
        fill(a.buffer(), 4096, 11);
        long used = pool.usedBytes();

        String childAllocation;
        try (ChildJvm child = ChildJvm.start(Child.class, "share", hex(pool.descriptor().serialize()),
            hex(a.descriptor().serialize()))) {
            child.awaitSuccess(CHILD_TIMEOUT);
            childAllocation = line(child.output(), "allocated ");
        }

        // The child checked our bytes, overwrote them with its own and made an allocation of its own.
        assertThat(pool.isDestroyed()).isFalse();
        assertThat(matches(a.buffer(), 4096, 12)).isTrue();
        Allocation b = Allocation.attach(AllocationDescriptor.deserialize(HexFormat.of().parseHex(childAllocation)));
        assertThat(b.size()).isEqualTo(5000);
        assertThat(matches(b.buffer(), 5000, 13)).isTrue();
        assertThat(pool.usedBytes()).isEqualTo(used + 8192);
        b.free();
        a.free();
        assertThat(pool.usedBytes()).isZero();
    }

    @Test
    void shouldRejectAttachAfterDestroy() throws Exception {
        MemoryPool pool = MemoryPool.create(runtimeId, 1, MIB);
        PoolDescriptor descriptor = pool.descriptor();
        Allocation a = pool.allocate(64);
        AllocationDescriptor allocation = a.descriptor();
        String name = descriptor.segmentName().substring(1);

        pool.destroy();

        assertThat(Files.exists(Path.of("/dev/shm", name))).isFalse();
        assertThatThrownBy(() -> MemoryPool.attach(descriptor)).isInstanceOf(PoolDestroyedException.class);
        assertThatThrownBy(() -> Allocation.attach(allocation)).isInstanceOf(PoolDestroyedException.class);
        try (ChildJvm child = ChildJvm.start(Child.class, "attach-destroyed", hex(descriptor.serialize()))) {
            child.awaitSuccess(CHILD_TIMEOUT);
        }
    }

    @Test
    void shouldRefuseUseOfDestroyedOrClosedPoolInsteadOfCrashing() {
        MemoryPool destroyed = create(1, MIB);
        Allocation a = destroyed.allocate(64);
        destroyed.destroy();
        MemoryPool closed = create(2, MIB);
        Allocation b = closed.allocate(64);
        closed.close();

        for (MemoryPool pool : List.of(destroyed, closed)) {
            assertThat(pool.isMapped()).isFalse();
            assertThat(pool.isDestroyed()).isTrue();
            assertThatThrownBy(() -> pool.allocate(64)).isInstanceOf(PoolDestroyedException.class);
            assertThatThrownBy(() -> pool.tryAllocate(64)).isInstanceOf(PoolDestroyedException.class);
            assertThatThrownBy(pool::usedBytes).isInstanceOf(PoolDestroyedException.class);
            assertThatThrownBy(pool::largestFreeBlock).isInstanceOf(PoolDestroyedException.class);
            assertThatThrownBy(pool::allocationCount).isInstanceOf(PoolDestroyedException.class);
            assertThatThrownBy(pool::destroy).isInstanceOf(PoolDestroyedException.class);
        }
        assertThatThrownBy(a::free).isInstanceOf(PoolDestroyedException.class);
        assertThatThrownBy(b::free).isInstanceOf(PoolDestroyedException.class);

        // A closed (not destroyed) pool can be mapped again.
        MemoryPool again = MemoryPool.attach(closed.descriptor());
        assertThat(again).isNotSameAs(closed);
        assertThat(again.usedBytes()).isEqualTo(64);
        again.free(b.offset());
        pools.add(again);
    }

    @Test
    void shouldRefuseAllocationInProcessThatSeesPoolDestroyed() throws Exception {
        MemoryPool pool = MemoryPool.create(runtimeId, 1, MIB);
        try (ChildJvm child = ChildJvm.start(Child.class, "await-destroy", hex(pool.descriptor().serialize()))) {
            assertThat(child.awaitOutput("attached", CHILD_TIMEOUT)).as(child.output()).isTrue();

            pool.destroy();

            child.awaitSuccess(CHILD_TIMEOUT);
        } finally {
            destroyQuietly(pool);
        }
    }

    @Test
    void shouldRejectEveryCorruptionOfDescriptors() {
        MemoryPool pool = create(1, MIB);
        Allocation a = pool.allocate(64);
        byte[] poolBytes = pool.descriptor().serialize();
        byte[] allocationBytes = a.descriptor().serialize();

        assertCorruptionsRejected(poolBytes, PoolDescriptor::deserialize);
        assertCorruptionsRejected(poolBytes, MemoryPool::attach);
        assertCorruptionsRejected(allocationBytes, AllocationDescriptor::deserialize);
        // A descriptor of the wrong kind is not accepted either.
        assertThatThrownBy(() -> PoolDescriptor.deserialize(allocationBytes))
            .isInstanceOf(CorruptDescriptorException.class);
        assertThatThrownBy(() -> AllocationDescriptor.deserialize(poolBytes))
            .isInstanceOf(CorruptDescriptorException.class);
        assertThatThrownBy(() -> PoolDescriptor.deserialize(null)).isInstanceOf(CorruptDescriptorException.class);
        // The originals still work.
        assertThat(MemoryPool.attach(poolBytes)).isSameAs(pool);
        assertThat(AllocationDescriptor.deserialize(allocationBytes)).isEqualTo(a.descriptor());
    }

    @Test
    void shouldNeverHandOutOverlappingBlocksToConcurrentThreads() throws Exception {
        MemoryPool pool = create(1, MIB);
        long largest = pool.largestFreeBlock();
        int threads = 4;
        int operations = 20_000;
        ExecutorService executor = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                results.add(executor.submit(() -> {
                    start.await();
                    return allocFreeStress(pool, thread, operations);
                }));
            }
            start.countDown();
            for (Future<Integer> result : results) {
                result.get(60, TimeUnit.SECONDS);
            }
        } finally {
            executor.shutdownNow();
        }
        assertThat(pool.usedBytes()).isZero();
        assertThat(pool.allocationCount()).isZero();
        assertThat(pool.largestFreeBlock()).isEqualTo(largest);
    }

    /** Random allocations filled with a pattern unique to each; every pattern is checked intact before its free. */
    private static int allocFreeStress(MemoryPool pool, int thread, int operations) {
        SplittableRandom random = new SplittableRandom(thread);
        TreeMap<Integer, Allocation> live = new TreeMap<>();
        int full = 0;
        for (int i = 0; i < operations; i++) {
            if (live.size() < 40 && (live.isEmpty() || random.nextInt(100) < 55)) {
                long size = 1 + random.nextInt(random.nextInt(8) == 0 ? 16_384 : 512);
                long offset = pool.tryAllocate(size);
                if (offset == PoolLayout.NONE) {
                    full++;
                    continue;
                }
                Allocation allocation = new Allocation(pool, offset, size);
                int seed = thread << 24 | i;
                fill(allocation.buffer(), size, seed);
                live.put(seed, allocation);
            } else {
                int key = live.keySet().stream().skip(random.nextInt(live.size())).findFirst().orElseThrow();
                Allocation allocation = live.remove(key);
                if (!matches(allocation.buffer(), allocation.size(), key)) {
                    throw new AssertionError("block " + allocation + " of thread " + thread + " was overwritten");
                }
                allocation.free();
            }
        }
        for (var entry : live.entrySet()) {
            if (!matches(entry.getValue().buffer(), entry.getValue().size(), entry.getKey())) {
                throw new AssertionError("block " + entry.getValue() + " of thread " + thread + " was overwritten");
            }
            entry.getValue().free();
        }
        return full;
    }

    // ---- helpers

    private MemoryPool create(long muid, long size) {
        MemoryPool pool = MemoryPool.create(runtimeId, muid, size);
        pools.add(pool);
        return pool;
    }

    /** Destroys a pool even if its lock is unusable (a test failed while a child held it), so no segment leaks. */
    static void destroyQuietly(MemoryPool pool) {
        if (!pool.isMapped()) {
            return;
        }
        try {
            pool.destroy();
        } catch (RuntimeException e) {
            SharedMemory.unlink(pool.descriptor().segmentName());
            pool.close();
        }
    }

    /** Waits until a thread sleeps on the pool's "freed" signal. */
    private static void awaitSleepers(MemoryPool pool) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (pool.buffer().getIntVolatile(PoolLayout.FREED_SIGNAL_OFFSET + SignalLayout.SLEEPERS_OFFSET) == 0) {
            assertThat(System.nanoTime() - deadline).as("no waiter went to sleep").isNegative();
            Thread.sleep(1);
        }
    }

    private static void assertCorruptionsRejected(byte[] bytes, Function<byte[], ?> reader) {
        for (int i = 0; i < bytes.length; i++) {
            for (int flip : new int[] {0x01, 0x80, 0xFF}) {
                byte[] corrupt = bytes.clone();
                corrupt[i] ^= (byte) flip;
                int at = i;
                assertThatThrownBy(() -> reader.apply(corrupt)).as("byte %d xor %x", at, flip)
                    .isInstanceOf(CorruptDescriptorException.class);
            }
        }
        for (int length = 0; length < bytes.length; length++) {
            byte[] truncated = Arrays.copyOf(bytes, length);
            assertThatThrownBy(() -> reader.apply(truncated)).as("truncated to %d bytes", length)
                .isInstanceOf(CorruptDescriptorException.class);
        }
        byte[] extended = Arrays.copyOf(bytes, bytes.length + 1);
        assertThatThrownBy(() -> reader.apply(extended)).isInstanceOf(CorruptDescriptorException.class);
    }

    /** Fills {@code length} bytes with a pattern derived from {@code seed}. */
    static void fill(SharedBuffer buffer, long length, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        long i = 0;
        for (; i + 8 <= length; i += 8) {
            buffer.putLong(i, random.nextLong());
        }
        for (; i < length; i++) {
            buffer.putByte(i, (byte) random.nextInt());
        }
    }

    /** Whether {@code length} bytes hold the pattern {@link #fill} wrote for {@code seed}. */
    static boolean matches(SharedBuffer buffer, long length, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        long i = 0;
        for (; i + 8 <= length; i += 8) {
            if (buffer.getLong(i) != random.nextLong()) {
                return false;
            }
        }
        for (; i < length; i++) {
            if (buffer.getByte(i) != (byte) random.nextInt()) {
                return false;
            }
        }
        return true;
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    private static String line(String output, String prefix) {
        return output.lines().filter(l -> l.startsWith(prefix)).map(l -> l.substring(prefix.length())).findFirst()
            .orElseThrow(() -> new AssertionError("no line starting with '" + prefix + "' in:\n" + output));
    }

    /** Child process side of the cross-process tests; the first argument names the scenario. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            ChildJvm.exitWithParent();
            HexFormat hex = HexFormat.of();
            switch (args[0]) {
                case "share" -> {
                    MemoryPool pool = MemoryPool.attach(hex.parseHex(args[1]));
                    Allocation a = Allocation.attach(AllocationDescriptor.deserialize(hex.parseHex(args[2])));
                    if (a.pool() != pool || !matches(a.buffer(), 4096, 11)) {
                        fail("the parent's allocation does not hold the parent's bytes");
                    }
                    fill(a.buffer(), 4096, 12);
                    Allocation b = pool.allocate(5000);
                    fill(b.buffer(), 5000, 13);
                    System.out.println("allocated " + hex.formatHex(b.descriptor().serialize()));
                }
                case "attach-destroyed" -> {
                    try {
                        MemoryPool.attach(hex.parseHex(args[1]));
                        fail("attached to a destroyed pool");
                    } catch (PoolDestroyedException expected) {
                        System.out.println("refused: " + expected.getMessage());
                    }
                }
                case "await-destroy" -> {
                    MemoryPool pool = MemoryPool.attach(hex.parseHex(args[1]));
                    pool.allocate(64).free();
                    System.out.println("attached");
                    while (!pool.isDestroyed()) {
                        Thread.sleep(1);
                    }
                    try {
                        pool.allocate(64);
                        fail("allocated from a destroyed pool");
                    } catch (PoolDestroyedException expected) {
                        System.out.println("refused: " + expected.getMessage());
                    }
                }
                default -> fail("unknown scenario " + args[0]);
            }
            System.out.flush();
            System.exit(0);
        }

        private static void fail(String message) {
            System.out.println("FAILED: " + message);
            System.out.flush();
            System.exit(1);
        }
    }
}
