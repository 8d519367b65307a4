package io.dragon.core.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dragon.core.memory.PoolDescriptor;
import io.dragon.core.shm.SharedBuffer;
import io.dragon.core.shm.SharedMemory;
import io.dragon.core.testing.ChildJvm;
import io.dragon.core.testing.LeakCheck;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

@ExtendWith(LeakCheck.class)
class SignalTest {
    private static final int SIGNAL = 64;
    private static final int FLAG = 128;
    private static final int PING = 192;
    private static final int PONG = 256;

    private SharedMemory memory;
    private SharedBuffer buffer;
    private Signal signal;
    private ExecutorService executor;

    /** Ready when the int at the offset given as argument is non-zero. */
    private final Readiness flagSet = offset -> buffer.getIntVolatile(offset) != 0;

    @BeforeEach
    void createSegment() {
        memory = SharedMemory.create(PoolDescriptor.segmentPrefix(ChildJvm.uniqueRuntimeId()) + "0", 4096);
        buffer = memory.buffer();
        signal = new Signal(buffer, SIGNAL);
        executor = Executors.newCachedThreadPool();
    }

    @AfterEach
    void removeSegment() throws InterruptedException {
        executor.shutdownNow();
        assertThat(executor.awaitTermination(30, TimeUnit.SECONDS)).as("test threads ended").isTrue();
        SharedMemory.unlink(memory.name());
        memory.close();
    }

    @Test
    void shouldRejectMisalignedSignal() {
        assertThatThrownBy(() -> new Signal(buffer, 2)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @EnumSource(WaitMode.class)
    void shouldReturnAtOnceWhenAlreadyReadyEvenPastDeadline(WaitMode mode) throws InterruptedException {
        buffer.putIntVolatile(FLAG, 1);

        assertThat(signal.await(flagSet, FLAG, mode, System.nanoTime() - 1)).isTrue();
        assertThat(signal.await(flagSet, FLAG, mode, Deadline.FOREVER)).isTrue();
    }

    @ParameterizedTest
    @EnumSource(WaitMode.class)
    void shouldReturnFalseWhenDeadlinePasses(WaitMode mode) throws InterruptedException {
        long start = System.nanoTime();

        assertThat(signal.await(flagSet, FLAG, mode, Deadline.after(100, TimeUnit.MILLISECONDS))).isFalse();

        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(100));
        assertThat(sleepers()).isZero();
    }

    @Test
    void shouldWakeSleepingWaiter() throws Exception {
        Future<Boolean> waiter = executor.submit(() -> signal.await(flagSet, FLAG, WaitMode.SLEEP,
            Deadline.after(60, TimeUnit.SECONDS)));
        awaitSleepers(1);

        buffer.putIntVolatile(FLAG, 1);
        signal.signal();

        assertThat(waiter.get(60, TimeUnit.SECONDS)).isTrue();
        assertThat(sleepers()).isZero();
    }

    /** A thread asleep shows WAITING (no deadline) or TIMED_WAITING, parked on the signal, as j.u.c. waits do. */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void shouldShowASleepingThreadWaitingParkedOnTheSignal(boolean timed) throws Exception {
        AtomicReference<Thread> thread = new AtomicReference<>();
        Future<Boolean> waiter = executor.submit(() -> {
            thread.set(Thread.currentThread());
            return signal.await(flagSet, FLAG, WaitMode.ADAPTIVE, timed ? Deadline.after(60, TimeUnit.SECONDS)
                : Deadline.FOREVER);
        });
        awaitSleepers(1);
        Thread.State expected = timed ? Thread.State.TIMED_WAITING : Thread.State.WAITING;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (thread.get().getState() != expected && System.nanoTime() < deadline) {
            Thread.sleep(1); // between its sleeps of 50 ms, the thread runs for a moment
        }
        assertThat(thread.get().getState()).isEqualTo(expected);
        assertThat(LockSupport.getBlocker(thread.get())).isSameAs(signal);

        buffer.putIntVolatile(FLAG, 1);
        signal.signal();
        assertThat(waiter.get(60, TimeUnit.SECONDS)).isTrue();
        assertThat(sleepers()).isZero();
    }

    @Test
    void shouldEndASleepAtOnceWhenInterrupted() throws Exception {
        AtomicReference<Thread> thread = new AtomicReference<>();
        Future<Boolean> waiter = executor.submit(() -> {
            thread.set(Thread.currentThread());
            return signal.await(flagSet, FLAG, WaitMode.SLEEP, Deadline.FOREVER);
        });
        awaitSleepers(1);
        thread.get().interrupt();
        assertThatThrownBy(() -> waiter.get(60, TimeUnit.SECONDS)).hasCauseInstanceOf(InterruptedException.class);
        assertThat(sleepers()).isZero();
    }

    @Test
    void shouldBumpFutexWordOnlyWhenSleeperAnnounced() {
        int sequence = sequence();
        signal.signal();
        assertThat(sequence()).as("nobody asleep: no system call, no bump").isEqualTo(sequence);

        buffer.getAndAddInt(SIGNAL + SignalLayout.SLEEPERS_OFFSET, 1); // as a waiter does before it sleeps
        signal.signal();
        assertThat(sequence()).as("a sleeper: the word changes, so its futex wait cannot miss the wake")
            .isEqualTo(sequence + 1);
        buffer.getAndAddInt(SIGNAL + SignalLayout.SLEEPERS_OFFSET, -1);
    }

    @Test
    void shouldWakeEverySleepingWaiter() throws Exception {
        List<Future<Boolean>> waiters = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            waiters.add(executor.submit(() -> signal.await(flagSet, FLAG, WaitMode.SLEEP,
                Deadline.after(60, TimeUnit.SECONDS))));
        }
        awaitSleepers(3);

        buffer.putIntVolatile(FLAG, 1);
        signal.signal();

        for (Future<Boolean> waiter : waiters) {
            assertThat(waiter.get(60, TimeUnit.SECONDS)).isTrue();
        }
    }

    @ParameterizedTest
    @EnumSource(WaitMode.class)
    void shouldDeliverToWaiterInEveryMode(WaitMode mode) throws Exception {
        Future<Boolean> waiter = executor.submit(() -> signal.await(flagSet, FLAG, mode,
            Deadline.after(60, TimeUnit.SECONDS)));
        Thread.sleep(20);

        buffer.putIntVolatile(FLAG, 1);
        signal.signal();

        assertThat(waiter.get(60, TimeUnit.SECONDS)).isTrue();
    }

    @ParameterizedTest
    @EnumSource(WaitMode.class)
    void shouldThrowInterruptedExceptionWhenInterrupted(WaitMode mode) throws Exception {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread waiter = new Thread(() -> {
            try {
                signal.await(flagSet, FLAG, mode, Deadline.FOREVER);
                thrown.set(new AssertionError("returned without the flag"));
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        waiter.start();
        Thread.sleep(20);

        waiter.interrupt();
        waiter.join(30_000);

        assertThat(waiter.isAlive()).isFalse();
        assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
        assertThat(sleepers()).isZero();
    }

    @Test
    void shouldPingPongWithoutLosingWakeUps() throws Exception {
        int rounds = 2_000;
        Signal pongSignal = new Signal(buffer, SIGNAL + 8);
        // ping holds the round the main thread sent last, pong the round the partner answered.
        Readiness pingArrived = round -> buffer.getIntVolatile(PING) == round;
        Readiness pongArrived = round -> buffer.getIntVolatile(PONG) == round;
        Future<?> partner = executor.submit(() -> {
            for (int round = 1; round <= rounds; round++) {
                if (!signal.await(pingArrived, round, WaitMode.SLEEP, Deadline.after(60, TimeUnit.SECONDS))) {
                    throw new AssertionError("ping " + round + " never arrived");
                }
                buffer.putIntVolatile(PONG, round);
                pongSignal.signal();
            }
            return null;
        });

        for (int round = 1; round <= rounds; round++) {
            buffer.putIntVolatile(PING, round);
            signal.signal();
            assertThat(pongSignal.await(pongArrived, round, WaitMode.SLEEP, Deadline.after(60, TimeUnit.SECONDS)))
                .as("pong %d", round).isTrue();
        }
        partner.get(60, TimeUnit.SECONDS);
    }

    @Test
    void shouldUseLittleCpuWhileSleeping() throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        if (!threads.isCurrentThreadCpuTimeSupported()) {
            return;
        }
        Future<long[]> waiter = executor.submit(() -> {
            long cpuBefore = threads.getCurrentThreadCpuTime() + helpersCpu(threads);
            long wallBefore = System.nanoTime();
            signal.await(flagSet, FLAG, WaitMode.SLEEP, Deadline.after(1, TimeUnit.SECONDS));
            return new long[] {threads.getCurrentThreadCpuTime() + helpersCpu(threads) - cpuBefore,
                System.nanoTime() - wallBefore};
        });

        long[] cpuAndWall = waiter.get(60, TimeUnit.SECONDS);

        // A spinning waiter would burn about the whole second; a sleeping one (and the helper that sleeps on the
        // futex for it, see ParkedSleep) wakes 20 times to re-check.
        assertThat(cpuAndWall[0]).as("CPU ns used in %d ns of waiting", cpuAndWall[1])
            .isLessThan(cpuAndWall[1] / 4);
    }

    /** CPU time of the threads that sleep on futexes for parked threads (ParkedSleep). */
    private static long helpersCpu(ThreadMXBean threads) {
        long cpu = 0;
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.getName().equals("dragon-futex-sleep")) {
                cpu += Math.max(0, threads.getThreadCpuTime(thread.getId()));
            }
        }
        return cpu;
    }

    @Test
    void shouldComputeDeadlines() {
        assertThat(Deadline.after(Long.MAX_VALUE, TimeUnit.NANOSECONDS)).isEqualTo(Deadline.FOREVER);
        assertThat(Deadline.after(365, TimeUnit.DAYS)).isNotEqualTo(Deadline.FOREVER);
        assertThat(Deadline.remaining(Deadline.FOREVER)).isEqualTo(Long.MAX_VALUE);
        assertThat(Deadline.hasPassed(Deadline.FOREVER)).isFalse();
        assertThat(Deadline.hasPassed(Deadline.after(-5, TimeUnit.SECONDS))).isTrue();
        assertThat(Deadline.hasPassed(Deadline.after(1, TimeUnit.HOURS))).isFalse();
        assertThat(Deadline.remaining(Deadline.after(1, TimeUnit.HOURS))).isPositive();
    }

    // ---- helpers

    private int sequence() {
        return buffer.getIntVolatile(SIGNAL + SignalLayout.SEQUENCE_OFFSET);
    }

    private int sleepers() {
        return buffer.getIntVolatile(SIGNAL + SignalLayout.SLEEPERS_OFFSET);
    }

    private void awaitSleepers(int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (sleepers() < count) {
            assertThat(System.nanoTime() - deadline).as("%d waiters asleep", count).isNegative();
            Thread.sleep(1);
        }
    }
}
