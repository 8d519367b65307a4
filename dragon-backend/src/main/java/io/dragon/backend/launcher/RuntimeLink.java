package io.dragon.backend.launcher;

import io.dragon.core.messages.Message;

/**
 * How the launcher reaches its runtime: one node through the node's channels ({@link LocalRuntime}), or every node
 * of an allocation through the fan-out tree ({@link SlurmRuntime}). The launcher's part of bringup, the head, the
 * output and teardown are the same either way ({@link Launcher}).
 */
interface RuntimeLink {
    /**
     * Starts the runtime's services, up to the point where Global Services comes up on its own, telling
     * {@code progress} what it waits for while it waits.
     *
     * @return where the runtime runs, for the user ("on node1" or "on 3 nodes (node[1-3])")
     */
    String bringup(BringupProgress progress) throws Exception;

    /**
     * The next message for the launcher, or null after a quiet 100 ms. Once every node has halted, the next is one
     * {@link io.dragon.core.messages.Messages.SHHaltBE}.
     *
     * @throws IllegalStateException if the runtime is gone (a service died)
     */
    Message next() throws InterruptedException;

    void toGlobalServices(Message message) throws InterruptedException;

    /** To Local Services of {@code node}, or of every node if -1. */
    void toLocalServices(int node, Message message) throws InterruptedException;

    /** After the runtime halted: waits for its services to exit. */
    void awaitExit() throws InterruptedException;

    /** Last resort: stops every process of the runtime and removes its segments, wherever they are. */
    void forceTeardown();
}
