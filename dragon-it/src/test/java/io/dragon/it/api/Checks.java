package io.dragon.it.api;

import io.dragon.Lock;
import io.dragon.Queue;
import io.dragon.SerializableRunnable;
import io.dragon.SharedLongArray;
import java.util.Objects;
import java.util.concurrent.Callable;

/**
 * A program of checks of the user API that runs as the head of a real runtime ({@code bin/dragon}): each check
 * prints {@code PASS <name>} or {@code FAIL <name>: <why>} with its stack trace, and the program exits 1 if any
 * failed. {@link UserApiIT} runs the programs and expects every PASS line.
 */
abstract class Checks {
    private int failures;

    /** A check's body; may throw anything. */
    @FunctionalInterface
    interface Body {
        void run() throws Exception;
    }

    final void check(String name, Body body) {
        try {
            body.run();
            System.out.println("PASS " + name);
        } catch (Throwable t) {
            failures++;
            System.out.println("FAIL " + name + ": " + t);
            t.printStackTrace(System.out);
        }
    }

    final void finish() {
        System.out.flush();
        System.exit(failures == 0 ? 0 : 1);
    }

    static void expect(boolean condition, String what) {
        if (!condition) {
            throw new AssertionError("expected " + what);
        }
    }

    static void expectEquals(Object expected, Object actual, String what) {
        if (!Objects.equals(expected, actual)) {
            throw new AssertionError(what + ": expected " + expected + ", got " + actual);
        }
    }

    /** Runs {@code body} and returns what it threw, failing if it threw nothing or something not of {@code type}. */
    static <T extends Throwable> T expectThrows(Class<T> type, Callable<?> body) {
        try {
            body.call();
        } catch (Throwable t) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
            throw new AssertionError("expected a " + type.getSimpleName() + ", got " + t, t);
        }
        throw new AssertionError("expected a " + type.getSimpleName() + ", nothing was thrown");
    }

    /** {@link Queue#put}, for targets that cannot throw InterruptedException: rethrown as IllegalStateException. */
    static <E> void putQuietly(Queue<E> queue, E e) {
        try {
            queue.put(e);
        } catch (InterruptedException x) {
            throw new IllegalStateException(x);
        }
    }

    /**
     * A target that adds 1 to {@code counter[0]} {@code rounds} times, each under {@code lock}: the read and the write
     * are separate, so only the lock keeps the count right.
     */
    static SerializableRunnable lockedIncrements(Lock lock, SharedLongArray counter, int rounds) {
        return () -> {
            for (int i = 0; i < rounds; i++) {
                lock.lock();
                try {
                    counter.set(0, counter.get(0) + 1);
                } finally {
                    lock.unlock();
                }
            }
        };
    }
}
