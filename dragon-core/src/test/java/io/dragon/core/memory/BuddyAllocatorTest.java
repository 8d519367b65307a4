package io.dragon.core.memory;

import static io.dragon.core.memory.PoolLayout.ALLOCATIONS_OFFSET;
import static io.dragon.core.memory.PoolLayout.FREE_HEADS_OFFSET;
import static io.dragon.core.memory.PoolLayout.HEAP_OFFSET_OFFSET;
import static io.dragon.core.memory.PoolLayout.LINK_NEXT_OFFSET;
import static io.dragon.core.memory.PoolLayout.NONE;
import static io.dragon.core.memory.PoolLayout.USED_BYTES_OFFSET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.dragon.core.shm.SharedBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The buddy allocator on its own, over plain native memory laid out as a pool segment (no shared memory, no lock:
 * these tests are single-threaded; {@link MemoryPoolTest} covers concurrency).
 */
class BuddyAllocatorTest {
    /** A segment size whose heap is exactly 64 KiB, one free block of the top order: 65 * 1024 + 832 + 4096. */
    private static final long POWER_OF_TWO_SEGMENT = 65 * 1024 + PoolLayout.TAGS_OFFSET + PoolLayout.HEAP_ALIGNMENT;
    private static final long HEAP_64K = 64 * 1024;

    private final List<Memory> memories = new ArrayList<>();
    private final Map<BuddyAllocator, SharedBuffer> segments = new IdentityHashMap<>();

    @AfterEach
    void freeMemory() {
        memories.forEach(Memory::close);
    }

    @Test
    void shouldLayOutPowerOfTwoHeapAsOneBlock() {
        BuddyAllocator allocator = format(POWER_OF_TWO_SEGMENT);

        assertThat(allocator.heapSize()).isEqualTo(HEAP_64K);
        assertThat(allocator.maxAllocation()).isEqualTo(HEAP_64K);
        assertThat(allocator.largestFreeBlock()).isEqualTo(HEAP_64K);
        assertThat(freeLists(allocator)).containsOnlyKeys(10);
    }

    @Test
    void shouldSplitLargestBlockForSmallestRequest() {
        BuddyAllocator allocator = format(POWER_OF_TWO_SEGMENT);
        long heap = heapOffset(allocator);

        long offset = allocator.allocate(0);

        assertThat(offset).isEqualTo(heap);
        assertThat(allocator.usedOrderAt(offset)).isZero();
        assertThat(allocator.largestFreeBlock()).isEqualTo(HEAP_64K / 2);
        // Each split left one free buddy per order below the top: 64, 128, ..., 32K.
        Map<Integer, List<Long>> free = freeLists(allocator);
        for (int order = 0; order < 10; order++) {
            assertThat(free.get(order)).containsExactly(BuddyAllocator.sizeOf(order));
            assertThat(allocator.hasFreeBlock(order)).isTrue();
        }
        assertThat(allocator.hasFreeBlock(10)).isFalse();
        assertThat(usedBytes(allocator)).isEqualTo(64);
    }

    @Test
    void shouldMergeOnlyWhenBothBuddiesAreFree() {
        BuddyAllocator allocator = format(POWER_OF_TWO_SEGMENT);
        long first = allocator.allocate(0);
        long second = allocator.allocate(0);
        assertThat(second).isEqualTo(first + 64); // the buddy left by the first split

        allocator.free(first);
        assertThat(allocator.largestFreeBlock()).isEqualTo(HEAP_64K / 2);
        assertThat(freeLists(allocator).get(0)).containsExactly(0L); // no merge: its buddy is still used

        allocator.free(second);
        assertThat(allocator.largestFreeBlock()).isEqualTo(HEAP_64K);
        assertThat(freeLists(allocator)).containsOnlyKeys(10);
        assertThat(usedBytes(allocator)).isZero();
        assertThat(allocationCount(allocator)).isZero();
    }

    @Test
    void shouldMapSizesToOrders() {
        BuddyAllocator allocator = format(POWER_OF_TWO_SEGMENT);

        assertThat(allocator.orderFor(1)).isZero();
        assertThat(allocator.orderFor(64)).isZero();
        assertThat(allocator.orderFor(65)).isEqualTo(1);
        assertThat(allocator.orderFor(128)).isEqualTo(1);
        assertThat(allocator.orderFor(129)).isEqualTo(2);
        assertThat(allocator.orderFor(HEAP_64K)).isEqualTo(10);
        assertThat(allocator.orderFor(HEAP_64K + 1)).isEqualTo(-1);
        assertThat(allocator.orderFor(Long.MAX_VALUE)).isEqualTo(-1);
    }

    @Test
    void shouldReturnNoneWhenNoBlockIsLargeEnough() {
        BuddyAllocator allocator = format(POWER_OF_TWO_SEGMENT);
        long half = allocator.allocate(9);

        assertThat(allocator.allocate(10)).isEqualTo(NONE);
        assertThat(allocator.allocate(9)).isNotEqualTo(NONE);
        assertThat(allocator.allocate(0)).isEqualTo(NONE);
        assertThat(allocator.largestFreeBlock()).isZero();

        allocator.free(half);
        assertThat(allocator.allocate(0)).isNotEqualTo(NONE);
    }

    @Test
    void shouldRejectDoubleAndWildFrees() {
        BuddyAllocator allocator = format(POWER_OF_TWO_SEGMENT);
        long heap = heapOffset(allocator);
        long block = allocator.allocate(3); // 512 bytes
        long used = usedBytes(allocator);

        assertThatThrownBy(() -> allocator.free(block + 64)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> allocator.free(block + 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> allocator.free(heap - 64)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> allocator.free(heap + HEAP_64K)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> allocator.free(block + 512)).isInstanceOf(IllegalArgumentException.class); // free
        assertThat(usedBytes(allocator)).isEqualTo(used);

        allocator.free(block);
        assertThatThrownBy(() -> allocator.free(block)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("freed twice");
        assertThat(usedBytes(allocator)).isZero();
        assertThat(allocator.largestFreeBlock()).isEqualTo(HEAP_64K);
    }

    @Test
    void shouldRejectSegmentTooSmallForAnyBlock() {
        assertThatThrownBy(() -> format(PoolLayout.TAGS_OFFSET + PoolLayout.HEAP_ALIGNMENT))
            .isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @ValueSource(longs = {4993, 8192, 12_345, 71_487, 100_000, 1_000_003, (3L << 20) + 777})
    void shouldTileNonPowerOfTwoHeapAndRestoreItAfterFreeingEverything(long segmentSize) {
        BuddyAllocator allocator = format(segmentSize);
        long heap = heapOffset(allocator);
        Map<Integer, List<Long>> initialFreeLists = freeLists(allocator);
        long initialLargest = allocator.largestFreeBlock();

        assertThat(heap % PoolLayout.HEAP_ALIGNMENT).isZero();
        assertThat(heap + allocator.heapSize()).isLessThanOrEqualTo(segmentSize);
        assertThat(allocator.heapSize() % 64).isZero();
        assertThat(initialLargest).isEqualTo(allocator.maxAllocation());
        assertThat(Long.bitCount(allocator.maxAllocation())).isEqualTo(1);
        assertThat(totalFree(initialFreeLists)).isEqualTo(allocator.heapSize());

        // Fill it with the smallest blocks: every byte of the heap is usable.
        List<Long> blocks = new ArrayList<>();
        for (long offset; (offset = allocator.allocate(0)) != NONE; ) {
            blocks.add(offset);
        }
        assertThat((long) blocks.size() * 64).isEqualTo(allocator.heapSize());
        assertThat(new TreeSet<>(blocks)).hasSize(blocks.size()).allSatisfy(offset -> assertThat(offset)
            .isBetween(heap, heap + allocator.heapSize() - 64));
        assertThat(usedBytes(allocator)).isEqualTo(allocator.heapSize());
        assertThat(allocator.largestFreeBlock()).isZero();

        Collections.shuffle(blocks, new Random(segmentSize));
        blocks.forEach(allocator::free);

        assertThat(usedBytes(allocator)).isZero();
        assertThat(allocationCount(allocator)).isZero();
        assertThat(allocator.largestFreeBlock()).isEqualTo(initialLargest);
        assertThat(freeLists(allocator)).isEqualTo(initialFreeLists);
    }

    @ParameterizedTest
    @ValueSource(longs = {71_488, 100_000, 1_000_003})
    void shouldKeepBlocksDisjointAlignedAndAccountedUnderRandomAllocAndFree(long segmentSize) {
        BuddyAllocator allocator = format(segmentSize);
        long heap = heapOffset(allocator);
        Map<Integer, List<Long>> initialFreeLists = freeLists(allocator);
        TreeMap<Long, Long> live = new TreeMap<>(); // offset -> size
        Random random = new Random(segmentSize * 31);
        long used = 0;

        for (int step = 0; step < 20_000; step++) {
            if (live.isEmpty() || random.nextInt(100) < 55) {
                int order = random.nextInt(Math.min(8, orderCount(allocator)));
                long offset = allocator.allocate(order);
                if (offset == NONE) {
                    assertThat(allocator.largestFreeBlock()).isLessThan(BuddyAllocator.sizeOf(order));
                    continue;
                }
                long size = BuddyAllocator.sizeOf(order);
                assertThat((offset - heap) % size).as("alignment").isZero();
                assertThat(offset + size).isLessThanOrEqualTo(heap + allocator.heapSize());
                Map.Entry<Long, Long> below = live.floorEntry(offset);
                Map.Entry<Long, Long> above = live.ceilingEntry(offset);
                assertThat(below == null || below.getKey() + below.getValue() <= offset).as("overlap below").isTrue();
                assertThat(above == null || offset + size <= above.getKey()).as("overlap above").isTrue();
                live.put(offset, size);
                used += size;
            } else {
                List<Long> offsets = new ArrayList<>(live.keySet());
                long offset = offsets.get(random.nextInt(offsets.size()));
                long size = live.remove(offset);
                assertThat(allocator.free(offset)).isEqualTo(size);
                used -= size;
            }
            assertThat(usedBytes(allocator)).isEqualTo(used);
            assertThat(allocationCount(allocator)).isEqualTo(live.size());
        }

        live.keySet().forEach(allocator::free);
        assertThat(usedBytes(allocator)).isZero();
        assertThat(freeLists(allocator)).isEqualTo(initialFreeLists);
    }

    // ---- helpers

    private BuddyAllocator format(long segmentSize) {
        Memory memory = new Memory(segmentSize);
        memories.add(memory);
        memory.clear();
        SharedBuffer segment = new SharedBuffer(Pointer.nativeValue(memory), segmentSize);
        BuddyAllocator.format(segment, segmentSize);
        BuddyAllocator allocator = new BuddyAllocator(segment);
        segments.put(allocator, segment);
        return allocator;
    }

    private long heapOffset(BuddyAllocator allocator) {
        return segments.get(allocator).getLong(HEAP_OFFSET_OFFSET);
    }

    private long usedBytes(BuddyAllocator allocator) {
        return segments.get(allocator).getLong(USED_BYTES_OFFSET);
    }

    private long allocationCount(BuddyAllocator allocator) {
        return segments.get(allocator).getLong(ALLOCATIONS_OFFSET);
    }

    private int orderCount(BuddyAllocator allocator) {
        return segments.get(allocator).getInt(PoolLayout.ORDER_COUNT_OFFSET);
    }

    /** The free lists, walked from their heads: order -> heap-relative block offsets in list order. */
    private Map<Integer, List<Long>> freeLists(BuddyAllocator allocator) {
        SharedBuffer segment = segments.get(allocator);
        long heap = heapOffset(allocator);
        Map<Integer, List<Long>> lists = new TreeMap<>();
        for (int order = 0; order < PoolLayout.MAX_ORDERS; order++) {
            List<Long> blocks = new ArrayList<>();
            for (long block = segment.getLong(FREE_HEADS_OFFSET + order * 8L); block != NONE;
                block = segment.getLong(heap + block + LINK_NEXT_OFFSET)) {
                assertThat(blocks).as("free list of order %d loops", order).doesNotContain(block);
                blocks.add(block);
            }
            if (!blocks.isEmpty()) {
                Collections.sort(blocks);
                lists.put(order, blocks);
            }
        }
        return lists;
    }

    private static long totalFree(Map<Integer, List<Long>> freeLists) {
        return freeLists.entrySet().stream().mapToLong(e -> BuddyAllocator.sizeOf(e.getKey()) * e.getValue().size())
            .sum();
    }
}
