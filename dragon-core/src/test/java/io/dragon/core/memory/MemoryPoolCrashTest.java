package io.dragon.core.memory;

import static io.dragon.core.memory.BuddyAllocator.ALLOCATE_TAGGED;
import static io.dragon.core.memory.BuddyAllocator.ALLOCATIONS_COUNTED;
import static io.dragon.core.memory.BuddyAllocator.BUDDY_UNTAGGED;
import static io.dragon.core.memory.BuddyAllocator.BYTES_COUNTED;
import static io.dragon.core.memory.BuddyAllocator.FREE_UNTAGGED;
import static io.dragon.core.memory.BuddyAllocator.JOURNALED;
import static io.dragon.core.memory.BuddyAllocator.LISTS_EMPTIED;
import static io.dragon.core.memory.BuddyAllocator.PUSH_HEAD;
import static io.dragon.core.memory.BuddyAllocator.PUSH_NEXT;
import static io.dragon.core.memory.BuddyAllocator.PUSH_OLD_HEAD;
import static io.dragon.core.memory.BuddyAllocator.PUSH_PREV;
import static io.dragon.core.memory.BuddyAllocator.PUSH_TAGGED;
import static io.dragon.core.memory.BuddyAllocator.REMOVE_BACKWARD;
import static io.dragon.core.memory.BuddyAllocator.REMOVE_FORWARD;
import static io.dragon.core.memory.BuddyAllocator.TAGS_REPAIRED;
import static io.dragon.core.memory.PoolLayout.HEAP_OFFSET_OFFSET;
import static io.dragon.core.memory.PoolLayout.JOURNAL_OFFSET;
import static io.dragon.core.memory.PoolLayout.NONE;
import static io.dragon.core.memory.PoolLayout.TAG_ORDER_MASK;
import static io.dragon.core.memory.PoolLayout.TAG_USED;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.dragon.core.infrastructure.CrashPoints;
import io.dragon.core.locks.SharedLock;
import io.dragon.core.shm.SharedBuffer;
import io.dragon.core.testing.ChildJvm;
import io.dragon.core.testing.LeakCheck;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SortedMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Crash injection for the pool allocator, in the spirit of SQLite's crash tests: a child process stops at a named
 * point inside allocate or free ({@link CrashPoints}, {@link BuddyAllocator#CRASH_POINTS}), is killed with SIGKILL
 * there, and the pool must serve everyone else as if the operation had been undone (allocate) or completed (free).
 *
 * <p>After each kill: (1) the killed process holds the pool's lock and the journal records its operation; (2) the
 * next process that needs the lock repairs the allocator without any exception, within {@link #BOUND}; (3) then every
 * invariant of {@link MemoryPoolInvariants} holds and the blocks are exactly those before the allocation, or after the
 * free; (4) the blocks this process allocated before are still allocated with their contents intact; (5) this process
 * and then another child allocate until the pool is full and free it all again, and the blocks come back as they were.
 * Some cases also kill the repairing process at a point of {@link BuddyAllocator#recover}: the next one repairs.
 */
@ExtendWith(LeakCheck.class)
class MemoryPoolCrashTest {
    /** A segment whose heap is 64 KiB, one free block of the top order (see BuddyAllocatorTest). */
    private static final long SEGMENT_SIZE = 65 * 1024 + PoolLayout.TAGS_OFFSET + PoolLayout.HEAP_ALIGNMENT;
    private static final long RANDOM_SEGMENT_SIZE = 1 << 20;
    private static final Duration CHILD_TIMEOUT = Duration.ofSeconds(60);
    /** Longest a process may take to get past a killed one (the lock checks its holder every 100 ms). */
    private static final Duration BOUND = Duration.ofSeconds(5);
    private static final int RANDOM_KILLS = 20;

    /** Child scenarios; ALLOCATE and FREE run on the pools that {@link #prepare} makes. */
    private static final String ALLOCATE = "allocate";
    private static final String FREE = "free";
    private static final String RECOVER = "recover";
    private static final String FILL = "fill";
    private static final String HAMMER = "hammer";
    /** Heap-relative offsets of the blocks the ALLOCATE pool has free: two 512-byte blocks, list 1024 then 0. */
    private static final long[] FREE_FOR_ALLOCATE = {0, 1024};
    private static final int ALLOCATE_ORDER = 3;
    /**
     * Heap-relative offsets of the 64-byte blocks freed, in this order, to make the FREE pool: its order-0 list is
     * 832, 64, 704, its order-1 list 1536, 128, 1280 and its order-2 list 2048. Freeing block 0 then merges with 64
     * and 128, each in the middle of its list, and pushes the merged block of order 2 onto a non-empty list.
     */
    private static final long[] FREED_FOR_FREE = {704, 64, 832, 1280, 1344, 128, 192, 1536, 1600, 2048, 2112, 2176,
        2240};
    private static final long FREE_TARGET = 0;

    /** The random-kill test's table in the pool: per child slot, its progress and the offsets it holds (0: none). */
    private static final int MAX_LIVE = 64;
    private static final int SLOT_BYTES = 8 + 8 * MAX_LIVE;

    private static int kills;
    private static int cases;
    private static long slowestRepairNanos;

    private MemoryPool pool;
    private SharedBuffer segment;
    private long heapOffset;
    /** Blocks this process holds: segment offset to size, filled with {@link #fill}. */
    private final Map<Long, Long> mine = new HashMap<>();

    /**
     * A child running {@code scenario} killed at the {@code occurrence}-th reach of {@code point}; if
     * {@code recoveryPoint} is set, a second child repairing the pool is then killed at that point of the repair.
     */
    record Case(String scenario, String point, int occurrence, String recoveryPoint, int recoveryOccurrence) {
        String entry() {
            return CrashPoints.nth(point, occurrence);
        }

        @Override
        public String toString() {
            return scenario + " killed at " + entry()
                + (recoveryPoint == null ? "" : ", repairer at " + CrashPoints.nth(recoveryPoint, recoveryOccurrence));
        }
    }

    static Stream<Case> cases() {
        List<Case> all = new ArrayList<>();
        // allocate(64 bytes): remove the 512-byte head (with a successor), split it 3 times, tag, count.
        for (String point : List.of(JOURNALED, REMOVE_FORWARD, REMOVE_BACKWARD)) {
            all.add(new Case(ALLOCATE, point, 1, null, 0));
        }
        for (int split = 1; split <= ALLOCATE_ORDER; split++) {
            for (String point : List.of(PUSH_NEXT, PUSH_PREV, PUSH_TAGGED, PUSH_HEAD)) {
                all.add(new Case(ALLOCATE, point, split, null, 0));
            }
        }
        for (String point : List.of(ALLOCATE_TAGGED, BYTES_COUNTED, ALLOCATIONS_COUNTED)) {
            all.add(new Case(ALLOCATE, point, 1, null, 0));
        }
        // free(block 0): untag, merge twice (remove a buddy from mid-list, untag it), push onto a list, count.
        for (String point : List.of(JOURNALED, FREE_UNTAGGED)) {
            all.add(new Case(FREE, point, 1, null, 0));
        }
        for (int merge = 1; merge <= 2; merge++) {
            for (String point : List.of(REMOVE_FORWARD, REMOVE_BACKWARD, BUDDY_UNTAGGED)) {
                all.add(new Case(FREE, point, merge, null, 0));
            }
        }
        for (String point : List.of(PUSH_NEXT, PUSH_PREV, PUSH_OLD_HEAD, PUSH_TAGGED, PUSH_HEAD, BYTES_COUNTED,
            ALLOCATIONS_COUNTED)) {
            all.add(new Case(FREE, point, 1, null, 0));
        }
        // The repairer killed too: after setting the tags, emptying the lists, midway through rebuilding them, or
        // counting.
        for (String point : List.of(TAGS_REPAIRED, LISTS_EMPTIED, BYTES_COUNTED, ALLOCATIONS_COUNTED)) {
            all.add(new Case(ALLOCATE, PUSH_TAGGED, 2, point, 1));
        }
        all.add(new Case(ALLOCATE, PUSH_TAGGED, 2, PUSH_HEAD, 2));
        all.add(new Case(FREE, REMOVE_BACKWARD, 2, TAGS_REPAIRED, 1));
        all.add(new Case(FREE, REMOVE_BACKWARD, 2, PUSH_OLD_HEAD, 3));
        return all.stream();
    }

    @AfterEach
    void destroyPool() {
        if (pool != null) {
            pool.destroy();
        }
    }

    @AfterAll
    static void report() {
        System.out.printf("pool crash points %d, cases %d, kills %d, slowest repair %d ms%n",
            BuddyAllocator.CRASH_POINTS.size(), cases, kills, TimeUnit.NANOSECONDS.toMillis(slowestRepairNanos));
    }

    @Test
    void shouldCoverEveryCrashPoint() {
        Set<String> covered = cases().flatMap(c -> Stream.of(c.point(), c.recoveryPoint())).collect(Collectors.toSet());
        assertThat(covered).containsAll(BuddyAllocator.CRASH_POINTS);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void shouldRepairThePoolWhenKilledAt(Case c) throws Exception {
        createPool(SEGMENT_SIZE);
        prepare(c.scenario());
        SortedMap<Long, Integer> expected = c.scenario().equals(ALLOCATE) ? MemoryPoolInvariants.check(segment)
            : blocksAfterFreeing(heapOffset + FREE_TARGET);
        SharedLock lock = lockView();

        int victim = killAt(c.scenario(), c.entry(), heapOffset + FREE_TARGET);
        assertThat(lock.holderPid()).as("holder of the pool lock").isEqualTo(victim);
        assertThat(segment.getLongVolatile(JOURNAL_OFFSET)).as("journal of the killed operation").isNotZero();
        if (c.recoveryPoint() != null) {
            int repairer = killAt(RECOVER, CrashPoints.nth(c.recoveryPoint(), c.recoveryOccurrence()), 0);
            assertThat(lock.holderPid()).as("holder of the pool lock").isEqualTo(repairer);
            assertThat(segment.getLongVolatile(JOURNAL_OFFSET)).as("journal still set").isNotZero();
        }

        long start = System.nanoTime();
        pool.largestFreeBlock(); // takes the lock, so repairs
        long took = System.nanoTime() - start;
        slowestRepairNanos = Math.max(slowestRepairNanos, took);
        assertThat(took).as("time to get past the killed process").isLessThan(BOUND.toNanos());
        assertThat(MemoryPoolInvariants.check(segment)).as("blocks after the repair").isEqualTo(expected);
        if (c.scenario().equals(FREE)) {
            mine.remove(heapOffset + FREE_TARGET);
        }
        assertMineIntact();

        fillAndEmpty(pool);
        assertThat(MemoryPoolInvariants.check(segment)).as("blocks after this process filled and emptied the pool")
            .isEqualTo(expected);
        try (ChildJvm next = ChildJvm.start(Child.class, FILL, descriptorHex(), "0")) {
            next.awaitSuccess(CHILD_TIMEOUT);
        }
        assertThat(MemoryPoolInvariants.check(segment)).as("blocks after another process filled and emptied the pool")
            .isEqualTo(expected);
        assertMineIntact();
        cases++;
    }

    /**
     * Kills at random moments (not only at named points) a child that allocates, fills, checks and frees blocks in a
     * loop, while another does the same: after each kill the survivor carries on within {@link #BOUND}, every
     * invariant holds, every block a live process (or the dead one) recorded is allocated once, and the blocks nobody
     * recorded (a killed child's, allocated but not yet recorded, or unrecorded but not yet freed) are at most one per
     * kill.
     */
    @Test
    void shouldCarryOnWhenAnAllocatorIsKilledAtRandomMoments() throws Exception {
        createPool(RANDOM_SEGMENT_SIZE);
        long table = pool.allocate(2L * SLOT_BYTES).offset();
        segment.setMemory(table, 2L * SLOT_BYTES, (byte) 0);
        Random random = new Random(16);
        for (int i = 0; i < 16; i++) {
            long size = 8L * (1 + random.nextInt(512));
            long offset = pool.tryAllocate(size);
            fill(segment, offset, size, offset);
            mine.put(offset, size);
        }
        int killedMidOperation = 0;
        int killedHolding = 0;
        int randomKills = 0;
        SharedLock lock = lockView();
        try (ChildJvm survivor = ChildJvm.start(Child.class, HAMMER, descriptorHex(), Long.toString(table), "0")) {
            awaitProgress(table, 0, 1, survivor);
            for (int round = 0; round < RANDOM_KILLS; round++) {
                int victimPid;
                try (ChildJvm victim = ChildJvm.start(Child.class, HAMMER, descriptorHex(), Long.toString(table),
                    "1")) {
                    awaitProgress(table, 1, 1, victim);
                    Thread.sleep(random.nextInt(30));
                    victim.kill();
                    victimPid = (int) victim.pid();
                }
                kills++;
                randomKills++;
                if (lock.holderPid() == victimPid) {
                    killedHolding++;
                    killedMidOperation += segment.getLongVolatile(JOURNAL_OFFSET) != 0 ? 1 : 0;
                }
                long start = System.nanoTime();
                pool.largestFreeBlock();
                slowestRepairNanos = Math.max(slowestRepairNanos, System.nanoTime() - start);
                checkWhileRunning(lock, table, randomKills + 1);
                freeRecorded(table, 1);
                awaitProgress(table, 0, progress(table, 0) + 100, survivor);
            }
            survivor.kill();
            kills++;
            randomKills++;
        }
        pool.largestFreeBlock();
        int leaked = checkWhileRunning(lock, table, randomKills);
        System.out.printf("random kills %d: %d left the pool lock held by the dead, %d an operation half done;"
            + " %d blocks leaked (a killed child's allocated but not yet recorded, or unrecorded but not yet freed)%n",
            randomKills, killedHolding, killedMidOperation, leaked);
        freeRecorded(table, 0);
        fillAndEmpty(pool);
        assertMineIntact();
    }

    // ---- the pools of the cases

    private void createPool(long size) {
        pool = MemoryPool.create(ChildJvm.uniqueRuntimeId(), 1, size);
        segment = pool.buffer();
        heapOffset = segment.getLong(HEAP_OFFSET_OFFSET);
    }

    /** Leaves the pool in the state its scenario needs; this process holds (and has filled) every other block. */
    private void prepare(String scenario) {
        boolean allocate = scenario.equals(ALLOCATE);
        long size = BuddyAllocator.sizeOf(allocate ? ALLOCATE_ORDER : 0);
        for (long offset; (offset = pool.tryAllocate(size)) != NONE; ) {
            fill(segment, offset, size, offset);
            mine.put(offset, size);
        }
        for (long block : allocate ? FREE_FOR_ALLOCATE : FREED_FOR_FREE) {
            pool.free(heapOffset + block);
            mine.remove(heapOffset + block);
        }
    }

    /** The blocks of the pool once {@code offset} is freed, from a copy of the segment (the pool is untouched). */
    private SortedMap<Long, Integer> blocksAfterFreeing(long offset) {
        try (Memory memory = new Memory(segment.capacity())) {
            SharedBuffer copy = new SharedBuffer(Pointer.nativeValue(memory), segment.capacity());
            segment.copyTo(0, copy, 0, segment.capacity());
            new BuddyAllocator(copy).free(offset);
            return MemoryPoolInvariants.check(copy);
        }
    }

    /** Starts a child running {@code scenario} that stops at crash point {@code entry}, and kills it: its pid. */
    private int killAt(String scenario, String entry, long offset) throws InterruptedException {
        try (ChildJvm child = ChildJvm.startArmed(Child.class, entry, scenario, descriptorHex(),
            Long.toString(offset))) {
            int pid = (int) child.pid();
            child.awaitCrashPoint(entry, CHILD_TIMEOUT);
            child.kill();
            kills++;
            return pid;
        }
    }

    private void assertMineIntact() {
        SortedMap<Long, Integer> blocks = MemoryPoolInvariants.check(segment);
        mine.forEach((offset, size) -> {
            int tag = blocks.getOrDefault(offset - heapOffset, 0);
            assertThat(tag & TAG_USED).as("block %d still allocated", offset).isNotZero();
            assertThat(BuddyAllocator.sizeOf(tag & TAG_ORDER_MASK)).as("block %d size", offset)
                .isGreaterThanOrEqualTo(size);
            assertThat(filledWith(segment, offset, size, offset)).as("contents of block %d", offset).isTrue();
        });
    }

    // ---- the random-kill test

    /**
     * Under the pool's lock: the invariants, the recorded blocks allocated and distinct, this process's intact (the
     * table aside), and at most {@code maxUnrecorded} allocated blocks that nobody recorded. Returns how many there
     * are.
     */
    private int checkWhileRunning(SharedLock lock, long table, int maxUnrecorded) throws InterruptedException {
        lock.lock();
        try {
            SortedMap<Long, Integer> blocks = MemoryPoolInvariants.check(segment);
            Set<Long> recorded = new HashSet<>();
            for (int slot = 0; slot < 2; slot++) {
                for (int i = 0; i < MAX_LIVE; i++) {
                    long offset = segment.getLongVolatile(entry(table, slot, i));
                    if (offset != 0) {
                        assertThat(recorded.add(offset)).as("block %d recorded once", offset).isTrue();
                        assertThat(blocks.getOrDefault(offset - heapOffset, 0) & TAG_USED)
                            .as("recorded block %d allocated", offset).isNotZero();
                    }
                }
            }
            assertMineIntact();
            long used = blocks.values().stream().filter(tag -> (tag & TAG_USED) != 0).count();
            int unrecorded = (int) (used - recorded.size() - mine.size() - 1); // the table is one block
            assertThat(unrecorded).as("allocated blocks nobody recorded").isBetween(0, maxUnrecorded);
            return unrecorded;
        } finally {
            lock.unlock();
        }
    }

    /** Frees the blocks that the dead child of {@code slot} recorded, as a runtime reclaims a dead process's. */
    private void freeRecorded(long table, int slot) {
        for (int i = 0; i < MAX_LIVE; i++) {
            long offset = segment.getLongVolatile(entry(table, slot, i));
            if (offset != 0) {
                segment.putLongVolatile(entry(table, slot, i), 0);
                pool.free(offset);
            }
        }
        segment.putLongVolatile(table + (long) slot * SLOT_BYTES, 0);
    }

    private long progress(long table, int slot) {
        return segment.getLongVolatile(table + (long) slot * SLOT_BYTES);
    }

    private void awaitProgress(long table, int slot, long target, ChildJvm child) throws InterruptedException {
        long deadline = System.nanoTime() + CHILD_TIMEOUT.toNanos();
        long boundAt = progress(table, slot) > 0 ? System.nanoTime() + BOUND.toNanos() : Long.MAX_VALUE;
        while (progress(table, slot) < target) {
            assertThat(child.isAlive()).as("child %d alive; output: %s", slot, child.output()).isTrue();
            assertThat(System.nanoTime() - deadline).as("child %d made progress", slot).isNegative();
            assertThat(System.nanoTime() - boundAt).as("child %d carried on within %s", slot, BOUND).isNegative();
            Thread.sleep(1);
        }
    }

    private static long entry(long table, int slot, int i) {
        return table + (long) slot * SLOT_BYTES + 8 + 8L * i;
    }

    // ---- helpers shared with the children

    private SharedLock lockView() {
        return new SharedLock(segment, PoolLayout.LOCK_OFFSET, "lock of the pool under test");
    }

    private String descriptorHex() {
        return HexFormat.of().formatHex(pool.descriptor().serialize());
    }

    /** Allocates 64-byte blocks until the pool is full, checks the invariants, and frees them all. */
    static void fillAndEmpty(MemoryPool pool) {
        List<Long> blocks = new ArrayList<>();
        for (long offset; (offset = pool.tryAllocate(64)) != NONE; ) {
            fill(pool.buffer(), offset, 64, -offset);
            blocks.add(offset);
        }
        if (blocks.isEmpty()) {
            throw new AssertionError("nothing could be allocated from " + pool);
        }
        for (long offset : blocks) {
            if (!filledWith(pool.buffer(), offset, 64, -offset)) {
                throw new AssertionError("block " + offset + " was overwritten");
            }
            pool.free(offset);
        }
    }

    static void fill(SharedBuffer buffer, long offset, long size, long seed) {
        for (long i = 0; i + 8 <= size; i += 8) {
            buffer.putLong(offset + i, seed * 0x9E3779B97F4A7C15L + i);
        }
    }

    static boolean filledWith(SharedBuffer buffer, long offset, long size, long seed) {
        for (long i = 0; i + 8 <= size; i += 8) {
            if (buffer.getLong(offset + i) != seed * 0x9E3779B97F4A7C15L + i) {
                return false;
            }
        }
        return true;
    }

    /**
     * Child process side: args[0] is the scenario, args[1] the pool's serialized descriptor (hex). "allocate"
     * allocates 64 bytes, "free" frees offset args[2], "recover" takes the pool's lock (repairing the pool): each
     * should stop at its crash point and exits with 2 if it does not. "fill" fills the pool with 64-byte blocks,
     * checks and frees them. "hammer" allocates (sizes up to 1 KiB), fills, checks and frees blocks until killed,
     * recording the offsets it holds and its progress in slot args[3] of the table at offset args[2]; it exits with 3
     * if a block it holds was overwritten.
     */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            ChildJvm.exitWithParent();
            MemoryPool pool = MemoryPool.attach(HexFormat.of().parseHex(args[1]));
            switch (args[0]) {
                case ALLOCATE -> pool.tryAllocate(64);
                case FREE -> pool.free(Long.parseLong(args[2]));
                case RECOVER -> pool.largestFreeBlock();
                case FILL -> {
                    fillAndEmpty(pool);
                    System.exit(0);
                }
                case HAMMER -> hammer(pool, Long.parseLong(args[2]), Integer.parseInt(args[3]));
                default -> System.out.println("unknown scenario " + args[0]);
            }
            System.out.println("did not stop at the crash point");
            System.exit(2);
        }

        private static void hammer(MemoryPool pool, long table, int slot) {
            SharedBuffer segment = pool.buffer();
            Random random = new Random(ProcessHandle.current().pid());
            long[] offsets = new long[MAX_LIVE];
            long[] sizes = new long[MAX_LIVE];
            long stamp = ProcessHandle.current().pid() << 32;
            for (;;) {
                int i = random.nextInt(MAX_LIVE);
                if (offsets[i] == 0) {
                    long size = 8L * (1 + random.nextInt(128));
                    long offset = pool.tryAllocate(size);
                    if (offset == NONE) {
                        continue;
                    }
                    segment.putLongVolatile(entry(table, slot, i), offset); // at once: a kill before leaks the block
                    fill(segment, offset, size, stamp + offset);
                    offsets[i] = offset;
                    sizes[i] = size;
                } else {
                    if (!filledWith(segment, offsets[i], sizes[i], stamp + offsets[i])) {
                        System.out.println("block " + offsets[i] + " was overwritten");
                        System.exit(3);
                    }
                    segment.putLongVolatile(entry(table, slot, i), 0);
                    pool.free(offsets[i]);
                    offsets[i] = 0;
                }
                segment.getAndAddLong(table + (long) slot * SLOT_BYTES, 1);
            }
        }
    }
}
