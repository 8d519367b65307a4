package io.dragon.backend;

import io.dragon.core.messages.MessageCodec;
import io.dragon.core.messages.Messages.GSIsUp;
import io.dragon.core.shm.Futex;
import io.dragon.core.shm.SharedBuffer;

/**
 * Loads what a runtime JVM needs before its first message (the codec, the shared-memory and libc bindings: about
 * 90 ms of CPU) while it would otherwise wait for a peer: Global Services does it while Local Services makes the
 * channels.
 */
public final class Warmup {
    private Warmup() {
    }

    public static void now() {
        MessageCodec.decode(MessageCodec.encode(new GSIsUp(0)));
        SharedBuffer.fullFence();
        Futex.wake(0, 0); // binds libc; the call itself fails harmlessly on address 0
    }
}
