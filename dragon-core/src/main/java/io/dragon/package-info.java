/**
 * The Dragon runtime's API for programs: processes ({@link io.dragon.Process}, {@link io.dragon.ProcessGroup},
 * {@link io.dragon.Pool}), queues ({@link io.dragon.Queue}), synchronization ({@link io.dragon.Lock},
 * {@link io.dragon.Semaphore}, {@link io.dragon.Barrier}, {@link io.dragon.Event}) and shared memory
 * ({@link io.dragon.SharedByteArray}, {@link io.dragon.SharedIntArray}, {@link io.dragon.SharedLongArray},
 * {@link io.dragon.SharedDoubleArray}), each the same on one node and across the nodes of a run, in the style of
 * {@code java.util.concurrent}. A program started by {@code dragon} uses them directly; everything else in
 * {@code io.dragon.*} is the runtime's own and may change.
 */
package io.dragon;
