package io.dragon.it.api;

import static io.dragon.it.api.Checks.expect;
import static io.dragon.it.api.Checks.expectEquals;
import static io.dragon.it.api.Checks.expectThrows;

import io.dragon.Event;
import io.dragon.Lock;
import io.dragon.Policy;
import io.dragon.Process;
import io.dragon.ProcessTemplate;
import io.dragon.SerializableRunnable;
import io.dragon.SharedLongArray;
import io.dragon.SharedObject;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Processes that do not hold a {@link Lock} unlock it while its holder is in its critical section, with a waiter
 * queued behind the holder: each must get {@code IllegalMonitorStateException}, the holder keeps the lock (the
 * waiter gets in only once the holder has left), and the holder's own unlock goes through. For SyncChecks (every
 * process on one node) and MultiNodeChecks (the processes on other nodes than the lock, which lives on the head's).
 */
final class NonHolderUnlock {
    /** Exit code of an intruder whose unlock was refused, as it should be. */
    private static final int REFUSED = 42;
    /** Exit code of a waiter that got the lock while the holder was still in its critical section. */
    private static final int ENTERED_TOO_EARLY = 5;
    private static final long WAIT_SECONDS = 60;

    private NonHolderUnlock() {
    }

    /** Runs the scenario: the holder, the waiter and one intruder per policy of {@code intruders} placed so. */
    static void run(Policy holderAt, Policy waiterAt, Policy... intruders) throws InterruptedException {
        Lock lock = Lock.create();
        Event held = Event.create();
        Event waiting = Event.create();
        Event leave = Event.create();
        SharedLongArray holderLeft = SharedLongArray.create(1);
        Process holder = start(holderAt, () -> {
            lock.lock();
            try {
                held.set();
                leave.await(WAIT_SECONDS, TimeUnit.SECONDS);
                holderLeft.set(0, 1);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            } finally {
                lock.unlock();
            }
        });
        expect(held.await(WAIT_SECONDS, TimeUnit.SECONDS), "the holder to take the lock");
        Process waiter = start(waiterAt, () -> {
            waiting.set();
            lock.lock();
            try {
                if (holderLeft.get(0) != 1) {
                    System.exit(ENTERED_TOO_EARLY);
                }
            } finally {
                lock.unlock();
            }
        });
        expect(waiting.await(WAIT_SECONDS, TimeUnit.SECONDS), "the waiter to start");
        Thread.sleep(200); // so that it waits in lock() (if not, the checks below still catch a wrong release)

        for (Policy placement : intruders) {
            Process intruder = start(placement, () -> {
                try {
                    lock.unlock();
                } catch (IllegalMonitorStateException e) {
                    System.out.println("refused as it should be: " + e.getMessage());
                    System.exit(REFUSED);
                }
            });
            expectEquals(REFUSED, intruder.join(), "exit code of " + intruder + ", which unlocked a lock it did"
                + " not hold (" + REFUSED + ": refused)");
        }
        expectThrows(IllegalMonitorStateException.class, () -> {
            lock.unlock();
            return null;
        });
        expect(!lock.tryLock(), "the lock still held after the unlocks of processes that did not hold it");

        leave.set();
        expectEquals(0, holder.join(), "exit code of the holder (its own unlock went through)");
        expectEquals(0, waiter.join(), "exit code of the waiter (" + ENTERED_TOO_EARLY + ": it got the lock while"
            + " the holder was still in its critical section)");
        expect(!lock.isLocked(), "the lock free at the end");
        for (SharedObject object : List.of(lock, held, waiting, leave, holderLeft)) {
            object.destroy();
        }
    }

    private static Process start(Policy placement, SerializableRunnable body) {
        return Process.start(ProcessTemplate.of(body).withPolicy(placement));
    }
}
