package io.dragon;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * Renews the leases of the locks this process holds on other nodes (see {@link Lock}), on one daemon thread,
 * every third of {@link Lock#LEASE_MILLIS}. A lock that cannot be renewed (destroyed, or its node gone) is
 * dropped from the list; its lease then runs out there, as it should.
 */
final class LeaseRenewal {
    private static final Map<Long, Lock> HELD = new ConcurrentHashMap<>();
    private static Thread renewer;

    private LeaseRenewal() {
    }

    static synchronized void held(Lock lock) {
        HELD.put(lock.id(), lock);
        if (renewer == null) {
            renewer = new Thread(LeaseRenewal::renewForever, "dragon-lock-leases");
            renewer.setDaemon(true);
            renewer.start();
        }
    }

    static void released(Lock lock) {
        HELD.remove(lock.id());
    }

    private static void renewForever() {
        for (;;) {
            LockSupport.parkNanos(Lock.LEASE_MILLIS * 1_000_000L / 3);
            for (Lock lock : HELD.values()) {
                try {
                    lock.renewLease();
                } catch (RuntimeException e) {
                    HELD.remove(lock.id(), lock);
                }
            }
        }
    }
}
