package io.dragon.backend.transport;

import io.netty.buffer.ByteBuf;

/**
 * Numbered slots of the fabric agent's operations, which its progress thread takes and gives back: each holds a
 * buffer and the node it goes to or comes from, and its subclass says what else. Free slots are a stack, so that
 * taking and giving back allocate nothing; a slot is {@link #next} before it is taken, for the operation to be set
 * up in it and taken only if the provider accepts it.
 */
abstract class SlotTable {
    private final int[] free;
    private int freeCount;
    private final ByteBuf[] buffers;
    private final int[] nodes;

    SlotTable(int size) {
        free = new int[size];
        for (int i = 0; i < size; i++) {
            free[i] = size - 1 - i;
        }
        freeCount = size;
        buffers = new ByteBuf[size];
        nodes = new int[size];
    }

    /** The number of slots. */
    final int size() {
        return buffers.length;
    }

    /** Whether every slot is taken. */
    final boolean full() {
        return freeCount == 0;
    }

    /** The slot the next {@link #take} takes (the table must not be {@link #full}). */
    final int next() {
        return free[freeCount - 1];
    }

    /** Takes slot {@link #next} for {@code buffer} (may be null) and {@code node}; the slot. */
    final int take(ByteBuf buffer, int node) {
        int slot = free[--freeCount];
        buffers[slot] = buffer;
        nodes[slot] = node;
        return slot;
    }

    /** Gives slot {@code slot} back; its buffer, now the caller's. */
    final ByteBuf give(int slot) {
        ByteBuf buffer = dropBuffer(slot);
        free[freeCount++] = slot;
        return buffer;
    }

    /** The buffer of slot {@code slot}, or null. */
    final ByteBuf buffer(int slot) {
        return buffers[slot];
    }

    /** Takes the buffer of slot {@code slot} (the slot stays taken); the buffer, now the caller's, or null. */
    final ByteBuf dropBuffer(int slot) {
        ByteBuf buffer = buffers[slot];
        buffers[slot] = null;
        return buffer;
    }

    /** The node that slot {@code slot}'s operation goes to or comes from. */
    final int node(int slot) {
        return nodes[slot];
    }

    /** Releases every slot's buffer, once the endpoint is closed. */
    final void releaseAll() {
        for (int slot = 0; slot < buffers.length; slot++) {
            release(dropBuffer(slot));
        }
    }

    /** Releases {@code buffer} if it is one and still held. */
    static void release(ByteBuf buffer) {
        if (buffer != null && buffer.refCnt() > 0) {
            buffer.release();
        }
    }
}
