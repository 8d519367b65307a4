package io.dragon.core.map;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.dragon.core.locks.SharedLock;
import io.dragon.core.memory.Allocation;
import io.dragon.core.memory.AllocationDescriptor;
import io.dragon.core.memory.MemoryPool;
import io.dragon.core.shm.SharedBuffer;
import io.dragon.core.sync.Deadline;
import io.dragon.core.sync.WaitMode;
import io.dragon.core.testing.ChildJvm;
import io.dragon.core.testing.LeakCheck;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Crash injection for {@link UnorderedMap}: a child process stops at a named point of a put, remove, get, clear,
 * grow or conditional operation ({@link CrashPoints}), is killed with SIGKILL there, and the map must serve everyone
 * else.
 *
 * <p>Invariants checked after each kill: (1) a journal op is pending only while the lock is held by the dead; (2) a
 * live process takes the map over within {@link #BOUND} and sees no exception; (3) then the journal is empty, every
 * entry is reachable exactly once, from the bucket its hash selects, with a unique key, and the entry count matches;
 * (4) the victim's operation is done or not done as a whole, and every other entry is intact; (5) the pool holds
 * exactly the map's blocks plus what the case may leak (at most one block); (6) the map keeps working: puts, removes
 * and growth of the surviving process are all there exactly once.
 */
@ExtendWith(LeakCheck.class)
class UnorderedMapCrashTest {
    private static final Duration CHILD_TIMEOUT = Duration.ofSeconds(60);
    /** Longest a survivor may take to get past a killed process (the lock's holder check runs every 100 ms). */
    private static final Duration BOUND = Duration.ofSeconds(5);
    private static final int RANDOM_KILLS = 12;
    private static final String VICTIM = "victim";
    private static final String OLD = "old value";
    private static final String NEW = "new value";
    /** Fillers put before the child runs: 3, or 6 for a grow (the child's put is then the 7th of 8 buckets). */
    private static final int FILLERS = 3;
    private static final int GROW_FILLERS = 6;
    /** Progress counters of the random test: one per child slot, then the stop flag. */
    private static final int PROGRESS = 0;
    private static final int STOP = 8 * (RANDOM_KILLS + 1);

    private static int kills;
    private static long slowestTakeoverNanos;

    /**
     * What a child does to the victim key (see {@link Child#main}), and whether that key has the old value before
     * (else it is absent). MATCHING and MISMATCHING operations pass the victim's value as expected, or another one.
     */
    enum Scenario {
        PUT(false), REPLACE(true), REMOVE(true), GET(true), CLEAR(true), GROW(false), GET_AND_PUT(true),
        PUT_IF_ABSENT(false), PUT_IF_ABSENT_TAKEN(true), GET_AND_REPLACE(true), REPLACE_MATCHING(true),
        REPLACE_MISMATCHING(true), GET_AND_REMOVE(true), REMOVE_MATCHING(true), REMOVE_MISMATCHING(true);

        final boolean victimBefore;

        Scenario(boolean victimBefore) {
            this.victimBefore = victimBefore;
        }
    }

    enum Outcome { NEW_VALUE, OLD_VALUE, ABSENT, EITHER }

    /** A child running {@code scenario} killed at {@code point}: the victim key's outcome and the blocks leaked. */
    record Case(String point, Scenario scenario, Outcome outcome, int leaked) {
        @Override
        public String toString() {
            return point + " in " + scenario + ": " + outcome + ", " + leaked + " block(s) leaked";
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
            new Case(UnorderedMap.ENTRY_ALLOCATED, Scenario.PUT, Outcome.ABSENT, 1),
            new Case(UnorderedMap.LOCKED, Scenario.PUT, Outcome.ABSENT, 1),
            new Case(UnorderedMap.LOCKED, Scenario.GET, Outcome.OLD_VALUE, 0),
            new Case(UnorderedMap.JOURNALED, Scenario.PUT, Outcome.NEW_VALUE, 0),
            new Case(UnorderedMap.LINKED, Scenario.PUT, Outcome.NEW_VALUE, 0),
            new Case(UnorderedMap.COUNTED, Scenario.PUT, Outcome.NEW_VALUE, 0),
            new Case(UnorderedMap.COMMITTED, Scenario.PUT, Outcome.NEW_VALUE, 0),
            new Case(UnorderedMap.JOURNALED, Scenario.REPLACE, Outcome.NEW_VALUE, 0),
            new Case(UnorderedMap.LINKED, Scenario.REPLACE, Outcome.NEW_VALUE, 0),
            new Case(UnorderedMap.COMMITTED, Scenario.REPLACE, Outcome.NEW_VALUE, 1),
            new Case(UnorderedMap.JOURNALED, Scenario.REMOVE, Outcome.ABSENT, 0),
            new Case(UnorderedMap.LINKED, Scenario.REMOVE, Outcome.ABSENT, 0),
            new Case(UnorderedMap.COUNTED, Scenario.REMOVE, Outcome.ABSENT, 0),
            new Case(UnorderedMap.COMMITTED, Scenario.REMOVE, Outcome.ABSENT, 1),
            new Case(UnorderedMap.LINKED, Scenario.CLEAR, Outcome.EITHER, 0),
            new Case(UnorderedMap.GROW_ALLOCATED, Scenario.GROW, Outcome.NEW_VALUE, 1),
            new Case(UnorderedMap.GROW_JOURNALED, Scenario.GROW, Outcome.NEW_VALUE, 0),
            new Case(UnorderedMap.GROW_MOVING, Scenario.GROW, Outcome.NEW_VALUE, 0),
            new Case(UnorderedMap.GROW_UNLINKED, Scenario.GROW, Outcome.NEW_VALUE, 0),
            new Case(UnorderedMap.GROW_RELINKED, Scenario.GROW, Outcome.NEW_VALUE, 0),
            new Case(UnorderedMap.GROW_MOVED, Scenario.GROW, Outcome.NEW_VALUE, 0),
            new Case(UnorderedMap.GROW_SWITCHED, Scenario.GROW, Outcome.NEW_VALUE, 0),
            new Case(UnorderedMap.GROW_RESIZED, Scenario.GROW, Outcome.NEW_VALUE, 0),
            new Case(UnorderedMap.GROW_COMMITTED, Scenario.GROW, Outcome.NEW_VALUE, 1),
            // The conditional operations: a LINK when they apply, an unused entry to free when they do not.
            new Case(UnorderedMap.LOCKED, Scenario.GET_AND_PUT, Outcome.OLD_VALUE, 1),
            new Case(UnorderedMap.JOURNALED, Scenario.GET_AND_PUT, Outcome.NEW_VALUE, 0),
            new Case(UnorderedMap.LINKED, Scenario.GET_AND_PUT, Outcome.NEW_VALUE, 0),
            new Case(UnorderedMap.COUNTED, Scenario.GET_AND_PUT, Outcome.NEW_VALUE, 0),
            new Case(UnorderedMap.COMMITTED, Scenario.GET_AND_PUT, Outcome.NEW_VALUE, 1),
            new Case(UnorderedMap.ENTRY_ALLOCATED, Scenario.PUT_IF_ABSENT, Outcome.ABSENT, 1),
            new Case(UnorderedMap.LOCKED, Scenario.PUT_IF_ABSENT, Outcome.ABSENT, 1),
            new Case(UnorderedMap.JOURNALED, Scenario.PUT_IF_ABSENT, Outcome.NEW_VALUE, 0),
            new Case(UnorderedMap.LINKED, Scenario.PUT_IF_ABSENT, Outcome.NEW_VALUE, 0),
            new Case(UnorderedMap.COUNTED, Scenario.PUT_IF_ABSENT, Outcome.NEW_VALUE, 0),
            new Case(UnorderedMap.COMMITTED, Scenario.PUT_IF_ABSENT, Outcome.NEW_VALUE, 0),
            new Case(UnorderedMap.ENTRY_ALLOCATED, Scenario.PUT_IF_ABSENT_TAKEN, Outcome.OLD_VALUE, 1),
            new Case(UnorderedMap.LOCKED, Scenario.PUT_IF_ABSENT_TAKEN, Outcome.OLD_VALUE, 1),
            new Case(UnorderedMap.JOURNALED, Scenario.GET_AND_REPLACE, Outcome.NEW_VALUE, 0),
            new Case(UnorderedMap.COMMITTED, Scenario.GET_AND_REPLACE, Outcome.NEW_VALUE, 1),
            new Case(UnorderedMap.ENTRY_ALLOCATED, Scenario.REPLACE_MATCHING, Outcome.OLD_VALUE, 1),
            new Case(UnorderedMap.LOCKED, Scenario.REPLACE_MATCHING, Outcome.OLD_VALUE, 1),
            new Case(UnorderedMap.JOURNALED, Scenario.REPLACE_MATCHING, Outcome.NEW_VALUE, 0),
            new Case(UnorderedMap.LINKED, Scenario.REPLACE_MATCHING, Outcome.NEW_VALUE, 0),
            new Case(UnorderedMap.COUNTED, Scenario.REPLACE_MATCHING, Outcome.NEW_VALUE, 0),
            new Case(UnorderedMap.COMMITTED, Scenario.REPLACE_MATCHING, Outcome.NEW_VALUE, 1),
            new Case(UnorderedMap.LOCKED, Scenario.REPLACE_MISMATCHING, Outcome.OLD_VALUE, 1),
            new Case(UnorderedMap.JOURNALED, Scenario.GET_AND_REMOVE, Outcome.ABSENT, 0),
            new Case(UnorderedMap.COMMITTED, Scenario.GET_AND_REMOVE, Outcome.ABSENT, 1),
            new Case(UnorderedMap.LOCKED, Scenario.REMOVE_MATCHING, Outcome.OLD_VALUE, 0),
            new Case(UnorderedMap.JOURNALED, Scenario.REMOVE_MATCHING, Outcome.ABSENT, 0),
            new Case(UnorderedMap.LINKED, Scenario.REMOVE_MATCHING, Outcome.ABSENT, 0),
            new Case(UnorderedMap.COUNTED, Scenario.REMOVE_MATCHING, Outcome.ABSENT, 0),
            new Case(UnorderedMap.COMMITTED, Scenario.REMOVE_MATCHING, Outcome.ABSENT, 1),
            new Case(UnorderedMap.LOCKED, Scenario.REMOVE_MISMATCHING, Outcome.OLD_VALUE, 0));
    }

    private MemoryPool pool;
    private UnorderedMap map;

    @BeforeEach
    void createMap() {
        pool = MemoryPool.create(ChildJvm.uniqueRuntimeId(), 1, 4 << 20);
        map = UnorderedMap.create(pool, 0);
    }

    @AfterEach
    void destroyPool() {
        pool.destroy();
    }

    @AfterAll
    static void report() {
        System.out.printf("map crash points %d, kills %d, slowest takeover by a survivor %d ms%n",
            UnorderedMap.CRASH_POINTS.size(), kills, TimeUnit.NANOSECONDS.toMillis(slowestTakeoverNanos));
    }

    @Test
    void shouldCoverEveryCrashPoint() {
        assertThat(cases().map(Case::point).collect(Collectors.toSet()))
            .containsExactlyInAnyOrderElementsOf(UnorderedMap.CRASH_POINTS);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void shouldLeaveTheMapUsableWhenKilledAt(Case c) throws Exception {
        Map<String, String> expected = new HashMap<>();
        for (int i = 0; i < (c.scenario() == Scenario.GROW ? GROW_FILLERS : FILLERS); i++) {
            put(expected, "filler" + i, "filler value " + i);
        }
        if (c.scenario().victimBefore) {
            put(expected, VICTIM, OLD);
        }
        long bucketsBefore = map.bucketCount();
        int entriesBefore = expected.size();
        long blocks = pool.allocationCount();
        int pid;
        try (ChildJvm child = ChildJvm.startArmed(Child.class, c.point(), c.scenario().name(), hex(map.serialize()))) {
            pid = (int) child.pid();
            child.awaitCrashPoint(c.point(), CHILD_TIMEOUT);
            SharedLock lock = lockView();
            if (lock.holderPid() == pid) {
                assertThat(lock.lock(WaitMode.SLEEP, Deadline.after(300, TimeUnit.MILLISECONDS)))
                    .as("a live holder is waited for, not taken for dead").isFalse();
            }
            child.kill();
            kills++;
        }
        assertThat(journalOp() == MapLayout.NONE || lockView().holderPid() == pid)
            .as("a journal op is pending only while its dead writer holds the lock").isTrue();

        long start = System.nanoTime();
        byte[] victim = map.get(bytes(VICTIM)); // takes the lock over from the dead if it holds it
        long took = System.nanoTime() - start;
        slowestTakeoverNanos = Math.max(slowestTakeoverNanos, took);
        assertThat(took).as("time to get past the killed process").isLessThan(BOUND.toNanos());

        Map<String, byte[]> contents = checkStructure();
        assertThat(contents.get(VICTIM)).isEqualTo(victim);
        switch (c.outcome()) {
            case NEW_VALUE -> assertThat(victim).isEqualTo(bytes(NEW));
            case OLD_VALUE -> assertThat(victim).isEqualTo(bytes(OLD));
            case ABSENT -> assertThat(victim).isNull();
            case EITHER -> assertThat(victim == null || new String(victim, UTF_8).equals(OLD)).isTrue();
        }
        expected.remove(VICTIM);
        for (Map.Entry<String, String> e : expected.entrySet()) {
            if (c.scenario() != Scenario.CLEAR || contents.containsKey(e.getKey())) {
                assertThat(contents.get(e.getKey())).as("value of %s", e.getKey()).isEqualTo(bytes(e.getValue()));
            }
        }
        assertThat(pool.allocationCount()).as("blocks: the map's, plus %d leaked", c.leaked())
            .isEqualTo(blocks - entriesBefore + contents.size() + c.leaked());
        if (c.scenario() == Scenario.GROW) {
            assertThat(map.bucketCount()).isEqualTo(c.point().equals(UnorderedMap.GROW_ALLOCATED) ? bucketsBefore
                : bucketsBefore * 2);
        }

        // The survivor carries on: enough puts to grow twice, removes, replaces.
        Map<String, String> mine = new HashMap<>();
        contents.forEach((k, v) -> mine.put(k, new String(v, UTF_8)));
        for (int i = 0; i < 40; i++) {
            put(mine, "survivor" + i, "survivor value " + i);
        }
        for (int i = 0; i < 40; i += 3) {
            assertThat(map.remove(bytes("survivor" + i))).isTrue();
            mine.remove("survivor" + i);
        }
        put(mine, "survivor1", "replaced");
        Map<String, byte[]> after = checkStructure();
        assertThat(after.keySet()).isEqualTo(mine.keySet());
        mine.forEach((k, v) -> assertThat(after.get(k)).as("value of %s", k).isEqualTo(bytes(v)));
        assertThat(map.size()).isEqualTo(mine.size());
        map.clear();
        assertThat(checkStructure()).isEmpty();
    }

    /**
     * Kills at random moments (not only at named points) children that put and remove in a loop while another does
     * the same: after each kill the survivor carries on within {@link #BOUND}, and at the end the structure is sound,
     * every operation the survivor completed is there exactly once, every completed operation of a victim too (its
     * in-flight one is done or not), and at most one block per kill has leaked.
     */
    @Test
    void shouldCarryOnWhenProcessesAreKilledAtRandomMoments() throws Exception {
        Random random = new Random(16);
        Allocation progress = pool.allocate(STOP + 8);
        SharedBuffer counters = progress.buffer();
        counters.setMemory(0, STOP + 8, (byte) 0);
        String progressHex = hex(progress.descriptor().serialize());
        long blocksBefore = pool.allocationCount();
        int[] victimProgress = new int[RANDOM_KILLS];
        try (ChildJvm survivor = ChildJvm.start(Child.class, "HAMMER", hex(map.serialize()), progressHex, "0")) {
            awaitProgress(counters, 0, 1, survivor);
            for (int round = 0; round < RANDOM_KILLS; round++) {
                int slot = round + 1;
                try (ChildJvm victim = ChildJvm.start(Child.class, "HAMMER", hex(map.serialize()), progressHex,
                    Integer.toString(slot))) {
                    awaitProgress(counters, slot, 1 + random.nextInt(200), victim);
                    Thread.sleep(random.nextInt(20));
                    victim.kill();
                    kills++;
                }
                victimProgress[round] = (int) counters.getLongVolatile(PROGRESS + 8L * slot);
                long start = System.nanoTime();
                awaitProgress(counters, 0, counters.getLongVolatile(PROGRESS) + 50, survivor);
                slowestTakeoverNanos = Math.max(slowestTakeoverNanos, System.nanoTime() - start);
            }
            counters.putLongVolatile(STOP, 1);
            survivor.awaitSuccess(CHILD_TIMEOUT);
        }
        Map<String, byte[]> contents = checkStructure();
        int survivorSteps = (int) counters.getLongVolatile(PROGRESS);
        assertExpectedKeys(contents, 0, survivorSteps, false);
        for (int round = 0; round < RANDOM_KILLS; round++) {
            assertExpectedKeys(contents, round + 1, victimProgress[round], true);
        }
        long leaked = pool.allocationCount() - blocksBefore - contents.size();
        System.out.printf("map random kills: %d, survivor steps %d, blocks leaked %d%n", RANDOM_KILLS, survivorSteps,
            leaked);
        assertThat(map.size()).isEqualTo(contents.size());
        assertThat(leaked).as("blocks leaked: at most one per kill").isBetween(0L, (long) RANDOM_KILLS);
        progress.free();
    }

    /**
     * Checks the keys of hammer slot {@code slot}, which completed {@code steps} steps: step i puts key i and removes
     * key i - {@link Child#WINDOW}. If the process was killed, step {@code steps} was in flight: its two keys may go
     * either way.
     */
    private static void assertExpectedKeys(Map<String, byte[]> contents, int slot, int steps, boolean killed) {
        for (int i = 0; i <= steps + 1; i++) {
            String key = Child.key(slot, i);
            byte[] value = contents.get(key);
            if (value != null) {
                assertThat(value).as("value of %s", key).isEqualTo(Child.value(slot, i));
            }
            if (killed && (i == steps || i == steps - Child.WINDOW)) {
                continue;
            }
            assertThat(value != null).as("%s present (slot %d completed %d steps)", key, slot, steps)
                .isEqualTo(i < steps && i >= steps - Child.WINDOW);
        }
    }

    private void awaitProgress(SharedBuffer counters, int slot, long target, ChildJvm child)
        throws InterruptedException {
        long deadline = System.nanoTime() + CHILD_TIMEOUT.toNanos();
        long stallSince = System.nanoTime();
        long last = -1;
        while (counters.getLongVolatile(PROGRESS + 8L * slot) < target) {
            long now = counters.getLongVolatile(PROGRESS + 8L * slot);
            if (now != last) {
                last = now;
                stallSince = System.nanoTime();
            }
            assertThat(child.isAlive()).as("child %d alive; output: %s", slot, child.output())
                .withFailMessage(() -> "child " + slot + " exited with " + child.process().exitValue() + ": "
                    + child.output()).isTrue();
            assertThat(System.nanoTime() - deadline).as("child %d made progress", slot).isNegative();
            assertThat(System.nanoTime() - stallSince).as("child %d carried on within %s", slot, BOUND)
                .isLessThan(BOUND.toNanos());
            Thread.sleep(1);
        }
    }

    private void put(Map<String, String> expected, String key, String value) {
        map.put(bytes(key), bytes(value));
        expected.put(key, value);
    }

    /**
     * Invariant (3), read straight from shared memory while nobody uses the map: returns its contents. Fails if an
     * entry is reachable twice (or a chain loops), sits in a bucket its hash does not select, repeats a key, or the
     * entry count differs from the entries reachable.
     */
    private Map<String, byte[]> checkStructure() {
        SharedBuffer segment = pool.buffer();
        long header = map.descriptor().header().offset();
        assertThat(lockView().isLocked()).as("map lock held after the repair").isFalse();
        assertThat(journalOp()).as("journal op after the repair").isEqualTo(MapLayout.NONE);
        long buckets = segment.getLongVolatile(header + MapLayout.BUCKET_COUNT_OFFSET);
        long array = segment.getLongVolatile(header + MapLayout.BUCKETS_OFFSET);
        long count = segment.getLongVolatile(header + MapLayout.ENTRY_COUNT_OFFSET);
        assertThat(Long.bitCount(buckets)).as("bucket count %d a power of two", buckets).isEqualTo(1);
        Set<Long> seen = new HashSet<>();
        Map<String, byte[]> contents = new HashMap<>();
        for (long i = 0; i < buckets; i++) {
            for (long entry = segment.getLong(array + i * 8); entry != MapLayout.NONE;
                entry = segment.getLong(entry + MapLayout.ENTRY_NEXT_OFFSET)) {
                assertThat(seen.add(entry)).as("entry %d reachable once", entry).isTrue();
                assertThat(seen.size()).as("entries reachable").isLessThanOrEqualTo((int) count);
                byte[] key = new byte[segment.getInt(entry + MapLayout.ENTRY_KEY_LENGTH_OFFSET)];
                byte[] value = new byte[segment.getInt(entry + MapLayout.ENTRY_VALUE_LENGTH_OFFSET)];
                segment.getBytes(entry + MapLayout.ENTRY_KEY_OFFSET, key, 0, key.length);
                segment.getBytes(entry + MapLayout.ENTRY_KEY_OFFSET + key.length, value, 0, value.length);
                int hash = segment.getInt(entry + MapLayout.ENTRY_HASH_OFFSET);
                assertThat(hash).isEqualTo(UnorderedMap.hash(key));
                assertThat((hash & 0xFFFF_FFFFL) & (buckets - 1)).as("bucket of %s", new String(key, UTF_8))
                    .isEqualTo(i);
                assertThat(contents.put(new String(key, UTF_8), value)).as("key %s once", new String(key, UTF_8))
                    .isNull();
            }
        }
        assertThat(seen.size()).as("entry count").isEqualTo(count);
        return contents;
    }

    private long journalOp() {
        return pool.buffer().getLongVolatile(map.descriptor().header().offset() + MapLayout.JOURNAL_OP_OFFSET);
    }

    private SharedLock lockView() {
        return new SharedLock(pool.buffer(), map.descriptor().header().offset() + MapLayout.LOCK_OFFSET, "map lock");
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }

    /**
     * Child process side: args[0] is a {@link Scenario} on the victim key of the map args[1], or "HAMMER": put and
     * remove (see {@link UnorderedMapCrashTest#assertExpectedKeys}) in a loop, counting completed steps in slot args[3]
     * of the progress allocation args[2], until the stop flag is set.
     */
    public static final class Child {
        /** Entries a hammer keeps: each step removes the key put this many steps earlier. */
        static final int WINDOW = 64;

        public static void main(String[] args) throws Exception {
            ChildJvm.exitWithParent();
            UnorderedMap map = UnorderedMap.attach(HexFormat.of().parseHex(args[1]));
            byte[] victim = bytes(VICTIM);
            switch (args[0]) {
                case "PUT", "REPLACE", "GROW" -> map.put(victim, bytes(NEW));
                case "GET_AND_PUT" -> map.getAndPut(victim, bytes(NEW));
                case "PUT_IF_ABSENT", "PUT_IF_ABSENT_TAKEN" -> map.putIfAbsent(victim, bytes(NEW));
                case "GET_AND_REPLACE" -> map.getAndReplace(victim, bytes(NEW));
                case "REPLACE_MATCHING" -> map.replace(victim, bytes(OLD), bytes(NEW));
                case "REPLACE_MISMATCHING" -> map.replace(victim, bytes(NEW), bytes(NEW));
                case "REMOVE" -> map.remove(victim);
                case "GET_AND_REMOVE" -> map.getAndRemove(victim);
                case "REMOVE_MATCHING" -> map.remove(victim, bytes(OLD));
                case "REMOVE_MISMATCHING" -> map.remove(victim, bytes(NEW));
                case "GET" -> map.get(victim);
                case "CLEAR" -> map.clear();
                case "HAMMER" -> hammer(map, args[2], Integer.parseInt(args[3]));
                default -> {
                    System.out.println("unknown scenario " + args[0]);
                    System.exit(1);
                }
            }
            System.exit(0);
        }

        static String key(int slot, int step) {
            return "h" + slot + "-" + step;
        }

        static byte[] value(int slot, int step) {
            return bytes("value of step " + step + " of slot " + slot);
        }

        private static void hammer(UnorderedMap map, String progressHex, int slot) {
            AllocationDescriptor descriptor = AllocationDescriptor.deserialize(HexFormat.of().parseHex(progressHex));
            SharedBuffer counters = MemoryPool.attach(descriptor.pool()).buffer().slice(descriptor.offset(),
                descriptor.size());
            for (int i = 0; counters.getLongVolatile(STOP) == 0; i++) {
                map.put(bytes(key(slot, i)), value(slot, i));
                if (map.get(bytes(key(slot, i))) == null) {
                    System.out.println("lost my own put " + key(slot, i));
                    System.exit(3);
                }
                if (i >= WINDOW && !map.remove(bytes(key(slot, i - WINDOW)))) {
                    System.out.println("lost my own put " + key(slot, i - WINDOW));
                    System.exit(3);
                }
                counters.putLongVolatile(PROGRESS + 8L * slot, i + 1);
            }
        }
    }
}
