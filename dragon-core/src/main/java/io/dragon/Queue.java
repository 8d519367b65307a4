package io.dragon;

import io.dragon.core.channels.Channel;
import io.dragon.core.channels.ChannelDestroyedException;
import io.dragon.core.channels.ChannelEmptyException;
import io.dragon.core.channels.ChannelFullException;
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
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@link BlockingQueue} that processes share: a channel in shared memory, created through Global Services. Any
 * process with the handle (it is Serializable) or the name can put and take; the queue lives until
 * {@link #destroy()} or the end of the runtime. Elements travel in the form their {@link Codec} gives them
 * ({@link Codecs#standard()} by default).
 *
 * <p>Across processes some of the contract cannot hold, and these methods say so:
 * <ul>
 * <li>{@link #size()} (and {@link #remainingCapacity()}, {@link #isEmpty()}) is a snapshot, exact only while no
 * process is sending or receiving;</li>
 * <li>{@link #peek()}, {@link #element()}, {@link #iterator()} and what is built on it ({@code contains},
 * {@code remove(Object)}, {@code toArray}) throw UnsupportedOperationException: an element leaves the channel when
 * it is read, so looking without taking would need a lock around every process's every operation.</li>
 * </ul>
 * Blocking methods respond to {@link Thread#interrupt()} with InterruptedException, and nothing is lost: an
 * interrupted {@code take} removes nothing, an interrupted {@code put} adds nothing.
 */
public final class Queue<E> extends AbstractQueue<E> implements BlockingQueue<E>, Serializable, AutoCloseable {
    private static final long serialVersionUID = 1L;
    /** Capacity of {@link #create()}: large enough to be "unbounded" for most producers, about 2 MiB of memory. */
    public static final int DEFAULT_CAPACITY = 1 << 14;
    /** Bytes an element may take inline in the channel; longer ones go to a side allocation in the same pool. */
    private static final int BLOCK_SIZE = 112;
    private static final ThreadLocal<Output> SCRATCH = ThreadLocal.withInitial(() -> new Output(1024));

    private final String name;
    private final long cuid;
    private final int capacity;
    private final byte[] descriptor;
    private final Codec<E> codec;
    private transient volatile Channel channel;

    Queue(String name, int capacity, int blockSize, Codec<E> codec) {
        if (capacity < 2) {
            throw new IllegalArgumentException("a queue's capacity must be at least 2, got " + capacity);
        }
        ChannelInfo info = Services.ask(() -> Services.globalServices().createChannel(0, capacity, blockSize, null));
        this.name = name;
        this.cuid = info.cuid();
        this.capacity = info.capacity();
        this.descriptor = info.descriptor();
        this.codec = Objects.requireNonNull(codec, "codec");
        if (name != null) {
            try {
                Services.bind(name, this);
            } catch (DragonException e) {
                Services.ask(() -> {
                    Services.globalServices().destroyChannel(cuid);
                    return null;
                });
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
        try {
            return channel().trySend(encoded);
        } catch (ChannelDestroyedException x) {
            throw destroyed(x);
        }
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

    /** A snapshot: exact only while no process sends or receives. */
    @Override
    public int size() {
        return channel().size();
    }

    /** A snapshot, like {@link #size()}. */
    @Override
    public int remainingCapacity() {
        return capacity - size();
    }

    /** Always throws: an element cannot be looked at without taking it (see the class comment). */
    @Override
    public E peek() {
        throw new UnsupportedOperationException("a Queue shared by processes cannot peek: use poll()");
    }

    /** Always throws: an element cannot be looked at without taking it (see the class comment). */
    @Override
    public Iterator<E> iterator() {
        throw new UnsupportedOperationException("a Queue shared by processes cannot be iterated (nor searched or"
            + " copied to an array): use poll() or drainTo()");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Queue<?> other && other.cuid == cuid;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(cuid);
    }

    @Override
    public String toString() {
        return "Queue" + (name != null ? " '" + name + "'" : "") + " (channel " + cuid + ", capacity " + capacity + ")";
    }

    // ----

    private boolean send(ByteBuffer encoded, long deadline) throws InterruptedException {
        try {
            channel().send(encoded, WaitMode.ADAPTIVE, deadline);
            return true;
        } catch (ChannelFullException x) {
            return false;
        } catch (ChannelDestroyedException x) {
            throw destroyed(x);
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
            throw new DragonException("an element of " + this + " is cut short (" + bytes.length
                + " bytes): do all processes use the same codec?", x);
        } catch (DragonException x) {
            throw new DragonException("an element of " + this + " cannot be decoded: " + x.getMessage(), x);
        }
    }

    private ObjectDestroyedException destroyed(ChannelDestroyedException cause) {
        return new ObjectDestroyedException("the " + this + " was destroyed", cause);
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
