package io.dragon.it.api;

import io.dragon.Barrier;
import io.dragon.Event;
import io.dragon.Lock;
import io.dragon.LockOwnerDeadException;
import io.dragon.ObjectNotFoundException;
import io.dragon.Policy;
import io.dragon.Process;
import io.dragon.Semaphore;
import io.dragon.SerializableRunnable;
import io.dragon.SharedLongArray;
import io.dragon.SharedObject;
import io.dragon.internal.Services;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Lock, Semaphore, Barrier and Event across processes. */
public final class SyncChecks extends Checks {
    private static final int PROCESSES = 4;
    private static final int ROUNDS = 2_000;

    public static void main(String[] args) {
        new SyncChecks().run();
    }

    private void run() {
        check("a Lock excludes: 4 processes add to an unprotected counter without losing an update", () -> {
            Lock lock = Lock.create();
            SharedLongArray counter = SharedLongArray.create(1);
            runAll(lockedIncrements(lock, counter, ROUNDS));
            expectEquals((long) PROCESSES * ROUNDS, counter.get(0), "counter");
            lock.destroy();
            counter.destroy();
        });
        check("a Semaphore of one permit excludes likewise", () -> {
            Semaphore semaphore = Semaphore.create(1);
            SharedLongArray counter = SharedLongArray.create(1);
            runAll(() -> {
                try {
                    for (int i = 0; i < ROUNDS; i++) {
                        semaphore.acquire();
                        try {
                            counter.set(0, counter.get(0) + 1);
                        } finally {
                            semaphore.release();
                        }
                    }
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            expectEquals((long) PROCESSES * ROUNDS, counter.get(0), "counter");
            expectEquals(1L, semaphore.availablePermits(), "permits");
            semaphore.destroy();
            counter.destroy();
        });
        check("a Barrier holds every round until all 4 processes arrive", () -> {
            int rounds = 50;
            Barrier barrier = Barrier.create(PROCESSES);
            SharedLongArray arrivals = SharedLongArray.create(rounds);
            runAll(() -> {
                try {
                    for (int round = 0; round < rounds; round++) {
                        arrivals.getAndAdd(round, 1);
                        barrier.await();
                        if (arrivals.get(round) != PROCESSES) {
                            throw new AssertionError("round " + round + " released with " + arrivals.get(round));
                        }
                        barrier.await(); // nobody starts the next round before all have checked this one
                    }
                } catch (InterruptedException | BrokenBarrierException e) {
                    throw new IllegalStateException(e);
                }
            });
            barrier.destroy();
            arrivals.destroy();
        });
        check("a Barrier that times out is broken for the others until reset", () -> {
            Barrier barrier = Barrier.create(3);
            Process other = Process.start(() -> {
                try {
                    barrier.await();
                    throw new AssertionError("the barrier should have broken");
                } catch (BrokenBarrierException expected) {
                    // the head timed out
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            while (barrier.getNumberWaiting() < 1) {
                Thread.sleep(10);
            }
            expectThrows(TimeoutException.class, () -> barrier.await(100, TimeUnit.MILLISECONDS));
            expect(barrier.isBroken(), "broken");
            expectEquals(0, other.join(), "the other party saw it broken");
            expectThrows(BrokenBarrierException.class, barrier::await);
            barrier.reset();
            expect(!barrier.isBroken(), "not broken after reset");
            barrier.destroy();
        });
        check("an Event wakes a waiting process; await times out while clear", () -> {
            Event event = Event.create("go");
            expect(!event.await(50, TimeUnit.MILLISECONDS), "a timed await on a clear event to fail");
            Process waiter = Process.start(() -> {
                try {
                    if (!Event.lookup("go").await(30, TimeUnit.SECONDS)) {
                        throw new AssertionError("not set in time");
                    }
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(200);
            event.set();
            expectEquals(0, waiter.join(), "waiter exit code");
            expect(event.isSet(), "set");
            event.clear();
            expect(!event.isSet(), "cleared");
            event.destroy();
        });
        check("tryLock with timeout fails while another process holds the lock", () -> {
            Lock lock = Lock.create();
            Event held = Event.create();
            Event release = Event.create();
            Process holder = Process.start(() -> {
                lock.lock();
                try {
                    held.set();
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                } finally {
                    lock.unlock();
                }
            });
            held.await(30, TimeUnit.SECONDS);
            expect(!lock.tryLock(), "tryLock to fail");
            expect(!lock.tryLock(100, TimeUnit.MILLISECONDS), "a timed tryLock to fail");
            release.set();
            expect(lock.tryLock(30, TimeUnit.SECONDS), "the lock once released");
            lock.unlock();
            expectEquals(0, holder.join(), "holder exit code");
            lock.destroy();
            held.destroy();
            release.destroy();
        });
        check("unlock by processes that do not hold a lock is refused; the holder keeps it and a waiter stays out",
            () -> NonHolderUnlock.run(Policy.anywhere(), Policy.anywhere(), Policy.anywhere(), Policy.anywhere()));
        check("a lock whose holder died is reported to the next waiter, who can recover it", () -> {
            Lock lock = Lock.create();
            Event held = Event.create();
            Process holder = Process.start(() -> {
                lock.lock();
                held.set();
                try {
                    Thread.sleep(60_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            held.await(30, TimeUnit.SECONDS);
            holder.kill();
            holder.join();
            LockOwnerDeadException dead = expectThrows(LockOwnerDeadException.class, () -> {
                lock.lock();
                return null;
            });
            expectEquals((int) holder.pid(), dead.deadPid(), "the dead holder's pid");
            lock.recover(dead.deadPid());
            expect(lock.tryLock(), "the lock after recovery");
            lock.unlock();
            lock.destroy();
            held.destroy();
        });
        check("objects created with Policy.local() or node(0) live here as before; a node the runtime lacks is"
            + " refused, naming how many it has", () -> {
            Lock lock = Lock.create("local-lock", Policy.local());
            SharedLongArray counter = SharedLongArray.create(1, Policy.node(0));
            Semaphore permits = Semaphore.create(0, Policy.local());
            Event go = Event.create("local-go", Policy.node(0));
            Barrier barrier = Barrier.create(PROCESSES, Policy.node(0));
            runAll(() -> {
                try {
                    lockedIncrements(Lock.lookup("local-lock"), counter, ROUNDS).run();
                    permits.release();
                    Event.lookup("local-go").await();
                    barrier.await();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, () -> {
                expect(permits.tryAcquire(PROCESSES, 60, TimeUnit.SECONDS), "a permit from each process");
                go.set();
            });
            expectEquals((long) PROCESSES * ROUNDS, counter.get(0), "counter");
            long allocations = Services.defaultPool().allocationCount();
            for (SharedObject object : List.of(lock, counter, permits, go, barrier)) {
                object.destroy();
            }
            expectEquals(allocations - 5, Services.defaultPool().allocationCount(), "allocations of this node's"
                + " default pool after the destroys");
            Lock.create("local-lock", Policy.local()).destroy(); // its name free again
            ObjectNotFoundException refused = expectThrows(ObjectNotFoundException.class,
                () -> Lock.create(Policy.node(1)));
            expectEquals("no node 1: the runtime has 1 node (0..0)", refused.getMessage(), "the refusal");
        });
        finish();
    }

    /** Runs {@code body} in 4 processes at once and checks they all exit with 0. */
    private static void runAll(SerializableRunnable body) throws Exception {
        runAll(body, () -> { });
    }

    /** Starts {@link #PROCESSES} processes running {@code body}, runs {@code meanwhile} here, then joins them. */
    private static void runAll(SerializableRunnable body, Body meanwhile) throws Exception {
        List<Process> processes = new ArrayList<>();
        for (int i = 0; i < PROCESSES; i++) {
            processes.add(Process.start(body));
        }
        meanwhile.run();
        for (Process process : processes) {
            expectEquals(0, process.join(), "exit code of " + process);
        }
    }
}
