package io.dragon.bench;

import io.dragon.core.sync.WaitMode;

/** How a benchmark side waits for its channel: a poll loop of {@code try*} calls, or one of the {@link WaitMode}s. */
enum Wait {
    /** {@code trySend}/{@code tryRecv} in a busy loop with {@link Thread#onSpinWait()}, as the Agrona peer does. */
    POLL(null),
    SPIN(WaitMode.SPIN),
    ADAPTIVE(WaitMode.ADAPTIVE),
    SLEEP(WaitMode.SLEEP);

    final WaitMode mode;

    Wait(WaitMode mode) {
        this.mode = mode;
    }

    static Wait parse(String name) {
        return valueOf(name.toUpperCase(java.util.Locale.ROOT));
    }
}
