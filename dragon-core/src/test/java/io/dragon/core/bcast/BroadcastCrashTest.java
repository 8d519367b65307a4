package io.dragon.core.bcast;

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
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
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
 * Crash injection for {@link Broadcast}: a child process stops at a named point of a wait, a collection, a timeout, a
 * trigger or a repair ({@link CrashPoints}), is killed with SIGKILL there, and the broadcast must serve everyone else.
 *
 * <p>Invariants checked after each kill: (1) a grant of an uncommitted round exists only while the dead holds the
 * lock; (2) live waiters, in this process and in another, are all released by the next trigger, which returns
 * within {@link #BOUND} and counts only them; a dead trigger's payload reached them only if it committed; (3) once
 * quiet, the lock is free, every occupied slot belongs to a live process, waiting and grants match the slots, and no
 * grant is uncommitted; (4) the broadcast keeps working (a triggerOne releases one waiter).
 */
@ExtendWith(LeakCheck.class)
class BroadcastCrashTest {
    private static final Duration CHILD_TIMEOUT = Duration.ofSeconds(60);
    /** Longest a survivor may take to get past a killed process (holder check and reaping every 100 ms). */
    private static final Duration BOUND = Duration.ofSeconds(5);
    private static final int RANDOM_KILLS = 12;
    private static final int MAX_PAYLOAD = 64;
    private static final String FROM_CHILD = "from the child";
    private static final String AFTER = "after the kill";
    /** Progress counters of the random test: one per child slot, then the stop flag. */
    private static final int STOP = 8 * (RANDOM_KILLS + 1);

    private static int kills;
    private static long slowestTriggerNanos;

    /** What the killed child does. */
    enum Scenario { WAIT, COLLECT, TIMEOUT, TRIGGER, REPAIR }

    record Case(String point, Scenario scenario, boolean committed) {
        @Override
        public String toString() {
            return point + " in " + scenario + (committed ? ": trigger committed" : "");
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
            new Case(Broadcast.SLOT_TAKEN, Scenario.WAIT, false),
            new Case(Broadcast.REGISTERED, Scenario.WAIT, false),
            new Case(Broadcast.SLOT_FREED, Scenario.COLLECT, false),
            new Case(Broadcast.COLLECTED, Scenario.COLLECT, false),
            new Case(Broadcast.LEFT, Scenario.COLLECT, false),
            new Case(Broadcast.SLOT_FREED, Scenario.TIMEOUT, false),
            new Case(Broadcast.LEFT, Scenario.TIMEOUT, false),
            new Case(Broadcast.PAYLOAD_WRITTEN, Scenario.TRIGGER, false),
            new Case(Broadcast.GRANTED, Scenario.TRIGGER, false),
            new Case(Broadcast.GRANTS_COUNTED, Scenario.TRIGGER, false),
            new Case(Broadcast.COMMITTED, Scenario.TRIGGER, true),
            new Case(Broadcast.TRIGGER_UNLOCKED, Scenario.TRIGGER, true),
            new Case(Broadcast.SLOTS_REPAIRED, Scenario.REPAIR, false));
    }

    private MemoryPool pool;
    private Broadcast broadcast;
    private ExecutorService executor;

    @BeforeEach
    void setUp() {
        pool = MemoryPool.create(ChildJvm.uniqueRuntimeId(), 1, 1 << 20);
        broadcast = Broadcast.create(pool, MAX_PAYLOAD, 8);
        executor = Executors.newCachedThreadPool();
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        executor.shutdownNow();
        assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        pool.destroy();
    }

    @AfterAll
    static void report() {
        System.out.printf("broadcast crash points %d, kills %d, slowest trigger after a kill %d ms%n",
            Broadcast.CRASH_POINTS.size(), kills, TimeUnit.NANOSECONDS.toMillis(slowestTriggerNanos));
    }

    @Test
    void shouldCoverEveryCrashPoint() {
        assertThat(cases().map(Case::point).collect(Collectors.toSet()))
            .containsExactlyInAnyOrderElementsOf(Broadcast.CRASH_POINTS);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void shouldLeaveTheBroadcastUsableWhenKilledAt(Case c) throws Exception {
        List<Future<byte[]>> early = new ArrayList<>();
        if (c.scenario() == Scenario.TRIGGER) {
            early.addAll(startWaiters(2));
        } else if (c.scenario() == Scenario.REPAIR) {
            killAt(Broadcast.REGISTERED, Scenario.WAIT); // leaves the lock held by the dead, for the child to repair
        }
        int pid = killAt(c.point(), c.scenario());
        assertThat(uncommittedGrants() == 0 || lockView().holderPid() == pid)
            .as("uncommitted grants only while their dead trigger holds the lock").isTrue();

        List<Future<byte[]>> late = startWaiters(2);
        try (ChildJvm other = ChildJvm.start(Child.class, "AWAIT", hex(broadcast.serialize()), "1")) {
            awaitCondition(() -> broadcast.waiters() == early.size() + late.size() + 1 - (c.committed() ? 2 : 0),
                other);
            long start = System.nanoTime();
            int released = broadcast.triggerAll(bytes(AFTER), BOUND.toMillis(), TimeUnit.MILLISECONDS);
            long took = System.nanoTime() - start;
            slowestTriggerNanos = Math.max(slowestTriggerNanos, took);
            assertThat(took).as("trigger after the kill").isLessThan(BOUND.toNanos());
            assertThat(released).as("live waiters released").isEqualTo(late.size() + 1
                + (c.committed() ? 0 : early.size()));
            assertThat(other.awaitExit(CHILD_TIMEOUT)).as("other process's waiter; output %s", other.output())
                .isZero();
            assertThat(other.output()).contains(AFTER);
        }
        for (Future<byte[]> f : early) {
            assertThat(new String(f.get(BOUND.toMillis(), TimeUnit.MILLISECONDS), UTF_8))
                .isEqualTo(c.committed() ? FROM_CHILD : AFTER);
        }
        for (Future<byte[]> f : late) {
            assertThat(f.get(BOUND.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(bytes(AFTER));
        }
        assertQuietAndConsistent(0);

        List<Future<byte[]>> next = startWaiters(2);
        assertThat(broadcast.triggerOne(bytes("one"), BOUND.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(1);
        assertThat(broadcast.triggerOne(bytes("two"), BOUND.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(1);
        assertThat(next.get(0).get(BOUND.toMillis(), TimeUnit.MILLISECONDS)).isNotNull();
        assertThat(next.get(1).get(BOUND.toMillis(), TimeUnit.MILLISECONDS)).isNotNull();
        assertQuietAndConsistent(0);
    }

    /**
     * Kills at random moments children that wait or trigger in a loop, while this process triggers and another
     * process waits: the survivor keeps receiving within {@link #BOUND} after every kill, no trigger of this process
     * times out, and at the end the slots and counts are consistent.
     */
    @Test
    void shouldCarryOnWhenProcessesAreKilledAtRandomMoments() throws Exception {
        Random random = new Random(16);
        Allocation progress = pool.allocate(STOP + 8);
        SharedBuffer counters = progress.buffer();
        counters.setMemory(0, STOP + 8, (byte) 0);
        String progressHex = hex(progress.descriptor().serialize());
        AtomicBoolean stop = new AtomicBoolean();
        Future<Long> triggers = executor.submit(() -> {
            long count = 0;
            for (; !stop.get(); count++) {
                byte[] payload = bytes("p" + count);
                if (count % 3 == 0) {
                    broadcast.triggerOne(payload, BOUND.toMillis(), TimeUnit.MILLISECONDS);
                } else {
                    broadcast.triggerAll(payload, BOUND.toMillis(), TimeUnit.MILLISECONDS);
                }
                Thread.sleep(0, 200_000);
            }
            return count;
        });
        try (ChildJvm survivor = ChildJvm.start(Child.class, "LOOP_AWAIT", hex(broadcast.serialize()), progressHex,
            "0")) {
            awaitProgress(counters, 0, 1, survivor);
            for (int round = 0; round < RANDOM_KILLS; round++) {
                int slot = round + 1;
                try (ChildJvm victim = ChildJvm.start(Child.class, round % 2 == 0 ? "LOOP_AWAIT" : "LOOP_TRIGGER",
                    hex(broadcast.serialize()), progressHex, Integer.toString(slot))) {
                    awaitProgress(counters, slot, 1 + random.nextInt(50), victim);
                    Thread.sleep(random.nextInt(20));
                    victim.kill();
                    kills++;
                }
                long start = System.nanoTime();
                awaitProgress(counters, 0, counters.getLongVolatile(0) + 20, survivor);
                slowestTriggerNanos = Math.max(slowestTriggerNanos, System.nanoTime() - start);
                assertThat(triggers.isDone()).as("triggers of this process still going").isFalse();
            }
            counters.putLongVolatile(STOP, 1);
            survivor.awaitSuccess(CHILD_TIMEOUT);
        }
        stop.set(true);
        long triggered = triggers.get(CHILD_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        System.out.printf("broadcast random kills: %d, triggers %d, survivor received %d%n", RANDOM_KILLS, triggered,
            counters.getLongVolatile(0));
        assertQuietAndConsistent(RANDOM_KILLS);
        List<Future<byte[]>> last = startWaiters(1);
        broadcast.triggerAll(bytes("last"), BOUND.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(last.get(0).get(BOUND.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(bytes("last"));
        progress.free();
    }

    /** Starts a child doing {@code scenario}, stopped at {@code point}, and kills it: returns its pid. */
    private int killAt(String point, Scenario scenario) throws Exception {
        try (ChildJvm child = ChildJvm.startArmed(Child.class, point, scenario.name(), hex(broadcast.serialize()))) {
            int pid = (int) child.pid();
            if (scenario == Scenario.COLLECT) {
                awaitCondition(() -> broadcast.waiters() == 1, child);
                assertThat(broadcast.triggerOne(bytes(FROM_CHILD), BOUND.toMillis(), TimeUnit.MILLISECONDS))
                    .isEqualTo(1);
            }
            child.awaitCrashPoint(point, CHILD_TIMEOUT);
            SharedLock lock = lockView();
            if (lock.holderPid() == pid) {
                assertThat(lock.lock(WaitMode.SLEEP, Deadline.after(300, TimeUnit.MILLISECONDS)))
                    .as("a live holder is waited for, not taken for dead").isFalse();
            }
            child.kill();
            kills++;
            return pid;
        }
    }

    /**
     * Invariant (3), read straight from shared memory: lock free, no uncommitted grant, waiting and grants equal to
     * the occupied and granted slots, and at most {@code deadAllowed} slots of dead processes (waiters killed while
     * not holding the lock, which the next trigger that waits for a collection drops).
     */
    private void assertQuietAndConsistent(int deadAllowed) {
        SharedBuffer segment = pool.buffer();
        long base = broadcast.descriptor().allocation().offset();
        assertThat(lockView().isLocked()).as("lock held").isFalse();
        assertThat(uncommittedGrants()).as("uncommitted grants").isZero();
        long waiting = 0;
        long grants = 0;
        int dead = 0;
        int live = 0;
        for (int slot = 0; slot < broadcast.maxWaiters(); slot++) {
            long at = base + BroadcastLayout.SLOTS_OFFSET + (long) slot * BroadcastLayout.SLOT_LENGTH;
            int pid = segment.getIntVolatile(at + BroadcastLayout.SLOT_PID_OFFSET);
            if (pid != 0) {
                waiting++;
                grants += segment.getLongVolatile(at + BroadcastLayout.SLOT_GRANTED_OFFSET) != 0 ? 1 : 0;
                if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                    live++;
                } else {
                    dead++;
                }
            }
        }
        assertThat(live).as("slots of live waiters once quiet").isZero();
        assertThat(dead).as("slots of dead waiters").isLessThanOrEqualTo(deadAllowed);
        assertThat(segment.getLongVolatile(base + BroadcastLayout.WAITING_OFFSET)).as("waiting").isEqualTo(waiting);
        assertThat(segment.getLongVolatile(base + BroadcastLayout.GRANTS_OFFSET)).as("grants").isEqualTo(grants);
    }

    private long uncommittedGrants() {
        SharedBuffer segment = pool.buffer();
        long base = broadcast.descriptor().allocation().offset();
        long round = segment.getLongVolatile(base + BroadcastLayout.ROUND_OFFSET);
        long count = 0;
        for (int slot = 0; slot < broadcast.maxWaiters(); slot++) {
            long at = base + BroadcastLayout.SLOTS_OFFSET + (long) slot * BroadcastLayout.SLOT_LENGTH;
            if (segment.getIntVolatile(at + BroadcastLayout.SLOT_PID_OFFSET) != 0
                && segment.getLongVolatile(at + BroadcastLayout.SLOT_GRANTED_OFFSET) > round) {
                count++;
            }
        }
        return count;
    }

    private SharedLock lockView() {
        return new SharedLock(pool.buffer(), broadcast.descriptor().allocation().offset() + BroadcastLayout.LOCK_OFFSET,
            "broadcast lock");
    }

    private List<Future<byte[]>> startWaiters(int count) throws InterruptedException {
        int before = broadcast.waiters();
        List<Future<byte[]>> futures = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            futures.add(executor.submit(() -> broadcast.await(WaitMode.ADAPTIVE, CHILD_TIMEOUT.toSeconds(),
                TimeUnit.SECONDS)));
        }
        awaitCondition(() -> broadcast.waiters() == before + count, null);
        return futures;
    }

    private static void awaitCondition(BooleanSupplier condition, ChildJvm child) throws InterruptedException {
        long until = System.nanoTime() + BOUND.toNanos();
        while (!condition.getAsBoolean()) {
            if (child != null) {
                assertThat(child.isAlive()).as("child alive; output: %s", child.output()).isTrue();
            }
            assertThat(System.nanoTime() - until).as("condition met within %s", BOUND).isNegative();
            Thread.sleep(1);
        }
    }

    private static void awaitProgress(SharedBuffer counters, int slot, long target, ChildJvm child)
        throws InterruptedException {
        long deadline = System.nanoTime() + CHILD_TIMEOUT.toNanos();
        long stallSince = System.nanoTime();
        long last = -1;
        while (counters.getLongVolatile(8L * slot) < target) {
            long now = counters.getLongVolatile(8L * slot);
            if (now != last) {
                last = now;
                stallSince = System.nanoTime();
            }
            assertThat(child.isAlive()).withFailMessage(() -> "child " + slot + " exited: " + child.output())
                .isTrue();
            assertThat(System.nanoTime() - deadline).as("child %d made progress", slot).isNegative();
            assertThat(System.nanoTime() - stallSince).as("child %d carried on within %s", slot, BOUND)
                .isLessThan(BOUND.toNanos());
            Thread.sleep(1);
        }
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }

    /**
     * Child process side: args[0] is a {@link Scenario} on the broadcast args[1] (WAIT and COLLECT await, TIMEOUT
     * awaits 300 ms, TRIGGER triggers all, REPAIR asks for the waiters), "AWAIT" awaits args[2] triggers and prints
     * them, or "LOOP_AWAIT" / "LOOP_TRIGGER" await or trigger in a loop, counting in slot args[3] of the progress
     * allocation args[2], until the stop flag is set.
     */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            ChildJvm.exitWithParent();
            Broadcast broadcast = Broadcast.attach(HexFormat.of().parseHex(args[1]));
            switch (args[0]) {
                case "WAIT", "COLLECT" -> broadcast.await(60, TimeUnit.SECONDS);
                case "TIMEOUT" -> {
                    try {
                        broadcast.await(300, TimeUnit.MILLISECONDS);
                    } catch (BroadcastTimeoutException e) {
                        System.out.println("timed out");
                    }
                }
                case "TRIGGER" -> broadcast.triggerAll(bytes(FROM_CHILD), 60, TimeUnit.SECONDS);
                case "REPAIR" -> broadcast.waiters();
                case "AWAIT" -> {
                    for (int i = 0; i < Integer.parseInt(args[2]); i++) {
                        System.out.println(new String(broadcast.await(60, TimeUnit.SECONDS), UTF_8));
                    }
                }
                case "LOOP_AWAIT", "LOOP_TRIGGER" -> loop(broadcast, args[0].equals("LOOP_AWAIT"), args[2],
                    Integer.parseInt(args[3]));
                default -> {
                    System.out.println("unknown scenario " + args[0]);
                    System.exit(1);
                }
            }
            System.exit(0);
        }

        private static void loop(Broadcast broadcast, boolean await, String progressHex, int slot) throws Exception {
            AllocationDescriptor descriptor = AllocationDescriptor.deserialize(HexFormat.of().parseHex(progressHex));
            SharedBuffer counters = MemoryPool.attach(descriptor.pool()).buffer().slice(descriptor.offset(),
                descriptor.size());
            for (long i = 1; counters.getLongVolatile(STOP) == 0; i++) {
                if (await) {
                    try {
                        broadcast.await(200, TimeUnit.MILLISECONDS);
                    } catch (BroadcastTimeoutException e) {
                        continue; // check the stop flag
                    }
                } else {
                    broadcast.triggerAll(bytes("t" + i), 60, TimeUnit.SECONDS);
                    Thread.sleep(0, 500_000);
                }
                counters.putLongVolatile(8L * slot, counters.getLongVolatile(8L * slot) + 1);
            }
        }
    }
}
