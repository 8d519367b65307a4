package io.dragon;

import static io.dragon.core.channels.GatewayLayout.FOREVER;

import io.dragon.internal.Services;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A {@link Queue} that counts unfinished tasks, like Python's {@code multiprocessing.JoinableQueue} and Dragon's:
 * every element put is a task, unfinished until a consumer calls {@link #taskDone()} for it, and {@link #join()}
 * waits until no task is unfinished. The count lives in shared memory beside the queue, so producers, consumers and
 * joiners may be any processes on any nodes.
 *
 * <p>An element counts from just before it enters the queue: a join never returns while it is there. An element
 * that leaves the queue by any means ({@code take}, {@code poll}, {@code drainTo}, {@code remove(Object)}, the
 * iterator, {@code clear}) stays unfinished until {@code taskDone()} is called for it, as after Python's
 * {@code get()}.
 *
 * <p>If a process dies with tasks it took and never marked done, they stay unfinished and {@code join()} waits on:
 * the runtime cannot tell a task that was finished before the death from one that was not, and a join that returned
 * would claim work done that may not be. The same holds for a producer killed between counting its element and
 * putting it. Use {@link #join(long, TimeUnit)} where that must not wait for ever, and {@link #unfinishedTasks()} to
 * see what is left; a consumer that may die should mark its task done only once its result is safe.
 */
public final class JoinableQueue<E> extends Queue<E> {
    private static final long serialVersionUID = 1L;

    private JoinableQueue(String name, int capacity, Codec<E> codec) {
        super(name, capacity, BLOCK_SIZE, codec, true, Policy.anywhere());
    }

    /** A new joinable queue of {@link #DEFAULT_CAPACITY} elements. */
    public static <E> JoinableQueue<E> create() {
        return new JoinableQueue<>(null, DEFAULT_CAPACITY, Codecs.standard());
    }

    /** A new joinable queue of {@code capacity} elements. */
    public static <E> JoinableQueue<E> create(int capacity) {
        return new JoinableQueue<>(null, capacity, Codecs.standard());
    }

    /** A new joinable queue that any process can look up by {@code name}. */
    public static <E> JoinableQueue<E> create(String name, int capacity) {
        return new JoinableQueue<>(Objects.requireNonNull(name, "name"), capacity, Codecs.standard());
    }

    /** A new joinable queue whose elements travel in the form {@code codec} gives them; {@code name} may be null. */
    public static <E> JoinableQueue<E> create(String name, int capacity, Codec<E> codec) {
        return new JoinableQueue<>(name, capacity, codec);
    }

    /**
     * The joinable queue named {@code name}.
     *
     * @throws ObjectNotFoundException if no object has that name
     * @throws DragonException if the name belongs to an object of another kind (a plain Queue, say)
     */
    @SuppressWarnings("unchecked")
    public static <E> JoinableQueue<E> lookup(String name) {
        return Services.lookup(name, JoinableQueue.class);
    }

    /**
     * Marks one task done: an element taken from the queue has been dealt with. Wakes every joiner once no task
     * is unfinished.
     *
     * @throws IllegalStateException if no task is unfinished (called more times than elements were put)
     */
    public void taskDone() {
        tasks().done();
    }

    /** Waits until every element put has been marked done ({@link #taskDone()}). */
    public void join() throws InterruptedException {
        tasks().await(FOREVER);
    }

    /** Waits until every element put has been marked done; false if the timeout passed first. */
    public boolean join(long timeout, TimeUnit unit) throws InterruptedException {
        return tasks().await(SharedObject.timedNanos(timeout, unit));
    }

    /** {@link #join(long, TimeUnit)} with a Duration. */
    public boolean join(Duration timeout) throws InterruptedException {
        return join(TimeUnit.NANOSECONDS.convert(timeout), TimeUnit.NANOSECONDS);
    }

    /** Elements put and not yet marked done, a snapshot. */
    public long unfinishedTasks() {
        return tasks().count();
    }
}
