package io.dragon.core.channels;

/**
 * Takes a received message that lies in a side allocation, without copying it (see
 * {@link LocalChannel#tryRecv(java.nio.ByteBuffer, SideTaker)}).
 */
@FunctionalInterface
public interface SideTaker {
    /**
     * From now on owns the message of {@code length} bytes at offset {@code side} of the channel's pool, and frees
     * it ({@link io.dragon.core.memory.MemoryPool#free}) once done with it.
     */
    void take(long side, int length);
}
