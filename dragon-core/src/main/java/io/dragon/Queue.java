package io.dragon;

import io.dragon.core.channels.Channel;
import io.dragon.core.channels.ChannelDestroyedException;
import io.dragon.core.channels.ChannelEmptyException;
import io.dragon.core.channels.ChannelFullException;
import io.dragon.core.channels.Peeked;
import io.dragon.core.messages.Messages.ChannelInfo;
import io.dragon.core.sync.Deadline;
import io.dragon.core.sync.WaitMode;
import io.dragon.internal.Services;
import java.io.Serializable;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.AbstractQueue;
import java.util.Collection;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A {@link BlockingQueue} that processes share: a channel in shared memory, created through Global Services. Any
 * process with the handle (it is Serializable) or the name can put and take; the queue lives until
 * {@link #destroy()} or the end of the runtime. Elements travel in the form their {@link Codec} gives them
 * ({@link Codecs#standard()} by default). A queue on another node is used the same way: each operation runs on
 * its node, through the transport agents.
 *
 * <p>The whole {@link BlockingQueue} and {@link java.util.Collection} contract holds, with what sharing by
 * processes means:
 * <ul>
 * <li>Elements are copies: {@code take}, {@code peek} and the iterator return a new object decoded from the
 * element's bytes, never the instance that was put, and a change to it changes nothing in the queue. So
 * {@code contains} and {@code remove(Object)} compare with {@code equals}, and only what needs the same instance
 * to come out as went in cannot hold.</li>
 * <li>{@link #size()}, {@link #isEmpty()}, {@link #remainingCapacity()}, {@link #toArray()} and
 * {@link #toString()} are snapshots, exact only while no process puts or takes. {@code size} counts the elements
 * (a linear scan, as for {@link java.util.concurrent.ConcurrentLinkedQueue}); the place of an element removed from
 * the middle is filled again only once the elements before it are taken, so {@code offer} may find the queue full
 * while {@code remainingCapacity()} is above 0.</li>
 * <li>The {@link #iterator()} is weakly consistent, as {@link java.util.concurrent.ConcurrentLinkedQueue}'s: it
 * never throws ConcurrentModificationException, returns in order every element that is in the queue for the whole
 * traversal, once, never one put after it began, and may or may not return one taken meanwhile. Its
 * {@code remove()} removes the very element it returned, not an equal one, if it is still there, and does nothing
 * if another process took it meanwhile. {@code contains}, {@code forEach}, {@link #stream()} and the bulk
 * operations are built on it.</li>
 * <li>{@link #remove(Object)} removes the first element equal to its argument that it finds still there: if another
 * process takes the one it found first, it goes on to the next equal one, and returns true only if it removed one
 * itself. Every element leaves once: by a take, or by a removal, never both.</li>
 * <li>{@code equals} and {@code hashCode} are those of the queue, not of its elements, as for every
 * {@code java.util.concurrent} queue: two handles to the same queue are equal.</li>
 * </ul>
 * Blocking methods respond to {@link Thread#interrupt()} with InterruptedException, and nothing is lost: an
 * interrupted {@code take} removes nothing, an interrupted {@code put} adds nothing. A thread blocked in one shows
 * WAITING or TIMED_WAITING in a thread dump once it has waited 10 ms; before, it waits in a system call, which the
 * JVM shows as RUNNABLE (parking it costs tens of microseconds per wake-up, too much for short waits). Waiting takes
 * no CPU either way.
 */
public sealed class Queue<E> extends AbstractQueue<E> implements BlockingQueue<E>, Serializable, AutoCloseable
    permits JoinableQueue {
    private static final long serialVersionUID = 1L;
    /** Capacity of {@link #create()}: large enough to be "unbounded" for most producers, about 2 MiB of memory. */
    public static final int DEFAULT_CAPACITY = 1 << 14;
    /** Bytes an element may take inline in the channel; longer ones go to a side allocation in the same pool. */
    static final int BLOCK_SIZE = 112;
    /** Elements an iterator looks at per batch: one remote call for a queue on another node. */
    private static final int LOOK_BATCH = 256;
    /** Bytes after which a batch ends early (it holds one element at least). */
    private static final int LOOK_BYTES = 1 << 20;
    private static final ThreadLocal<Output> SCRATCH = ThreadLocal.withInitial(() -> new Output(1024));

    private final String name;
    private final long cuid;
    private final int capacity;
    private final byte[] descriptor;
    private final Codec<E> codec;
    /** The unfinished tasks of a {@link JoinableQueue}; null for any other queue. */
    private final TaskCount tasks;
    private transient volatile Channel channel;

    Queue(String name, int capacity, int blockSize, Codec<E> codec) {
        this(name, capacity, blockSize, codec, false, Policy.anywhere());
    }

    /**
     * A new queue whose channel lives in the default pool of {@code policy}'s node; if {@code joinable}, one that
     * counts unfinished tasks ({@link JoinableQueue}).
     */
    Queue(String name, int capacity, int blockSize, Codec<E> codec, boolean joinable, Policy policy) {
        if (capacity < 2) {
            throw new IllegalArgumentException("a queue's capacity must be at least 2, got " + capacity);
        }
        this.codec = Objects.requireNonNull(codec, "codec");
        this.tasks = joinable ? TaskCount.create(policy) : null;
        long muid = policy.defaultPool();
        ChannelInfo info;
        try {
            info = Services.ask(() -> Services.globalServices().createChannel(muid, capacity, blockSize, null));
        } catch (RuntimeException e) {
            destroyTasks();
            throw e;
        }
        this.name = name;
        this.cuid = info.cuid();
        this.capacity = info.capacity();
        this.descriptor = info.descriptor();
        if (name != null) {
            try {
                Services.bind(name, this);
            } catch (DragonException e) {
                Services.ask(() -> {
                    Services.globalServices().destroyChannel(cuid);
                    return null;
                });
                destroyTasks();
                throw e;
            }
        }
    }

    /** A new queue of {@link #DEFAULT_CAPACITY} elements. */
    public static <E> Queue<E> create() {
        return new Queue<>(null, DEFAULT_CAPACITY, BLOCK_SIZE, Codecs.standard());
    }

    /** A new queue of {@code capacity} elements. */
    public static <E> Queue<E> create(int capacity) {
        return new Queue<>(null, capacity, BLOCK_SIZE, Codecs.standard());
    }

    /** A new queue that any process can look up by {@code name}. */
    public static <E> Queue<E> create(String name, int capacity) {
        return new Queue<>(Objects.requireNonNull(name, "name"), capacity, BLOCK_SIZE, Codecs.standard());
    }

    /** A new queue whose elements travel in the form {@code codec} gives them; {@code name} may be null. */
    public static <E> Queue<E> create(String name, int capacity, Codec<E> codec) {
        return new Queue<>(name, capacity, BLOCK_SIZE, codec);
    }

    /**
     * A new queue of {@code capacity} elements in the memory of the node {@code policy} places it on (anywhere: this
     * process's node, as every other queue). Only the policy's placement applies to a queue.
     *
     * @throws IllegalArgumentException if the policy has CPUs or GPUs, which confine processes, not memory
     * @throws ObjectNotFoundException if the runtime has no node of the policy's index
     */
    public static <E> Queue<E> create(int capacity, Policy policy) {
        return create(null, capacity, Codecs.standard(), policy);
    }

    /** {@link #create(String, int, Codec)} on the node {@code policy} places it on. */
    public static <E> Queue<E> create(String name, int capacity, Codec<E> codec, Policy policy) {
        return new Queue<>(name, capacity, BLOCK_SIZE, codec, false, Objects.requireNonNull(policy, "policy"));
    }

    /** The queue named {@code name}. */
    @SuppressWarnings("unchecked")
    public static <E> Queue<E> lookup(String name) {
        return Services.lookup(name, Queue.class);
    }

    /** Its name, or null. */
    public String name() {
        return name;
    }

    /**
     * Destroys the queue for every process; elements still in it are lost, and any later use fails. Destroying it
     * again, from any process, does nothing.
     */
    public void destroy() {
        if (name != null) {
            Services.unbind(name);
        }
        try {
            Services.ask(() -> {
                Services.globalServices().destroyChannel(cuid);
                return null;
            });
        } catch (ObjectNotFoundException e) {
            // destroyed already (channel ids are never reused)
        }
        destroyTasks();
    }

    /** The unfinished tasks of a {@link JoinableQueue}. */
    final TaskCount tasks() {
        return tasks;
    }

    private void destroyTasks() {
        if (tasks != null) {
            tasks.destroy();
        }
    }

    /**
     * {@link #destroy()}, for try-with-resources in the process that owns the queue: it is gone for every process
     * at the end of the block, not only for this one (a handle has nothing of its own to release).
     */
    @Override
    public void close() {
        destroy();
    }

    // ---- adding

    @Override
    public boolean offer(E e) {
        ByteBuffer encoded = encode(e);
        countTasks(1);
        boolean sent = false;
        try {
            sent = channel().trySend(encoded);
        } catch (ChannelDestroyedException x) {
            throw destroyed(x);
        } finally {
            countTasks(sent ? 0 : -1);
        }
        return sent;
    }

    @Override
    public boolean offer(E e, long timeout, TimeUnit unit) throws InterruptedException {
        return send(encode(e), Deadline.after(timeout, unit));
    }

    /** {@link #offer(Object, long, TimeUnit)} with a Duration. */
    public boolean offer(E e, Duration timeout) throws InterruptedException {
        return offer(e, TimeUnit.NANOSECONDS.convert(timeout), TimeUnit.NANOSECONDS);
    }

    @Override
    public void put(E e) throws InterruptedException {
        send(encode(e), Deadline.FOREVER);
    }

    // ---- removing

    @Override
    public E poll() {
        try {
            byte[] bytes = channel().tryRecv();
            return bytes == null ? null : decode(bytes);
        } catch (ChannelDestroyedException x) {
            throw destroyed(x);
        }
    }

    @Override
    public E poll(long timeout, TimeUnit unit) throws InterruptedException {
        try {
            return decode(channel().recv(timeout, unit));
        } catch (ChannelEmptyException x) {
            return null;
        } catch (ChannelDestroyedException x) {
            throw destroyed(x);
        }
    }

    /** {@link #poll(long, TimeUnit)} with a Duration. */
    public E poll(Duration timeout) throws InterruptedException {
        return poll(TimeUnit.NANOSECONDS.convert(timeout), TimeUnit.NANOSECONDS);
    }

    @Override
    public E take() throws InterruptedException {
        try {
            return decode(channel().recv());
        } catch (ChannelDestroyedException x) {
            throw destroyed(x);
        }
    }

    @Override
    public int drainTo(Collection<? super E> c) {
        return drainTo(c, Integer.MAX_VALUE);
    }

    @Override
    public int drainTo(Collection<? super E> c, int maxElements) {
        Objects.requireNonNull(c, "collection");
        if (c == this) {
            throw new IllegalArgumentException("cannot drain a queue into itself");
        }
        int drained = 0;
        while (drained < maxElements) {
            E e = poll();
            if (e == null) {
                break;
            }
            c.add(e);
            drained++;
        }
        return drained;
    }

    // ---- looking

    /** The number of elements, a snapshot: exact only while no process puts or takes (see the class comment). */
    @Override
    public int size() {
        try {
            return channel().size();
        } catch (ChannelDestroyedException x) {
            throw destroyed(x);
        }
    }

    /** A snapshot, like {@link #size()}. */
    @Override
    public int remainingCapacity() {
        return capacity - size();
    }

    /** The element at the head, a copy, without taking it; null if the queue is empty. */
    @Override
    public E peek() {
        Peeked first = look(0, Long.MAX_VALUE, 1);
        return first.count() == 0 ? null : decode(first.messages()[0]);
    }

    /** A weakly consistent iterator, in order (see the class comment). */
    @Override
    public Iterator<E> iterator() {
        return new Itr();
    }

    /** As {@link java.util.concurrent.ConcurrentLinkedQueue}'s: ordered, non-null elements, concurrent. */
    @Override
    public Spliterator<E> spliterator() {
        return Spliterators.spliteratorUnknownSize(iterator(),
            Spliterator.ORDERED | Spliterator.NONNULL | Spliterator.CONCURRENT);
    }

    /** Removes the first element equal to {@code o} that is still there (see the class comment). */
    @Override
    public boolean remove(Object o) {
        if (o == null) {
            return false;
        }
        for (Itr it = new Itr(); it.hasNext(); ) {
            if (o.equals(it.next()) && it.removeReturned()) {
                return true;
            }
        }
        return false;
    }

    /** Removes the elements that {@code filter} accepts; true if it removed any itself (see the class comment). */
    @Override
    public boolean removeIf(Predicate<? super E> filter) {
        Objects.requireNonNull(filter, "filter");
        boolean removed = false;
        for (Itr it = new Itr(); it.hasNext(); ) {
            if (filter.test(it.next())) {
                removed |= it.removeReturned();
            }
        }
        return removed;
    }

    @Override
    public boolean removeAll(Collection<?> c) {
        Objects.requireNonNull(c, "collection");
        return removeIf(c::contains);
    }

    @Override
    public boolean retainAll(Collection<?> c) {
        Objects.requireNonNull(c, "collection");
        return removeIf(e -> !c.contains(e));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Queue<?> other && other.cuid == cuid;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(cuid);
    }

    /** What the queue is, for messages: its elements would be too many, and it may be gone. */
    private String description() {
        return "Queue" + (name != null ? " '" + name + "'" : "") + " (channel " + cuid + ", capacity " + capacity + ")";
    }

    // ----

    private boolean send(ByteBuffer encoded, long deadline) throws InterruptedException {
        countTasks(1);
        boolean sent = false;
        try {
            channel().send(encoded, WaitMode.ADAPTIVE, deadline);
            sent = true;
        } catch (ChannelFullException x) {
            // stayed full until the deadline
        } catch (ChannelDestroyedException x) {
            throw destroyed(x);
        } finally {
            countTasks(sent ? 0 : -1);
        }
        return sent;
    }

    /**
     * For a {@link JoinableQueue}: counts an element as an unfinished task before it is sent (so that no join
     * returns while it is in the queue), and uncounts it if it was not sent.
     */
    private void countTasks(int delta) {
        if (tasks != null && delta != 0) {
            tasks.add(delta);
        }
    }

    private ByteBuffer encode(E e) {
        Objects.requireNonNull(e, "a Queue holds no null elements");
        Output out = SCRATCH.get().clear();
        codec.encode(e, out);
        return out.view();
    }

    private E decode(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            E e = codec.decode(in);
            if (in.hasRemaining()) {
                throw new DragonException(in.remaining() + " bytes left over after an element");
            }
            return e;
        } catch (BufferUnderflowException x) {
            throw new DragonException("an element of " + description() + " is cut short (" + bytes.length
                + " bytes): do all processes use the same codec?", x);
        } catch (DragonException x) {
            throw new DragonException("an element of " + description() + " cannot be decoded: " + x.getMessage(), x);
        }
    }

    /** {@link Channel#peek}, in batches of at most {@link #LOOK_BATCH} elements or about {@link #LOOK_BYTES}. */
    private Peeked look(long from, long end, int maxElements) {
        try {
            return channel().peek(from, end, maxElements, LOOK_BYTES);
        } catch (ChannelDestroyedException x) {
            throw destroyed(x);
        }
    }

    /**
     * Walks the queue in batches looked at ({@link Channel#peek}), from the head when it began to the tail then;
     * each element is decoded when it is returned.
     */
    private final class Itr implements Iterator<E> {
        private Peeked batch = look(0, Long.MAX_VALUE, LOOK_BATCH);
        private int index;
        /** Position of the element last returned, or -1. */
        private long returned = -1;

        @Override
        public boolean hasNext() {
            while (index == batch.count() && batch.more()) {
                batch = look(batch.next(), batch.end(), LOOK_BATCH);
                index = 0;
            }
            return index < batch.count();
        }

        @Override
        public E next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            returned = batch.positions()[index];
            return decode(batch.messages()[index++]);
        }

        /** Removes the element last returned if it is still there; does nothing if another process took it. */
        @Override
        public void remove() {
            removeReturned();
        }

        /** {@link #remove()}; whether it removed the element (false: taken by another meanwhile). */
        boolean removeReturned() {
            if (returned < 0) {
                throw new IllegalStateException("next() has not returned an element since the last remove()");
            }
            long position = returned;
            returned = -1;
            try {
                return channel().remove(position);
            } catch (ChannelDestroyedException x) {
                throw destroyed(x);
            }
        }
    }

    private ObjectDestroyedException destroyed(ChannelDestroyedException cause) {
        return new ObjectDestroyedException("the " + description() + " was destroyed", cause);
    }

    private Channel channel() {
        Channel c = channel;
        if (c == null) {
            synchronized (this) {
                if (channel == null) {
                    channel = Channel.attach(descriptor).waitMode(WaitMode.ADAPTIVE);
                }
                c = channel;
            }
        }
        return c;
    }
}
