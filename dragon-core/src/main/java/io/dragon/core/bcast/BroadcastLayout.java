package io.dragon.core.bcast;

import io.dragon.core.locks.LockLayout;
import io.dragon.core.sync.SignalLayout;

/**
 * Layout of a {@link Broadcast}: one allocation in a pool, 64-byte aligned.
 *
 * <pre>
 *  offset  size
 *       0     8  magic "DRGNBCST", zeroed on destroy
 *       8     8  serial: random, also in the descriptor (a stale descriptor never attaches to a reused block)
 *      16     4  maximum payload length
 *      20     4  length of the payload in the payload area
 *      24     8  (padding)
 *      32     8  waiting: registered waiters, including those that have not collected a grant yet
 *      40     8  grants: waiters the last trigger released that have not collected the payload yet
 *      48     8  round: bumped by every trigger that releases someone; a waiter may only take a grant of a
 *                round later than the one it registered in
 *      56     8  users: threads inside calls that may block, so that destroy can wait for them to leave
 *      64    64  {@link LockLayout lock} guarding payload, waiting, grants and round
 *     128     8  {@link SignalLayout signal} "triggered": waiters sleep here
 *     136     8  {@link SignalLayout signal} "collected": triggers sleep here until grants is 0
 *     144    48  (padding to the cache line)
 *     192     n  payload area (maximum payload length bytes)
 * </pre>
 */
public final class BroadcastLayout {
    public static final long MAGIC = 0x545343424E475244L; // "DRGNBCST" little-endian

    public static final int MAGIC_OFFSET = 0;
    public static final int SERIAL_OFFSET = 8;
    public static final int MAX_PAYLOAD_OFFSET = 16;
    public static final int PAYLOAD_LENGTH_OFFSET = 20;
    public static final int WAITING_OFFSET = 32;
    public static final int GRANTS_OFFSET = 40;
    public static final int ROUND_OFFSET = 48;
    public static final int USERS_OFFSET = 56;
    public static final int LOCK_OFFSET = 64;
    public static final int TRIGGERED_SIGNAL_OFFSET = LOCK_OFFSET + LockLayout.LENGTH;
    public static final int COLLECTED_SIGNAL_OFFSET = TRIGGERED_SIGNAL_OFFSET + SignalLayout.LENGTH;
    public static final int PAYLOAD_OFFSET = 192;

    static {
        if (LOCK_OFFSET % LockLayout.ALIGNMENT != 0 || COLLECTED_SIGNAL_OFFSET + SignalLayout.LENGTH > PAYLOAD_OFFSET) {
            throw new AssertionError("broadcast header fields overlap or are misaligned");
        }
    }

    /** The allocation size of a broadcast whose payloads hold at most {@code maxPayload} bytes. */
    public static long length(int maxPayload) {
        return PAYLOAD_OFFSET + (long) maxPayload;
    }

    private BroadcastLayout() {
    }
}
