package io.dragon.core.locks;

import static io.dragon.core.locks.SharedLock.LEASE_CLEARED;
import static io.dragon.core.locks.SharedLock.PRIORITY_CLAIMED;
import static io.dragon.core.locks.SharedLock.PRIORITY_DROPPED;
import static io.dragon.core.locks.SharedLock.RECOVER_TAKEN;
import static io.dragon.core.locks.SharedLock.RELEASED;
import static io.dragon.core.locks.SharedLock.REMOTE_HOLDER_CLEARED;
import static io.dragon.core.locks.SharedLock.REMOTE_HOLDER_WRITTEN;
import static io.dragon.core.locks.SharedLock.TAKEN;
import static org.assertj.core.api.Assertions.assertThat;

import io.dragon.core.memory.Allocation;
import io.dragon.core.memory.AllocationDescriptor;
import io.dragon.core.memory.MemoryPool;
import io.dragon.core.shm.SharedBuffer;
import io.dragon.core.sync.Deadline;
import io.dragon.core.sync.WaitMode;
import io.dragon.core.testing.ChildJvm;
import io.dragon.core.testing.LeakCheck;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
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
 * Crash injection, in the spirit of SQLite's crash tests: a child process stops at a named point inside lock, unlock
 * or recover ({@link CrashPoints}), is killed with SIGKILL there, and the lock must still serve everyone else.
 *
 * <p>Invariants checked after each kill: (1) the lock word is free, or names the killed process (never held by
 * nobody); (2) a free lock has no remote holder and no lease; (3) while the process was stopped and alive, a waiter
 * did not take it for dead; (4) a waiter gets the lock, or {@link OwnerDeadException} naming the killed process
 * and then the lock after {@link SharedLock#recover}, within {@link #BOUND}; (5) afterwards the lock is free with no
 * priority claim, remote holder or lease left, and another process can lock, hold for a remote process and unlock.
 */
@ExtendWith(LeakCheck.class)
class SharedLockCrashTest {
    private static final int LOCK = 0;
    /** Per child slot of the random-kill test: how many critical sections it has completed. */
    private static final int PROGRESS = 512;
    /** How often a child of the random-kill test recovered the lock from a dead holder. */
    private static final int RECOVERED = PROGRESS + 16;
    /** Pid of the process in the critical section, to catch two at once. */
    private static final int INSIDE = 768;
    private static final int RANDOM_KILLS = 10;
    private static final int ALLOCATION_SIZE = 1024;
    private static final long REMOTE_HOLDER = SharedLock.remoteHolder(1, 4242);
    private static final Duration CHILD_TIMEOUT = Duration.ofSeconds(60);
    /** Longest a waiter may take to get past a killed process (the holder check runs every 100 ms). */
    private static final Duration BOUND = Duration.ofSeconds(5);
    private static final String HELD = "held";

    /** What a child does (comma-separated steps), and what that leaves if it is killed at the point of a case. */
    private static final String LOCK_UNLOCK = "lock";
    private static final String LOCK_FOR_REMOTE = "remote";
    private static final String WAIT = "wait";
    private static final String RECOVER = "recover";
    private static final String TAKE_FROM_DEAD = "take";
    private static final String HAMMER = "hammer";

    private static int kills;
    private static long slowestRecoveryNanos;

    private MemoryPool pool;
    private Allocation allocation;
    private SharedBuffer buffer;
    private SharedLock lock;

    /** A child running {@code scenario} killed at {@code point}, which leaves the lock held by it or free. */
    record Case(String point, String scenario, boolean leftHeld) {
        @Override
        public String toString() {
            return point + " in " + scenario + (leftHeld ? ": held by the dead" : ": free");
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
            new Case(TAKEN, LOCK_UNLOCK, true),
            new Case(RELEASED, LOCK_UNLOCK, false),
            new Case(PRIORITY_CLAIMED, WAIT, false),
            new Case(TAKEN, WAIT, true),
            new Case(PRIORITY_DROPPED, WAIT, true),
            new Case(REMOTE_HOLDER_WRITTEN, LOCK_FOR_REMOTE, true),
            new Case(REMOTE_HOLDER_CLEARED, LOCK_FOR_REMOTE, true),
            new Case(LEASE_CLEARED, LOCK_FOR_REMOTE, true),
            new Case(RELEASED, LOCK_FOR_REMOTE, false),
            new Case(RECOVER_TAKEN, RECOVER, true),
            new Case(REMOTE_HOLDER_CLEARED, RECOVER, true),
            new Case(LEASE_CLEARED, RECOVER, true),
            new Case(RELEASED, RECOVER, false),
            new Case(RECOVER_TAKEN, TAKE_FROM_DEAD, true),
            new Case(REMOTE_HOLDER_CLEARED, TAKE_FROM_DEAD, true),
            new Case(RELEASED, TAKE_FROM_DEAD, false));
    }

    @BeforeEach
    void createLock() {
        pool = MemoryPool.create(ChildJvm.uniqueRuntimeId(), 1, 64 * 1024);
        allocation = pool.allocate(ALLOCATION_SIZE);
        buffer = allocation.buffer();
        buffer.setMemory(0, ALLOCATION_SIZE, (byte) 0);
        SharedLock.initialize(buffer, LOCK);
        lock = new SharedLock(buffer, LOCK, "test lock");
    }

    @AfterEach
    void destroyPool() {
        pool.destroy();
    }

    @AfterAll
    static void report() {
        System.out.printf("crash points %d, kills %d, slowest recovery of a waiter %d ms%n",
            SharedLock.CRASH_POINTS.size(), kills, TimeUnit.NANOSECONDS.toMillis(slowestRecoveryNanos));
    }

    @Test
    void shouldCoverEveryCrashPoint() {
        assertThat(cases().map(Case::point).collect(Collectors.toSet()))
            .containsExactlyInAnyOrderElementsOf(SharedLock.CRASH_POINTS);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void shouldLeaveTheLockUsableWhenKilledAt(Case c) throws Exception {
        int deadHolder = c.scenario().equals(RECOVER) || c.scenario().equals(TAKE_FROM_DEAD) ? killedRemoteHolder() : 0;
        if (c.scenario().equals(WAIT)) {
            lock.lock();
        }
        int pid;
        try (ChildJvm child = ChildJvm.startArmed(Child.class, c.point(), c.scenario(), descriptorHex(),
            Integer.toString(deadHolder))) {
            pid = (int) child.pid();
            if (c.scenario().equals(WAIT)) {
                awaitPriorityClaimedBy(pid, child);
                if (!c.point().equals(PRIORITY_CLAIMED)) {
                    lock.unlock();
                }
            }
            child.awaitCrashPoint(c.point(), CHILD_TIMEOUT);
            assertConsistent();
            if (lock.holderPid() == pid) {
                assertThat(lock.lock(WaitMode.SLEEP, Deadline.after(300, TimeUnit.MILLISECONDS)))
                    .as("a live holder is waited for, not taken for dead").isFalse();
            }
            child.kill();
            kills++;
        }
        if (c.point().equals(PRIORITY_CLAIMED)) {
            lock.unlock();
        }

        assertThat(lock.holderPid()).as("holder after the kill").isEqualTo(c.leftHeld() ? pid : 0);
        assertConsistent();
        long start = System.nanoTime();
        try {
            assertThat(lock.lock(WaitMode.ADAPTIVE, Deadline.after(BOUND.toNanos(), TimeUnit.NANOSECONDS)))
                .as("a free lock is taken").isTrue();
            assertThat(c.leftHeld()).as("taken although held by the dead").isFalse();
        } catch (OwnerDeadException e) {
            assertThat(e.deadPid()).isEqualTo(pid);
            lock.recover(pid);
            assertConsistent();
            assertThat(lock.lock(WaitMode.ADAPTIVE, Deadline.after(BOUND.toNanos(), TimeUnit.NANOSECONDS)))
                .as("recovered lock taken").isTrue();
        }
        long took = System.nanoTime() - start;
        slowestRecoveryNanos = Math.max(slowestRecoveryNanos, took);
        assertThat(took).as("time to get past the killed process").isLessThan(BOUND.toNanos());
        lock.unlock();
        assertFreeAndClean();

        try (ChildJvm next = ChildJvm.start(Child.class, LOCK_UNLOCK + "," + LOCK_FOR_REMOTE, descriptorHex(), "0")) {
            next.awaitSuccess(CHILD_TIMEOUT);
        }
        assertFreeAndClean();
    }

    /**
     * Kills at random moments (not only at named points) a child that locks and unlocks in a loop, for itself and for
     * a remote process, while another does the same: the survivor carries on within {@link #BOUND} each time,
     * recovering the lock from the dead, and no two critical sections overlap.
     */
    @Test
    void shouldCarryOnWhenALockerIsKilledAtRandomMoments() throws Exception {
        Random random = new Random(16);
        try (ChildJvm survivor = ChildJvm.start(Child.class, HAMMER, descriptorHex(), "1")) {
            awaitProgress(1, 1, survivor);
            for (int round = 0; round < RANDOM_KILLS; round++) {
                try (ChildJvm victim = ChildJvm.start(Child.class, HAMMER, descriptorHex(), "0")) {
                    awaitProgress(0, progress(0) + 1, victim);
                    Thread.sleep(random.nextInt(50));
                    victim.kill();
                    kills++;
                }
                long start = System.nanoTime();
                awaitProgress(1, progress(1) + 100, survivor);
                slowestRecoveryNanos = Math.max(slowestRecoveryNanos, System.nanoTime() - start);
            }
        }
        kills++;
        System.out.printf("random kills: %d of %d left the lock held by the dead%n", buffer.getIntVolatile(RECOVERED),
            RANDOM_KILLS);
        try {
            assertThat(lock.lock(WaitMode.ADAPTIVE, Deadline.after(BOUND.toNanos(), TimeUnit.NANOSECONDS))).isTrue();
        } catch (OwnerDeadException e) {
            lock.recover(e.deadPid());
            assertThat(lock.lock(WaitMode.ADAPTIVE, Deadline.after(BOUND.toNanos(), TimeUnit.NANOSECONDS))).isTrue();
        }
        lock.unlock();
        assertFreeAndClean();
    }

    private long progress(int slot) {
        return buffer.getLongVolatile(PROGRESS + 8L * slot);
    }

    /** Waits until child {@code slot} has completed {@code target} critical sections, within {@link #BOUND}. */
    private void awaitProgress(int slot, long target, ChildJvm child) throws InterruptedException {
        long deadline = System.nanoTime() + CHILD_TIMEOUT.toNanos();
        long boundAt = Long.MAX_VALUE;
        while (progress(slot) < target) {
            assertThat(child.isAlive()).as("child %d alive; output: %s", slot, child.output()).isTrue();
            assertThat(System.nanoTime() - deadline).as("child %d made progress", slot).isNegative();
            if (progress(slot) > 0 && boundAt == Long.MAX_VALUE) {
                boundAt = System.nanoTime() + BOUND.toNanos();
            }
            assertThat(System.nanoTime() - boundAt).as("child %d carried on within %s", slot, BOUND).isNegative();
            Thread.sleep(1);
        }
    }

    /** A child that took the lock for a remote process, killed while holding it: returns its pid. */
    private int killedRemoteHolder() throws InterruptedException {
        try (ChildJvm holder = ChildJvm.start(Child.class, LOCK_FOR_REMOTE + "," + HELD, descriptorHex(), "0")) {
            assertThat(holder.awaitOutput(HELD, CHILD_TIMEOUT)).as("holder output: %s", holder.output()).isTrue();
            holder.kill();
            kills++;
            assertThat(lock.holderPid()).isEqualTo(holder.pid());
            assertThat(lock.remoteHolder()).isEqualTo(REMOTE_HOLDER);
            return (int) holder.pid();
        }
    }

    /** Invariants (1) and (2): the word names a holder or none, and a free lock carries no remote record. */
    private void assertConsistent() {
        if (!lock.isLocked()) {
            assertThat(lock.remoteHolder()).as("remote holder of a free lock").isZero();
            assertThat(buffer.getLongVolatile(LOCK + LockLayout.LEASE_OFFSET)).as("lease of a free lock").isZero();
        }
    }

    private void assertFreeAndClean() {
        assertThat(lock.isLocked()).isFalse();
        assertConsistent();
        assertThat(buffer.getIntVolatile(LOCK + LockLayout.PRIORITY_OFFSET)).as("priority claim").isZero();
    }

    private void awaitPriorityClaimedBy(int pid, ChildJvm child) throws InterruptedException {
        long deadline = System.nanoTime() + CHILD_TIMEOUT.toNanos();
        while (buffer.getIntVolatile(LOCK + LockLayout.PRIORITY_OFFSET) != pid) {
            assertThat(child.isAlive()).as("child alive; output: %s", child.output()).isTrue();
            assertThat(System.nanoTime() - deadline).as("child claimed priority").isNegative();
            Thread.sleep(5);
        }
    }

    private String descriptorHex() {
        return HexFormat.of().formatHex(allocation.descriptor().serialize());
    }

    /**
     * Child process side: runs the steps of args[0] in order: "lock" locks and unlocks; "remote" locks, holds for a
     * remote process and unlocks for it (without the unlock if the next step is "held"); "wait" is "lock" for a lock
     * the parent holds; "recover" recovers the lock from the dead process args[2]; "take" takes it from that process
     * and unlocks it; "held" says so and sleeps; "hammer" locks and unlocks (for itself, then for a remote process)
     * until killed, recovering the lock from a dead holder, and counts its critical sections in progress slot args[2]
     * (exits with 3 if two overlapped).
     */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            ChildJvm.exitWithParent();
            // Mapped without Allocation.attach, whose check takes the pool's own lock: it would stop at the point.
            AllocationDescriptor descriptor = AllocationDescriptor.deserialize(HexFormat.of().parseHex(args[1]));
            SharedBuffer buffer = MemoryPool.attach(descriptor.pool()).buffer().slice(descriptor.offset(),
                descriptor.size());
            SharedLock lock = new SharedLock(buffer, LOCK, "test lock");
            List<String> steps = List.of(args[0].split(","));
            for (String step : steps) {
                switch (step) {
                    case LOCK_UNLOCK, WAIT -> {
                        lock.lock();
                        lock.unlock();
                    }
                    case LOCK_FOR_REMOTE -> {
                        lock.lock();
                        lock.holdFor(REMOTE_HOLDER, System.currentTimeMillis() + 60_000);
                        if (!steps.contains(HELD)) {
                            lock.unlockFor(REMOTE_HOLDER);
                        }
                    }
                    case RECOVER -> lock.recover(Integer.parseInt(args[2]));
                    case TAKE_FROM_DEAD -> {
                        if (!lock.takeFromDead(Integer.parseInt(args[2]))) {
                            System.out.println("not taken from the dead");
                            System.exit(2);
                        }
                        lock.unlock();
                    }
                    case HAMMER -> hammer(lock, buffer, Integer.parseInt(args[2]));
                    case HELD -> {
                        System.out.println(HELD);
                        Thread.sleep(Long.MAX_VALUE);
                    }
                    default -> {
                        System.out.println("unknown step " + step);
                        System.exit(1);
                    }
                }
            }
            System.exit(0);
        }

        private static void hammer(SharedLock lock, SharedBuffer buffer, int slot) {
            int me = (int) ProcessHandle.current().pid();
            for (long i = 0; ; i++) {
                try {
                    lock.lock();
                } catch (OwnerDeadException e) {
                    lock.recover(e.deadPid());
                    buffer.getAndAddInt(RECOVERED, 1);
                    continue;
                }
                boolean remote = (i & 1) == 1;
                if (remote) {
                    lock.holdFor(REMOTE_HOLDER, System.currentTimeMillis() + 60_000);
                }
                buffer.putIntVolatile(INSIDE, me);
                buffer.getAndAddLong(PROGRESS + 8L * slot, 1);
                if (buffer.getIntVolatile(INSIDE) != me) {
                    System.out.println("two processes in the critical section");
                    System.exit(3);
                }
                if (remote) {
                    lock.unlockFor(REMOTE_HOLDER);
                } else {
                    lock.unlock();
                }
            }
        }
    }
}
