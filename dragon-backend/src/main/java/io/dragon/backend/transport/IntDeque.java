package io.dragon.backend.transport;

import java.util.NoSuchElementException;

/**
 * A double-ended queue of ints of fixed capacity, a ring over one array: the fabric agent's queues of slot indexes
 * and cookies, which an {@code ArrayDeque<Integer>} would box (and so allocate) for every value above 127.
 * Not thread-safe; the agent's progress thread is its only user.
 */
final class IntDeque {
    private final int[] values;
    private int head;
    private int size;

    /** An empty deque for at most {@code capacity} values. */
    IntDeque(int capacity) {
        values = new int[capacity];
    }

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** Adds {@code value} at the tail. */
    void addLast(int value) {
        checkRoom();
        values[index(head + size)] = value;
        size++;
    }

    /** Adds {@code value} at the head. */
    void addFirst(int value) {
        checkRoom();
        head = index(head + values.length - 1);
        values[head] = value;
        size++;
    }

    /** Removes and returns the value at the head. */
    int pollFirst() {
        if (size == 0) {
            throw new NoSuchElementException("the deque is empty");
        }
        int value = values[head];
        head = index(head + 1);
        size--;
        return value;
    }

    /** Every value the agent queues has a place set aside for it: a full deque is a bug. */
    private void checkRoom() {
        if (size == values.length) {
            throw new IllegalStateException("deque of " + values.length + " ints is full");
        }
    }

    private int index(int i) {
        return i >= values.length ? i - values.length : i;
    }
}
