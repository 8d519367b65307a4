package io.dragon.core.memory;

import static io.dragon.core.memory.PoolLayout.ALLOCATIONS_OFFSET;
import static io.dragon.core.memory.PoolLayout.FLAGS_OFFSET;
import static io.dragon.core.memory.PoolLayout.FLAG_DESTROYED;
import static io.dragon.core.memory.PoolLayout.FREED_SIGNAL_OFFSET;
import static io.dragon.core.memory.PoolLayout.LOCK_OFFSET;
import static io.dragon.core.memory.PoolLayout.MAGIC;
import static io.dragon.core.memory.PoolLayout.MAGIC_OFFSET;
import static io.dragon.core.memory.PoolLayout.NONE;
import static io.dragon.core.memory.PoolLayout.SEGMENT_SIZE_OFFSET;
import static io.dragon.core.memory.PoolLayout.USED_BYTES_OFFSET;
import static io.dragon.core.memory.PoolLayout.VERSION;
import static io.dragon.core.memory.PoolLayout.VERSION_OFFSET;

import io.dragon.core.infrastructure.HostId;
import io.dragon.core.locks.OwnerDeadException;
import io.dragon.core.locks.SharedLock;
import io.dragon.core.shm.SegmentNotFoundException;
import io.dragon.core.shm.SharedBuffer;
import io.dragon.core.shm.SharedMemory;
import io.dragon.core.sync.Deadline;
import io.dragon.core.sync.Readiness;
import io.dragon.core.sync.Signal;
import io.dragon.core.sync.WaitMode;
import java.security.SecureRandom;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A managed-memory pool: a POSIX shared-memory segment holding a {@link BuddyAllocator} and all its state, so that
 * every process that attaches can allocate and free. Safe across threads and processes.
 *
 * <p>A process maps each pool once: {@link #attach(PoolDescriptor)} returns the mapping this process already has.
 *
 * <p>Crash-safe: a process killed at any instruction of an allocation or free leaves the allocator's lock held by a
 * dead pid; the next process that needs the lock takes it over, repairs the allocator ({@link BuddyAllocator#recover})
 * and carries on, so callers never see the dead holder. The allocation in progress is undone and the free completed;
 * the only loss is a block allocated that the killed process had not stored anywhere yet, as with any kill.
 */
public final class MemoryPool implements Readiness, AutoCloseable {
    /**
     * The smallest pool, in bytes, that holds a block (of the smallest size): the header up to the tags, at most a
     * {@link PoolLayout#HEAP_ALIGNMENT} of padding before the heap, and the block with its tag byte (see
     * {@link BuddyAllocator#format}). Callers can refuse a smaller size before they make a pool.
     */
    public static final long MIN_SIZE = PoolLayout.TAGS_OFFSET + PoolLayout.HEAP_ALIGNMENT
        + (1L << PoolLayout.MIN_BLOCK_SHIFT) + 1;

    private static final Map<String, MemoryPool> ATTACHED = new ConcurrentHashMap<>();
    private static final SecureRandom NAME_KEYS = new SecureRandom();

    private final PoolDescriptor descriptor;
    private final SharedMemory memory;
    private final SharedBuffer segment;
    private final BuddyAllocator allocator;
    private final SharedLock lock;
    private final Signal freed;

    private MemoryPool(PoolDescriptor descriptor, SharedMemory memory) {
        this.descriptor = descriptor;
        this.memory = memory;
        this.segment = memory.buffer();
        this.allocator = new BuddyAllocator(segment);
        this.lock = new SharedLock(segment, LOCK_OFFSET, "lock of pool " + descriptor.muid());
        this.freed = new Signal(segment, FREED_SIGNAL_OFFSET);
    }

    /**
     * Creates a pool of {@code size} bytes (header and tags included) for runtime {@code runtimeId}, in a segment
     * whose name has a random part.
     *
     * @throws io.dragon.core.shm.SharedMemoryException if the segment exists already or cannot be made
     */
    public static MemoryPool create(String runtimeId, long muid, long size) {
        return create(new PoolDescriptor(runtimeId, muid, NAME_KEYS.nextLong(), HostId.local(), size));
    }

    /** Creates the pool described, on this node. */
    static MemoryPool create(PoolDescriptor descriptor) {
        long size = descriptor.size();
        SharedMemory memory = SharedMemory.create(descriptor.segmentName(), size);
        try {
            SharedBuffer segment = memory.buffer();
            segment.putLong(SEGMENT_SIZE_OFFSET, size);
            segment.putInt(VERSION_OFFSET, VERSION);
            SharedLock.initialize(segment, LOCK_OFFSET);
            BuddyAllocator.format(segment, size);
            segment.putLongVolatile(MAGIC_OFFSET, MAGIC);
        } catch (RuntimeException e) {
            memory.close();
            SharedMemory.unlink(descriptor.segmentName());
            throw e;
        }
        MemoryPool pool = new MemoryPool(descriptor, memory);
        ATTACHED.put(descriptor.segmentName(), pool);
        return pool;
    }

    /** The pool described by a serialized descriptor, mapped into this process if it is not already. */
    public static MemoryPool attach(byte[] serializedDescriptor) {
        return attach(PoolDescriptor.deserialize(serializedDescriptor));
    }

    /**
     * The pool described, mapped into this process if it is not already.
     *
     * @throws PoolDestroyedException if the pool no longer exists
     */
    public static MemoryPool attach(PoolDescriptor descriptor) {
        if (descriptor.hostId() != HostId.local()) {
            throw new IllegalArgumentException("pool " + descriptor.muid() + " lives on another node; only its"
                + " node's processes can map it");
        }
        MemoryPool attached = ATTACHED.get(descriptor.segmentName());
        if (attached != null) {
            return attached;
        }
        closeDestroyed();
        return ATTACHED.computeIfAbsent(descriptor.segmentName(), name -> {
            SharedMemory memory;
            try {
                memory = SharedMemory.open(name);
            } catch (SegmentNotFoundException e) {
                throw new PoolDestroyedException("pool " + descriptor.muid() + " (segment " + name + ") does not"
                    + " exist: it was destroyed, or its runtime has ended");
            }
            MemoryPool pool = new MemoryPool(descriptor, memory);
            try {
                pool.checkHeader();
            } catch (RuntimeException e) {
                memory.close();
                throw e;
            }
            return pool;
        });
    }

    /**
     * Lets go of every pool this process has mapped that a process has destroyed since, so that its memory is freed
     * (once every process has let go of it) rather than kept for the rest of a long run. Runs whenever this process
     * maps another pool. Safe while threads still use such a pool: see {@link SharedMemory#close()}.
     */
    public static void closeDestroyed() {
        for (MemoryPool pool : ATTACHED.values()) {
            if (pool.isDestroyed()) {
                pool.close();
            }
        }
    }

    public PoolDescriptor descriptor() {
        return descriptor;
    }

    /** The whole segment; offsets returned by this pool index into it. */
    public SharedBuffer buffer() {
        return segment;
    }

    /**
     * Allocates {@code size} bytes, failing at once if no block is free.
     *
     * @throws PoolFullException if no block large enough is free now
     * @throws AllocationTooLargeException if no block of this pool can ever hold {@code size} bytes
     */
    public Allocation allocate(long size) {
        long offset = tryAllocate(size);
        if (offset == NONE) {
            throw full(size, "now");
        }
        return new Allocation(this, offset, size);
    }

    /**
     * Allocates {@code size} bytes, waiting for other processes to free memory for at most {@code timeout}.
     *
     * @throws PoolFullException if no block was freed in time
     * @throws AllocationTooLargeException if no block of this pool can ever hold {@code size} bytes
     */
    public Allocation allocate(long size, long timeout, TimeUnit unit) throws InterruptedException {
        long offset = allocateOffset(size, WaitMode.ADAPTIVE, Deadline.after(timeout, unit));
        return new Allocation(this, offset, size);
    }

    /**
     * Allocates {@code size} bytes if a block is free now.
     *
     * @return the block's offset in {@link #buffer()}, or {@link PoolLayout#NONE} if none is free
     */
    public long tryAllocate(long size) {
        int order = orderFor(size);
        checkNotDestroyed();
        lockAllocator();
        try {
            return allocator.allocate(order);
        } finally {
            lock.unlock();
        }
    }

    /** Allocates {@code size} bytes, waiting until the deadline; returns the offset. */
    public long allocateOffset(long size, WaitMode mode, long deadline) throws InterruptedException {
        int order = orderFor(size);
        for (;;) {
            long offset = tryAllocate(size);
            if (offset != NONE) {
                return offset;
            }
            if (!freed.await(this, order, mode, deadline) && Deadline.hasPassed(deadline)) {
                offset = tryAllocate(size);
                if (offset != NONE) {
                    return offset;
                }
                throw full(size, "before the deadline");
            }
        }
    }

    /** Frees the block at {@code offset}, waking processes waiting for memory. */
    public void free(long offset) {
        checkMapped();
        lockAllocator();
        try {
            allocator.free(offset);
        } finally {
            lock.unlock();
        }
        freed.signal();
    }

    /** The largest single allocation this pool can ever satisfy. */
    public long maxAllocation() {
        return allocator.maxAllocation();
    }

    public long size() {
        return descriptor.size();
    }

    /** Bytes in allocated blocks (a block is the request rounded up to a power of two, at least 64 bytes). */
    public long usedBytes() {
        checkMapped();
        return segment.getLongVolatile(USED_BYTES_OFFSET);
    }

    /** Bytes in free blocks. */
    public long freeBytes() {
        return allocator.heapSize() - usedBytes();
    }

    public long largestFreeBlock() {
        checkMapped();
        lockAllocator();
        try {
            return allocator.largestFreeBlock();
        } finally {
            lock.unlock();
        }
    }

    public long allocationCount() {
        checkMapped();
        return segment.getLongVolatile(ALLOCATIONS_OFFSET);
    }

    /** Whether the pool was destroyed (by any process), or this process has unmapped it. */
    public boolean isDestroyed() {
        return memory.isClosed() || (segment.getIntVolatile(FLAGS_OFFSET) & FLAG_DESTROYED) != 0;
    }

    /** Whether this process still maps the pool: its memory (and every view of it) may be used. */
    public boolean isMapped() {
        return !memory.isClosed();
    }

    /** Marks the pool destroyed for every process, removes its segment name and lets go of it here. */
    public void destroy() {
        checkMapped();
        // No lock: destroying must work even when a dead process holds the pool's lock.
        for (int flags = segment.getIntVolatile(FLAGS_OFFSET);
             !segment.compareAndSetInt(FLAGS_OFFSET, flags, flags | FLAG_DESTROYED);
             flags = segment.getIntVolatile(FLAGS_OFFSET)) {
            Thread.onSpinWait();
        }
        freed.signal(); // full-pool waiters wake up and find the pool destroyed
        SharedMemory.unlink(descriptor.segmentName());
        close();
    }

    /** Lets go of the pool in this process; every view of its memory here reads zeros from then on. */
    @Override
    public void close() {
        ATTACHED.remove(descriptor.segmentName(), this);
        memory.close();
    }

    /** Readiness of a full-pool waiter: a block of order {@code arg} or larger may be free. */
    @Override
    public boolean isReady(long order) {
        return allocator.hasFreeBlock((int) order) || isDestroyed();
    }

    @Override
    public String toString() {
        return "pool " + descriptor.muid() + " (" + descriptor.segmentName() + ", " + size() + " bytes)";
    }

    void checkAllocated(long offset) {
        checkMapped();
        lockAllocator();
        try {
            if (allocator.usedOrderAt(offset) < 0) {
                throw new IllegalArgumentException("no allocation starts at offset " + offset + " of " + this
                    + ": it was freed");
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes the allocator's lock. If its holder died, takes the lock over and repairs the allocator before returning
     * (a waiter finds a dead holder within 100 ms); if this process dies while repairing, the next one repairs again.
     */
    private void lockAllocator() {
        for (;;) {
            int deadPid;
            try {
                lock.lock();
                return;
            } catch (OwnerDeadException e) {
                deadPid = e.deadPid();
            }
            if (lock.takeFromDead(deadPid)) {
                if (allocator.recover()) {
                    freed.signal(); // an allocation undone has freed its block
                }
                return;
            }
        }
    }

    private int orderFor(long size) {
        int order = size <= 0 ? -2 : allocator.orderFor(size);
        if (order == -2) {
            throw new IllegalArgumentException("allocation size must be positive, got " + size);
        }
        if (order < 0) {
            throw new AllocationTooLargeException(size + " bytes is more than " + this + " can ever hold in one"
                + " block (at most " + maxAllocation() + " bytes); use a bigger pool");
        }
        return order;
    }

    /** Memory of an unmapped pool must never be touched: that would crash the JVM, not throw. */
    private void checkMapped() {
        if (memory.isClosed()) {
            throw new PoolDestroyedException(this + " is no longer mapped in this process (destroyed or closed)");
        }
    }

    private void checkNotDestroyed() {
        if (isDestroyed()) {
            throw new PoolDestroyedException(this + " has been destroyed");
        }
    }

    private PoolFullException full(long size, String when) {
        return new PoolFullException(this + " is full: no free block of " + size + " bytes " + when + " (" + usedBytes()
            + " of " + allocator.heapSize() + " bytes used in " + allocationCount() + " allocations, largest free"
            + " block " + largestFreeBlock() + " bytes). Free objects you no longer need, or make the pool bigger.");
    }

    private void checkHeader() {
        if (segment.capacity() < PoolLayout.TAGS_OFFSET || segment.getLongVolatile(MAGIC_OFFSET) != MAGIC) {
            throw new PoolDestroyedException("segment " + memory.name() + " is not an initialized Dragon pool");
        }
        if (segment.getInt(VERSION_OFFSET) != VERSION) {
            throw new IllegalStateException(this + " has layout version " + segment.getInt(VERSION_OFFSET)
                + ", this runtime uses " + VERSION);
        }
        if (segment.getLong(SEGMENT_SIZE_OFFSET) != descriptor.size()) {
            throw new IllegalArgumentException("descriptor of " + this + " does not match its segment ("
                + segment.getLong(SEGMENT_SIZE_OFFSET) + " bytes)");
        }
        checkNotDestroyed();
    }
}
