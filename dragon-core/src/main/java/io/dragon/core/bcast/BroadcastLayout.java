package io.dragon.core.bcast;

import io.dragon.core.locks.LockLayout;
import io.dragon.core.shm.ObjectHeader;
import io.dragon.core.sync.SignalLayout;

/**
 * Layout of a {@link Broadcast}: one allocation in a pool, 64-byte aligned.
 *
 * <pre>
 *  offset  size
 *       0    16  {@link ObjectHeader header}: magic {@link ObjectHeader#BROADCAST}, serial (also in the descriptor)
 *      16     4  maximum payload length
 *      20     4  length of the payload in the payload area
 *      24     4  maximum waiters: the number of waiter slots
 *      28     4  (padding)
 *      32     8  waiting: occupied waiter slots (a cache of the slots, recounted by a repair)
 *      40     8  grants: granted slots whose waiter has not collected the payload yet (likewise)
 *      48     8  round: bumped by every trigger that releases someone; its commit
 *      56     8  users: threads inside calls that may block, so that destroy can wait for them to leave
 *      64    64  {@link LockLayout lock} guarding payload, slots, waiting, grants and round
 *     128     8  {@link SignalLayout signal} "triggered": waiters sleep here
 *     136     8  {@link SignalLayout signal} "collected": triggers sleep here until grants is 0
 *     144    48  (padding to the cache line)
 *     192  16*w  waiter slots, w = maximum waiters:
 *                  0  4  pid of the waiting thread's process, 0 if the slot is free
 *                  4  4  (padding)
 *                  8  8  0 while waiting; once released, the round of the trigger that released it
 *  192+16w    n  payload area (maximum payload length bytes)
 * </pre>
 *
 * <p>Crash safety: everything is changed under the lock, which the next locker takes over from a dead holder
 * ({@link io.dragon.core.locks.SharedLock#lock(io.dragon.core.sync.WaitMode, long, Runnable)}) before it repairs:
 * slots granted a round later than the current one belong to a trigger that died before its commit (the round
 * store, its last write) and go back to waiting; slots of dead processes are freed; waiting and grants are recounted
 * from the slots. A trigger starts only when grants is 0, so the payload area it writes is unused until its commit. A
 * waiter that dies while registered leaves its slot to a repair: a trigger that waits for grants to be collected
 * repairs every 100 ms, a registration that finds no free slot repairs first, and triggerOne grants only a live
 * waiter. Nothing is allocated in the pool by these operations, so nothing leaks.
 */
public final class BroadcastLayout {
    public static final int MAX_PAYLOAD_OFFSET = ObjectHeader.LENGTH;
    public static final int PAYLOAD_LENGTH_OFFSET = 20;
    public static final int MAX_WAITERS_OFFSET = 24;
    public static final int WAITING_OFFSET = 32;
    public static final int GRANTS_OFFSET = 40;
    public static final int ROUND_OFFSET = 48;
    public static final int USERS_OFFSET = 56;
    public static final int LOCK_OFFSET = 64;
    public static final int TRIGGERED_SIGNAL_OFFSET = LOCK_OFFSET + LockLayout.LENGTH;
    public static final int COLLECTED_SIGNAL_OFFSET = TRIGGERED_SIGNAL_OFFSET + SignalLayout.LENGTH;
    public static final int SLOTS_OFFSET = 192;
    public static final int SLOT_LENGTH = 16;
    public static final int SLOT_PID_OFFSET = 0;
    public static final int SLOT_GRANTED_OFFSET = 8;

    static {
        if (LOCK_OFFSET % LockLayout.ALIGNMENT != 0 || COLLECTED_SIGNAL_OFFSET + SignalLayout.LENGTH > SLOTS_OFFSET) {
            throw new AssertionError("broadcast header fields overlap or are misaligned");
        }
    }

    /** Where the payload area of a broadcast with {@code maxWaiters} waiter slots starts. */
    public static long payloadOffset(int maxWaiters) {
        return SLOTS_OFFSET + (long) SLOT_LENGTH * maxWaiters;
    }

    /** The allocation size of a broadcast with {@code maxWaiters} waiter slots and payloads of {@code maxPayload}. */
    public static long length(int maxPayload, int maxWaiters) {
        return payloadOffset(maxWaiters) + maxPayload;
    }

    private BroadcastLayout() {
    }
}
