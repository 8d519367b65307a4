package io.dragon.core.channels;

import io.dragon.core.infrastructure.Pids;
import io.dragon.core.shm.ObjectHeader;
import io.dragon.core.sync.SignalLayout;

/**
 * Layout of a {@link Channel} in its pool allocation: a header of cache-line-separated counters, then a ring of
 * {@code capacity} slots of {@code slotStride} bytes.
 *
 * <pre>
 *  offset  size
 *       0    16  {@link ObjectHeader header}: magic {@link ObjectHeader#CHANNEL}, serial (also in every descriptor)
 *      16     8  c_uid
 *      24     4  capacity (slots)
 *      28     4  block size (payload bytes a slot holds inline)
 *      32     4  slot stride (16-byte slot header + block size, rounded up to 64)
 *      64     8  tail: next position to send to      (own cache line: written by senders)
 *     128     8  head: next position to receive from (own cache line: written by receivers)
 *     192     8  {@link SignalLayout signal} receivers sleep on ("not empty")
 *     256     8  {@link SignalLayout signal} senders sleep on ("not full")
 *     320     ..  slots
 *
 *  slot, at 320 + (position mod capacity) * stride:
 *       0     8  state: sequence in the high 40 bits, claimant pid in the low 24 (see below)
 *       8     4  message length in bytes
 *      12     4  kind: 0 = payload inline, 1 = payload in a side allocation of the pool
 *      16     ..  inline payload, or for kind 1 the side allocation's offset (8 bytes)
 * </pre>
 *
 * <p>The slot's state is a bounded MPMC queue's sequence (after Vyukov) with the claimant in the same word, so that
 * one compare-and-set both claims a slot and says who holds it. For the message of position {@code p}, with
 * {@code S(x) = x << 24} (the sequence modulo 2^40: a thread would have to stall for 2^40 messages to mistake one
 * lap for another):
 *
 * <pre>
 *  S(p)            free for the sender of p
 *  S(p)     | pid  claimed by sender pid, which is writing the message
 *  S(p + 1)        holds p's message
 *  S(p + 1) | pid  claimed by receiver pid, which is reading it
 *  S(p + capacity) free for the sender of the next lap
 * </pre>
 *
 * <p>Tail and head only say where to look: a sender claims the slot first and then stores the next position in the
 * tail (an ordered store, not a compare-and-set: a late store may move it back a little, which only costs the next
 * sender a step), and anyone who finds the tail (head) at a slot already claimed moves it on with a compare-and-set,
 * so a claimant that dies between the two steps blocks no one.
 * A claim of a dead process is repaired by the first waiter it blocks (see {@link LocalChannel}): the waiter claims
 * the slot for itself, frees the side allocation if the slot names one, and frees the slot for the next lap. The
 * kind is {@link #KIND_SIDE} only while the offset it names is live: a sender writes it last before publishing, and
 * a receiver sets it back to {@link #KIND_INLINE} before it frees the side allocation.
 *
 * <p>A message may also leave from the middle of the ring ({@link Channel#remove(long)}), with no change of layout
 * and nothing moved: the remover claims its slot as a receiver would ({@code S(p + 1) | pid}), frees its side
 * allocation and frees the slot for the next lap ({@code S(p + capacity)}) at once. The slot is then past its
 * position, which receivers step over as they step over a slot claimed by another receiver, so it is a tombstone
 * needing no mark of its own; it is filled again when the tail reaches it. A remover that dies holding its claim is
 * a dead receiver to the others: the message is gone (it was being removed), and the sender of the next lap repairs
 * the slot. Looking without taking ({@link Channel#peek}) writes nothing but the head hint: it copies a message
 * between two reads of an unclaimed {@code S(p + 1)}, as a seqlock reader does.
 */
public final class ChannelLayout {
    public static final int HEADER_OFFSET = 0;
    public static final int CUID_OFFSET = ObjectHeader.LENGTH;
    public static final int CAPACITY_OFFSET = 24;
    public static final int BLOCK_SIZE_OFFSET = 28;
    public static final int SLOT_STRIDE_OFFSET = 32;
    public static final int TAIL_OFFSET = 64;
    public static final int HEAD_OFFSET = 128;
    public static final int RECV_SIGNAL_OFFSET = 192;
    public static final int SEND_SIGNAL_OFFSET = 256;
    public static final int SLOTS_OFFSET = 320;

    public static final int SLOT_STATE_OFFSET = 0;
    public static final int SLOT_LENGTH_OFFSET = 8;
    public static final int SLOT_KIND_OFFSET = 12;
    public static final int SLOT_PAYLOAD_OFFSET = 16;

    public static final int KIND_INLINE = 0;
    public static final int KIND_SIDE = 1;

    /** Bits of a slot's state that hold the claimant's pid (Linux pids are below 2^22). */
    public static final int CLAIMANT_BITS = 24;
    public static final long CLAIMANT_MASK = (1L << CLAIMANT_BITS) - 1;

    /** Smallest block: room for a side allocation's offset. */
    public static final int MIN_BLOCK_SIZE = 8;

    static {
        if (CUID_OFFSET + 8 > CAPACITY_OFFSET || SEND_SIGNAL_OFFSET + SignalLayout.LENGTH > SLOTS_OFFSET) {
            throw new AssertionError("channel header fields overlap");
        }
        if (Pids.MINE > CLAIMANT_MASK) {
            throw new AssertionError("pid " + Pids.MINE + " does not fit a channel slot's claimant bits");
        }
    }

    private ChannelLayout() {
    }

    /** A slot's state when free for, or holding the message of, {@code sequence} (see the class comment). */
    public static long state(long sequence) {
        return sequence << CLAIMANT_BITS;
    }

    public static int slotStride(int blockSize) {
        return (SLOT_PAYLOAD_OFFSET + blockSize + 63) & -64;
    }

    /** Bytes of pool memory a channel of this shape takes. */
    public static long allocationSize(int capacity, int blockSize) {
        return SLOTS_OFFSET + (long) capacity * slotStride(blockSize);
    }
}
