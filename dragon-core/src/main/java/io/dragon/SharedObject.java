package io.dragon;

import static io.dragon.SharedObjectLayout.BODY_OFFSET;
import static io.dragon.SharedObjectLayout.HEADER_OFFSET;

import io.dragon.core.channels.Gateway;
import io.dragon.core.channels.GatewayLayout;
import io.dragon.core.infrastructure.HostId;
import io.dragon.core.infrastructure.Ids;
import io.dragon.core.memory.Allocation;
import io.dragon.core.memory.AllocationDescriptor;
import io.dragon.core.memory.MemoryPool;
import io.dragon.core.memory.PoolDescriptor;
import io.dragon.core.memory.PoolFullException;
import io.dragon.core.shm.ObjectHeader;
import io.dragon.core.shm.SharedBuffer;
import io.dragon.internal.Services;
import java.io.Serializable;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * Base of the user API's objects that live in shared memory (see {@link SharedObjectLayout}). A handle is
 * Serializable: send it to another process (or look it up by name there) and it maps the same memory. The object
 * lives until {@link #destroy()} or the end of the runtime, whoever created it.
 *
 * <p>The object lives in the default pool of the node its creation policy places it on (its creator's node unless
 * told otherwise: see {@link #create}). Processes of that node use it directly; a process of another node gets the
 * same methods, each run on the object's node by that node's transport agent ({@link #onOwner}).
 */
public abstract class SharedObject implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String name;
    private final byte[] allocation;
    private final long id;
    private transient Allocation memory;
    private transient SharedBuffer whole;
    private transient volatile SharedBuffer body;
    /** The host id of the object's node, once known. */
    private transient volatile long host;

    /**
     * Allocates and zeroes {@code bodyLength} bytes in {@code pool}; the subclass then sets up its body and calls
     * {@link #publish}. Only through {@link #create}, which checks the name and binds it.
     */
    SharedObject(String name, long bodyLength, MemoryPool pool) {
        try {
            this.memory = pool.allocate(BODY_OFFSET + bodyLength);
        } catch (PoolFullException e) {
            throw new DragonException("no room for a " + kind() + " of " + bodyLength + " bytes: " + e.getMessage(), e);
        }
        this.name = name;
        this.allocation = memory.descriptor().serialize();
        this.id = ObjectHeader.newSerial();
        this.whole = memory.buffer();
        whole.setMemory(0, memory.size(), (byte) 0);
        this.body = whole.slice(BODY_OFFSET, memory.size() - BODY_OFFSET);
    }

    /** Makes the object live: the last step of a subclass's constructor. */
    final void publish() {
        ObjectHeader.publish(whole, HEADER_OFFSET, ObjectHeader.API_OBJECT, id);
    }

    /**
     * The one way objects are made: {@code creator} makes the object (allocation, body, {@link #publish}) in the
     * default pool of the node {@code policy} places it on (see {@link Policy#objectNode()}), then this process binds
     * its name, if it has one. On this process's node, or with placement anywhere, the creator runs here; for
     * another node it travels to that node's transport agent, which runs it and sends back the handle (the agent
     * cannot speak to Global Services, so the name is bound here). If the name is taken, the object is destroyed
     * on its node (its name left alone) and the refusal thrown.
     */
    static <T extends SharedObject> T create(String name, Policy policy, Creator<T> creator) {
        if (name != null && name.isEmpty()) {
            throw new IllegalArgumentException("an object name must not be empty (use null for no name)");
        }
        int node = Objects.requireNonNull(policy, "policy").objectNode();
        T object;
        if (node < 0 || node == Services.globalServices().launchParameters().nodeIndex()) {
            object = creator.create(name, Services.defaultPool());
        } else {
            byte[] pool = Services.ask(() -> Services.globalServices().queryPool(Ids.defaultPoolMuid(node)))
                .descriptor();
            long host = PoolDescriptor.deserialize(pool).hostId();
            object = outcome(Gateway.current().call(host, Services.serialize(new Creation<>(name, pool, creator),
                "the creation of an object on node " + node), 0), "the new object of node " + node);
        }
        if (name != null) {
            try {
                Services.bind(name, object);
            } catch (RuntimeException e) {
                ((SharedObject) object).retireAnywhere(); // not unbind: the name is another's
                throw e;
            }
        }
        return object;
    }

    /** The name this object was created with, or null. */
    public String name() {
        return name;
    }

    /** Whether the object still exists (no process has destroyed it). */
    public boolean isAlive() {
        if (isRemote()) {
            return onOwner(0, (SharedObject o) -> o.isAlive());
        }
        try {
            return ObjectHeader.isLive(attached(), HEADER_OFFSET, id);
        } catch (ObjectDestroyedException e) {
            return false; // freed before this handle first mapped it (always so in the owner's transport agent)
        }
    }

    /** The object's identity, its header's serial: the same in every handle to it, never reused. */
    final long id() {
        return id;
    }

    /** Whether the object lives on another node than this process. */
    final boolean isRemote() {
        long node = host;
        if (node == 0) {
            node = AllocationDescriptor.deserialize(allocation).pool().hostId();
            host = node;
        }
        return node != HostId.local();
    }

    /**
     * Runs {@code method} on this object on its own node, through the transport agents, and returns what it returns
     * or throws what it throws (checked exceptions too: the public method that calls this declares them). It may
     * wait there up to {@code timeoutNanos} ({@link GatewayLayout#FOREVER}: no limit); an interrupt does not end
     * it, and stays set.
     */
    final <T extends SharedObject, R> R onOwner(long timeoutNanos, OwnerMethod<T, R> method) {
        return outcome(Gateway.current().call(host, serialized(method), timeoutNanos), "the answer about the " + this);
    }

    /**
     * {@link #onOwner}, but an interrupt while it waits there interrupts the thread that runs it on the owner's
     * node, so that a method that waits throws InterruptedException, here too, having taken nothing.
     */
    final <T extends SharedObject, R> R onOwnerInterruptibly(long timeoutNanos, OwnerMethod<T, R> method)
        throws InterruptedException {
        try {
            return outcome(Gateway.current().callInterruptibly(host, serialized(method), timeoutNanos),
                "the answer about the " + this);
        } catch (InterruptedException e) {
            Thread.interrupted(); // thrown here or there: either way the interrupt is consumed
            throw e;
        }
    }

    /**
     * The timeout of a timed wait, for {@link #onOwnerInterruptibly}: never negative, since -1 would mean no timeout
     * there, and a timed wait given zero or less does not wait at all.
     */
    static long timedNanos(long timeout, TimeUnit unit) {
        return Math.max(0, unit.toNanos(timeout));
    }

    @SuppressWarnings("unchecked")
    private <T extends SharedObject, R> byte[] serialized(OwnerMethod<T, R> method) {
        return Services.serialize(new OwnerCall<>((T) this, method), "a call on the " + this);
    }

    /** What a call on another node returned (as {@code what}), or the exception it threw, rethrown here. */
    @SuppressWarnings("unchecked")
    private static <R> R outcome(Gateway.Outcome outcome, String what) {
        Object value = Services.deserialize(outcome.value(), 0, outcome.value().length, what);
        if (!outcome.threw()) {
            return (R) value;
        }
        throw SharedObject.<RuntimeException>rethrow((Throwable) value);
    }

    /** {@link #onOwnerInterruptibly} for a method that returns nothing. */
    final <T extends SharedObject> void runOnOwnerInterruptibly(long timeoutNanos, OwnerAction<T> action)
        throws InterruptedException {
        onOwnerInterruptibly(timeoutNanos, (T object) -> {
            action.run(object);
            return null;
        });
    }

    /** {@link #onOwner} for a method that returns nothing. */
    final <T extends SharedObject> void runOnOwner(long timeoutNanos, OwnerAction<T> action) {
        onOwner(timeoutNanos, (T object) -> {
            action.run(object);
            return null;
        });
    }

    /**
     * Destroys the object for every process: its name is released and its memory freed. Threads waiting in it
     * wake with {@link ObjectDestroyedException}, as does any later use. Destroying it again does nothing.
     */
    public void destroy() {
        // the name is released by this process: the owner's transport agent, which retires a remote object, is
        // no managed process and cannot speak to Global Services
        if (retireAnywhere() && name != null) {
            Services.unbind(name);
        }
    }

    /** {@link #retire}, on the object's node. */
    private boolean retireAnywhere() {
        return isRemote() ? this.<SharedObject, Boolean>onOwner(0, SharedObject::retire) : retire();
    }

    /** Marks the object gone, wakes its waiters and frees its memory; whether this call did it (first). */
    private boolean retire() {
        if (!ObjectHeader.retire(attached(), HEADER_OFFSET, id)) {
            return false;
        }
        wakeWaiters();
        release();
        return true;
    }

    /**
     * The body without checking that the object lives: for creating it (before {@link #publish()}) and for
     * waking its waiters as it is destroyed.
     */
    final SharedBuffer rawBody() {
        if (body == null) {
            attached();
        }
        return body;
    }

    /** The body, after checking that the object still lives. */
    final SharedBuffer body() {
        SharedBuffer buffer = body;
        if (buffer == null) {
            attached();
            buffer = body;
        }
        if (!ObjectHeader.isLive(whole, HEADER_OFFSET, id)) {
            throw destroyed();
        }
        return buffer;
    }

    /** Whether the object is still the one this handle refers to; for waiters' conditions. */
    final boolean gone() {
        return !ObjectHeader.isLive(whole, HEADER_OFFSET, id);
    }

    final ObjectDestroyedException destroyed() {
        return new ObjectDestroyedException("the " + this + " was destroyed");
    }

    /** Wakes every thread waiting in the object (they then see it is gone). */
    abstract void wakeWaiters();

    private String kind() {
        return getClass().getSimpleName();
    }

    private SharedBuffer attached() {
        if (whole == null) {
            synchronized (this) {
                if (whole == null) {
                    try {
                        memory = Allocation.attach(AllocationDescriptor.deserialize(allocation));
                    } catch (IllegalArgumentException e) {
                        throw new ObjectDestroyedException("the " + this + " was destroyed", e);
                    }
                    whole = memory.buffer();
                    body = whole.slice(BODY_OFFSET, memory.size() - BODY_OFFSET);
                }
            }
        }
        return whole;
    }

    private void release() {
        memory.free();
    }

    @Override
    public String toString() {
        return kind() + (name != null ? " '" + name + "'" : "") + " (" + Long.toHexString(id) + ")";
    }

    /**
     * Makes a {@code T} named {@code name} (not bound yet) in {@code pool}: a subclass's constructor, which can
     * travel to the node where the object is to live.
     */
    @FunctionalInterface
    interface Creator<T extends SharedObject> extends Serializable {
        T create(String name, MemoryPool pool);
    }

    /**
     * The creation of an object on another node, for {@link #create}: run by that node's transport agent, in the
     * pool described by {@code pool} (that node's default pool), it returns the new object's handle.
     */
    private static final class Creation<T extends SharedObject> implements Callable<T>, Serializable {
        private static final long serialVersionUID = 1L;

        private final String name;
        private final byte[] pool;
        private final Creator<T> creator;

        Creation(String name, byte[] pool, Creator<T> creator) {
            this.name = name;
            this.pool = pool;
            this.creator = creator;
        }

        @Override
        public T call() {
            return creator.create(name, MemoryPool.attach(pool));
        }
    }

    /** A method of {@code T} that can travel to the object's node. */
    @FunctionalInterface
    interface OwnerMethod<T, R> extends Serializable {
        R apply(T object) throws Exception;
    }

    /** A method of {@code T} that returns nothing and can travel to the object's node. */
    @FunctionalInterface
    interface OwnerAction<T> extends Serializable {
        void run(T object) throws Exception;
    }

    /**
     * A method of a shared object to run on the node where the object lives, for a process of another node: the
     * object's handle and the method travel serialized to that node's transport agent, which runs it there.
     */
    private static final class OwnerCall<T extends SharedObject, R> implements Callable<R>, Serializable {
        private static final long serialVersionUID = 1L;

        private final T object;
        private final OwnerMethod<T, R> method;

        OwnerCall(T object, OwnerMethod<T, R> method) {
            this.object = object;
            this.method = method;
        }

        @Override
        public R call() throws Exception {
            return method.apply(object);
        }
    }

    /**
     * Throws {@code t} as it is, checked or not: a method run on the owner's node declared it, and so does the
     * method of the handle that ran it there.
     */
    @SuppressWarnings("unchecked")
    private static <X extends Throwable> X rethrow(Throwable t) throws X {
        throw (X) t;
    }
}
