package io.dragon.core.locks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

@ExtendWith(LeakCheck.class)
class SharedLockTest {
    /** Layout of the test's allocation: the lock, then (past it) fields it protects and a start gate for children. */
    private static final int LOCK = 0;
    private static final int PRIORITY = LOCK + LockLayout.PRIORITY_OFFSET;
    private static final int COUNTER = 512;
    private static final int OWNER = COUNTER + 8;
    private static final int READY = COUNTER + 16;
    private static final int START = COUNTER + 24;
    private static final int ALLOCATION_SIZE = 1024;

    private static final int MY_PID = (int) ProcessHandle.current().pid();
    /** Processes of other nodes for which this one (as a transport agent would) holds the lock. */
    private static final long REMOTE_HOLDER = SharedLock.remoteHolder(1, 4242);
    private static final long OTHER_REMOTE_PROCESS = SharedLock.remoteHolder(2, 4242);
    private static final Duration CHILD_TIMEOUT = Duration.ofSeconds(60);
    private static final long JOIN_MILLIS = 30_000;

    private MemoryPool pool;
    private Allocation allocation;
    private SharedBuffer buffer;
    private SharedLock lock;
    private ExecutorService executor;

    @BeforeEach
    void createLock() {
        assertThat(LockLayout.LENGTH).as("the lock fits before the fields it protects").isLessThanOrEqualTo(COUNTER);
        pool = MemoryPool.create(ChildJvm.uniqueRuntimeId(), 1, 64 * 1024);
        allocation = pool.allocate(ALLOCATION_SIZE);
        buffer = allocation.buffer();
        buffer.setMemory(0, ALLOCATION_SIZE, (byte) 0);
        SharedLock.initialize(buffer, LOCK);
        lock = new SharedLock(buffer, LOCK, "test lock");
        executor = Executors.newCachedThreadPool();
    }

    @AfterEach
    void destroyPool() throws InterruptedException {
        executor.shutdownNow();
        assertThat(executor.awaitTermination(30, TimeUnit.SECONDS)).as("test threads ended").isTrue();
        pool.destroy(); // works even if a killed child held the pool's lock
    }

    @Test
    void shouldRejectMisalignedLock() {
        assertThatThrownBy(() -> new SharedLock(buffer, 8, "misaligned")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldLockAndUnlock() {
        assertThat(lock.isLocked()).isFalse();
        assertThat(lock.holderPid()).isZero();

        lock.lock();

        assertThat(lock.isLocked()).isTrue();
        assertThat(lock.holderPid()).isEqualTo(ProcessHandle.current().pid());
        lock.unlock();
        assertThat(lock.isLocked()).isFalse();
        assertThat(lock.holderPid()).isZero();
        assertThat(lock.tryLock()).isTrue();
        lock.unlock();
    }

    /** A lock held for a process elsewhere (a transport agent's) whose lease runs out counts as held by the dead. */
    @Test
    void shouldReportAnExpiredLeaseAsADeadHolderAndLetItBeRecovered() throws Exception {
        lock.lock();
        lock.holdFor(REMOTE_HOLDER, System.currentTimeMillis() + 60_000);
        assertThat(executor.submit(() -> lock.lock(WaitMode.SLEEP, Deadline.after(300, TimeUnit.MILLISECONDS)))
            .get()).as("a live lease: the waiter times out").isFalse();

        lock.renewLease(REMOTE_HOLDER, System.currentTimeMillis() + 200);
        assertThatThrownBy(() -> executor.submit(() -> lock.lock(WaitMode.SLEEP, Deadline.after(10, TimeUnit.SECONDS)))
            .get()).cause().isInstanceOf(OwnerDeadException.class);

        lock.recover(MY_PID);
        assertThat(lock.isLocked()).isFalse();
        assertThat(lock.remoteHolder()).isZero();
        assertThat(lock.tryLock()).as("free, and the next holder has no lease").isTrue();
        Thread.sleep(300);
        assertThat(executor.submit(() -> lock.lock(WaitMode.SLEEP, Deadline.after(300, TimeUnit.MILLISECONDS)))
            .get()).isFalse();
        lock.unlock();
    }

    @Test
    void shouldTryLockOnlyWhenFree() throws Exception {
        assertThat(lock.tryLock()).isTrue();

        assertThat(executor.submit(lock::tryLock).get()).isFalse();
        assertThat(lock.tryLock()).isFalse(); // not reentrant
        assertThat(lock.isLocked()).isTrue();

        lock.unlock();
        assertThat(executor.submit(() -> {
            boolean taken = lock.tryLock();
            lock.unlock();
            return taken;
        }).get()).isTrue();

        // A free lock is not taken by tryLock while a waiter holds priority.
        buffer.putIntVolatile(PRIORITY, MY_PID);
        assertThat(lock.tryLock()).isFalse();
        buffer.putIntVolatile(PRIORITY, 0);
        assertThat(lock.tryLock()).isTrue();
        lock.unlock();
    }

    @Test
    void shouldRejectUnlockOfFreeLock() {
        assertThatThrownBy(lock::unlock).isInstanceOf(IllegalMonitorStateException.class)
            .hasMessage("test lock is not locked, so this process (" + MY_PID + ") cannot unlock it");
        assertThatThrownBy(() -> lock.holdFor(REMOTE_HOLDER, System.currentTimeMillis() + 60_000))
            .as("held for another node by whoever does not hold it").isInstanceOf(IllegalMonitorStateException.class);
        assertThat(lock.isLocked()).isFalse();
        assertThat(lock.tryLock()).isTrue();
        lock.unlock();
    }

    /** A process that does not hold the lock cannot let a waiter in by unlocking it. */
    @Test
    void shouldRefuseUnlockByAThirdProcessAndKeepTheWaiterOut() throws Exception {
        try (ChildJvm holder = ChildJvm.start(Child.class, "hold", descriptorHex())) {
            int holderPid = (int) holder.pid();
            awaitHolder(holderPid, holder);
            Future<Boolean> waiter = executor.submit(() -> lock.lock(WaitMode.ADAPTIVE,
                Deadline.after(20, TimeUnit.SECONDS)));
            awaitPriorityClaimedBy(MY_PID);

            try (ChildJvm third = ChildJvm.start(Child.class, "unlock", descriptorHex())) {
                assertThat(third.awaitExit(CHILD_TIMEOUT)).as("exit code of the third process (0: refused); %s",
                    third.output()).isZero();
                assertThat(third.output()).contains("IllegalMonitorStateException", "test lock is held by process "
                    + holderPid + " of its own node, not by this process (" + third.pid() + ")");
            }

            assertThat(lock.holderPid()).as("the holder still holds it").isEqualTo(holderPid);
            Thread.sleep(300);
            assertThat(waiter).as("the waiter still waits").isNotDone();
            holder.kill();
            assertThatThrownBy(() -> waiter.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(
                OwnerDeadException.class);
        }
        lock.recover(lock.holderPid());
        assertThat(lock.isLocked()).isFalse();
    }

    /**
     * A lock that this process holds for a process of another node, as a transport agent does: only that process's
     * identity releases it or renews its lease, and only in this process; a release is not undone by a late renewal.
     */
    @Test
    void shouldReleaseALockHeldForAnotherNodeOnlyForItsHolder() throws Exception {
        lock.lock();
        lock.holdFor(REMOTE_HOLDER, System.currentTimeMillis() + 60_000);
        assertThat(lock.remoteHolder()).isEqualTo(REMOTE_HOLDER);

        assertThatThrownBy(() -> lock.unlockFor(OTHER_REMOTE_PROCESS)).isInstanceOf(
            IllegalMonitorStateException.class).hasMessage("test lock is held by process 4242 of node 1, not by process"
            + " 4242 of node 2: only the process that locked it may unlock it");
        assertThatThrownBy(lock::unlock).as("not for this process itself").isInstanceOf(
            IllegalMonitorStateException.class).hasMessageContaining("held by process 4242 of node 1");
        assertThatThrownBy(() -> lock.renewLease(OTHER_REMOTE_PROCESS, System.currentTimeMillis() + 60_000))
            .isInstanceOf(IllegalMonitorStateException.class);
        try (ChildJvm third = ChildJvm.start(Child.class, "unlock", descriptorHex(), Long.toString(REMOTE_HOLDER))) {
            assertThat(third.awaitExit(CHILD_TIMEOUT)).as("exit code of a process that is not the agent (0: refused);"
                + " %s", third.output()).isZero();
        }
        assertThat(lock.holderPid()).isEqualTo(MY_PID);
        assertThat(lock.remoteHolder()).isEqualTo(REMOTE_HOLDER);
        assertThat(executor.submit(() -> lock.lock(WaitMode.SLEEP, Deadline.after(300, TimeUnit.MILLISECONDS)))
            .get()).as("a waiter stays out").isFalse();

        lock.renewLease(REMOTE_HOLDER, System.currentTimeMillis() + 60_000);
        lock.unlockFor(REMOTE_HOLDER);

        assertThat(lock.isLocked()).isFalse();
        assertThat(lock.remoteHolder()).isZero();
        assertThatThrownBy(() -> lock.unlockFor(REMOTE_HOLDER)).isInstanceOf(IllegalMonitorStateException.class)
            .hasMessage("test lock is not locked, so process 4242 of node 1 cannot unlock it");
        lock.lock();
        assertThatThrownBy(() -> lock.renewLease(REMOTE_HOLDER, System.currentTimeMillis() + 200)).as("a renewal"
            + " after the release").isInstanceOf(IllegalMonitorStateException.class);
        Thread.sleep(300);
        assertThat(executor.submit(() -> lock.lock(WaitMode.SLEEP, Deadline.after(300, TimeUnit.MILLISECONDS)))
            .get()).as("the next holder has no lease: it is not taken for dead").isFalse();
        lock.unlock();
    }

    @Test
    void shouldExcludeEachOtherAcrossThreads() throws Exception {
        int threads = 4;
        int iterations = 25_000;
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Integer>> results = new ArrayList<>();
        for (int t = 1; t <= threads; t++) {
            int id = t;
            results.add(executor.submit(() -> {
                start.await();
                return incrementUnderLock(lock, buffer, id, iterations);
            }));
        }
        start.countDown();

        for (Future<Integer> result : results) {
            assertThat(result.get(60, TimeUnit.SECONDS)).as("critical sections that overlapped").isZero();
        }
        assertThat(buffer.getLong(COUNTER)).isEqualTo((long) threads * iterations);
        assertThat(lock.isLocked()).isFalse();
    }

    @Test
    void shouldExcludeEachOtherAcrossProcesses() throws Exception {
        int processes = 3;
        int iterations = 20_000;
        List<ChildJvm> children = new ArrayList<>();
        try {
            for (int p = 1; p <= processes; p++) {
                children.add(ChildJvm.start(Child.class, "count", descriptorHex(), Integer.toString(iterations),
                    Integer.toString(p)));
            }
            // Let them all start at once, so that they contend.
            long deadline = System.nanoTime() + CHILD_TIMEOUT.toNanos();
            while (buffer.getIntVolatile(READY) < processes) {
                assertThat(System.nanoTime() - deadline).as("children attached").isNegative();
                children.forEach(c -> assertThat(c.isAlive()).as(c.output()).isTrue());
                Thread.sleep(5);
            }
            buffer.putIntVolatile(START, 1);
            for (ChildJvm child : children) {
                child.awaitSuccess(CHILD_TIMEOUT);
            }
        } finally {
            children.forEach(ChildJvm::close);
        }
        assertThat(buffer.getLong(COUNTER)).isEqualTo((long) processes * iterations);
        assertThat(lock.isLocked()).isFalse();
    }

    @ParameterizedTest
    @EnumSource(WaitMode.class)
    void shouldTimeOutAndNotBlockLaterLockers(WaitMode mode) throws Exception {
        lock.lock();

        long start = System.nanoTime();
        assertThat(executor.submit(() -> lock.lock(mode, Deadline.after(200, TimeUnit.MILLISECONDS))).get())
            .isFalse();
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(200));
        assertThat(priority()).as("the waiter that gave up dropped its priority claim").isZero();

        // A waiter that comes later gets the lock as soon as it is released.
        Future<Boolean> later = executor.submit(() -> {
            boolean taken = lock.lock(mode, Deadline.after(30, TimeUnit.SECONDS));
            lock.unlock();
            return taken;
        });
        awaitPriorityClaimedBy(MY_PID);
        lock.unlock();
        assertThat(later.get(30, TimeUnit.SECONDS)).isTrue();
        assertThat(lock.isLocked()).isFalse();
        assertThat(priority()).isZero();
        assertThat(lock.tryLock()).isTrue();
        lock.unlock();
    }

    @Test
    void shouldLeaveNothingBehindAfterManyTimeouts() throws Exception {
        lock.lock();
        for (int i = 0; i < 50; i++) {
            assertThat(lock.lock(WaitMode.SLEEP, Deadline.after(i % 3, TimeUnit.MILLISECONDS))).isFalse();
        }
        assertThat(lock.isLocked()).isTrue();
        assertThat(priority()).isZero();

        lock.unlock();

        assertThat(lock.isLocked()).isFalse();
        assertThat(lock.tryLock()).isTrue();
        lock.unlock();
    }


    @Test
    void shouldNotStarveWaiterWhileOthersHammer() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch running = new CountDownLatch(3);
        List<Future<Integer>> hammers = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            hammers.add(executor.submit(() -> {
                int taken = 0;
                lock.lock(); // once before the newcomer starts: else it may finish before this thread runs at all
                taken++;
                lock.unlock();
                running.countDown();
                while (!stop.get()) {
                    lock.lock();
                    taken++;
                    lock.unlock();
                }
                return taken;
            }));
        }
        running.await();

        // Whoever has waited a while claims priority, so a newcomer gets in while the others keep hammering.
        Future<Integer> newcomer = executor.submit(() -> {
            for (int i = 0; i < 200; i++) {
                lock.lock();
                lock.unlock();
            }
            return 200;
        });
        try {
            assertThat(newcomer.get(60, TimeUnit.SECONDS)).isEqualTo(200);
        } finally {
            stop.set(true);
        }
        for (Future<Integer> hammer : hammers) {
            assertThat(hammer.get(60, TimeUnit.SECONDS)).isPositive();
        }
        assertThat(lock.isLocked()).isFalse();
        assertThat(priority()).isZero();
    }

    @ParameterizedTest
    @EnumSource(WaitMode.class)
    void shouldGiveUpWhenInterrupted(WaitMode mode) throws Exception {
        lock.lock();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread waiter = new Thread(() -> {
            try {
                lock.lock(mode, Deadline.FOREVER);
                thrown.set(new AssertionError("lock taken while held"));
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        waiter.start();
        awaitPriorityClaimedBy(MY_PID);

        waiter.interrupt();
        waiter.join(JOIN_MILLIS);

        assertThat(waiter.isAlive()).isFalse();
        assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
        assertThat(priority()).as("priority claim dropped").isZero();
        lock.unlock();
        assertThat(lock.isLocked()).isFalse();
        assertThat(lock.tryLock()).isTrue();
        lock.unlock();
    }

    @Test
    void shouldWrapInterruptOfUninterruptibleLock() throws Exception {
        lock.lock();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicReference<Boolean> stillInterrupted = new AtomicReference<>();
        Thread waiter = new Thread(() -> {
            try {
                lock.lock();
            } catch (Throwable t) {
                thrown.set(t);
                stillInterrupted.set(Thread.currentThread().isInterrupted());
            }
        });
        waiter.start();
        awaitPriorityClaimedBy(MY_PID);

        waiter.interrupt();
        waiter.join(JOIN_MILLIS);

        assertThat(thrown.get()).isInstanceOf(IllegalStateException.class)
            .hasCauseInstanceOf(InterruptedException.class);
        assertThat(stillInterrupted.get()).isTrue();
        lock.unlock();
        assertThat(lock.isLocked()).isFalse();
    }

    @Test
    void shouldClearPriorityClaimOfDeadWaiter() throws Exception {
        lock.lock();
        try (ChildJvm waiter = ChildJvm.start(Child.class, "wait", descriptorHex())) {
            awaitPriorityClaimedBy((int) waiter.pid());
            waiter.kill();
        }
        lock.unlock();
        assertThat(lock.tryLock()).as("free, but a dead waiter still claims priority").isFalse();

        assertThat(lock.lock(WaitMode.ADAPTIVE, Deadline.after(30, TimeUnit.SECONDS))).isTrue();

        assertThat(priority()).isZero();
        lock.unlock();
        assertThat(lock.tryLock()).isTrue();
        lock.unlock();
    }

    @Test
    void shouldReportDeadHolderAndRecover() throws Exception {
        try (ChildJvm holder = ChildJvm.start(Child.class, "hold", descriptorHex())) {
            int holderPid = (int) holder.pid();
            awaitHolder(holderPid, holder);

            // Held by another process: this one may neither unlock nor recover it while the holder lives.
            assertThatThrownBy(lock::unlock).isInstanceOf(IllegalMonitorStateException.class);
            assertThatThrownBy(() -> lock.recover(holderPid)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("is alive");
            assertThat(lock.tryLock()).isFalse();

            // A waiter that queued while the holder lived learns of its death.
            Future<Boolean> waiter = executor.submit(() -> lock.lock(WaitMode.ADAPTIVE,
                Deadline.after(20, TimeUnit.SECONDS)));
            awaitPriorityClaimedBy(MY_PID);
            holder.kill();
            long killed = System.nanoTime();

            assertThatThrownBy(() -> waiter.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(
                OwnerDeadException.class).satisfies(e -> assertThat(((OwnerDeadException) e.getCause())
                .deadPid()).isEqualTo(holderPid));
            assertThat(System.nanoTime() - killed).as("detected well before the waiter's deadline")
                .isLessThan(TimeUnit.SECONDS.toNanos(15));
            assertThat(priority()).isZero();

            // So does one that arrives after the death.
            assertThatThrownBy(() -> lock.lock(WaitMode.SLEEP, Deadline.after(20, TimeUnit.SECONDS)))
                .isInstanceOf(OwnerDeadException.class);
            assertThat(lock.holderPid()).isEqualTo(holderPid);

            lock.recover(holderPid);

            assertThat(lock.lock(WaitMode.ADAPTIVE, Deadline.after(20, TimeUnit.SECONDS))).isTrue();
            assertThat(lock.holderPid()).isEqualTo(ProcessHandle.current().pid());
            lock.recover(holderPid); // no longer its holder: does nothing
            assertThat(lock.holderPid()).isEqualTo(ProcessHandle.current().pid());
            lock.unlock();
            assertThat(lock.isLocked()).isFalse();
        }
    }

    // ---- helpers

    /** Increments the shared counter non-atomically under the lock; returns how often another holder was seen. */
    static int incrementUnderLock(SharedLock lock, SharedBuffer buffer, int id, int iterations) {
        int overlaps = 0;
        for (int i = 0; i < iterations; i++) {
            lock.lock();
            try {
                buffer.putInt(OWNER, id);
                long value = buffer.getLong(COUNTER);
                if ((i & 7) == 0) {
                    Thread.onSpinWait();
                }
                buffer.putLong(COUNTER, value + 1);
                if (buffer.getInt(OWNER) != id) {
                    overlaps++;
                }
            } finally {
                lock.unlock();
            }
        }
        return overlaps;
    }

    private String descriptorHex() {
        return HexFormat.of().formatHex(allocation.descriptor().serialize());
    }

    private int priority() {
        return buffer.getIntVolatile(PRIORITY);
    }

    /** Waits until process {@code pid} has a waiter that claimed priority (it has waited for a while). */
    private void awaitPriorityClaimedBy(int pid) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (priority() != pid) {
            assertThat(System.nanoTime() - deadline).as("a waiter of %d claimed priority", pid).isNegative();
            Thread.sleep(1);
        }
    }

    private void awaitHolder(int pid, ChildJvm child) throws InterruptedException {
        long deadline = System.nanoTime() + CHILD_TIMEOUT.toNanos();
        while (lock.holderPid() != pid) {
            assertThat(child.isAlive()).as("child alive; output: %s", child.output()).isTrue();
            assertThat(System.nanoTime() - deadline).as("child took the lock").isNegative();
            Thread.sleep(5);
        }
    }

    /**
     * Child process side: "count" increments the shared counter under the lock; "hold" takes the lock and keeps it;
     * "wait" is the same, for a lock the parent holds (it waits until killed); "unlock" unlocks a lock it does not
     * hold (for the remote holder given, if one is), and exits with 0 if refused.
     */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            ChildJvm.exitWithParent();
            Allocation allocation = Allocation.attach(AllocationDescriptor.deserialize(HexFormat.of()
                .parseHex(args[1])));
            SharedBuffer buffer = allocation.buffer();
            SharedLock lock = new SharedLock(buffer, LOCK, "test lock");
            switch (args[0]) {
                case "count" -> {
                    buffer.getAndAddInt(READY, 1);
                    while (buffer.getIntVolatile(START) == 0) {
                        Thread.onSpinWait();
                    }
                    int overlaps = incrementUnderLock(lock, buffer, Integer.parseInt(args[3]),
                        Integer.parseInt(args[2]));
                    System.out.println("overlaps " + overlaps);
                    System.exit(overlaps == 0 ? 0 : 3);
                }
                case "unlock" -> {
                    try {
                        if (args.length > 2) {
                            lock.unlockFor(Long.parseLong(args[2]));
                        } else {
                            lock.unlock();
                        }
                        System.out.println("unlocked a lock it did not hold");
                        System.exit(3);
                    } catch (IllegalMonitorStateException e) {
                        System.out.println(e);
                        System.exit(0);
                    }
                }
                case "hold", "wait" -> {
                    lock.lock();
                    System.out.println("locked");
                    Thread.sleep(Long.MAX_VALUE);
                }
                default -> {
                    System.out.println("unknown scenario " + args[0]);
                    System.exit(1);
                }
            }
        }
    }
}
