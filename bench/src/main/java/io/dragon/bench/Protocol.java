package io.dragon.bench;

/**
 * What the two processes of a pair say to each other. Every message starts with a 64-bit number: the message's
 * sequence number (0, 1, 2, ...), or {@link #END}, the last message, after which the pong process exits. A stream
 * benchmark has a second, control channel or ring from ping to pong: any message there asks the sender to stop,
 * send {@link #END} and exit. Phases are time-bounded, so a slow or contended machine stretches no run.
 */
final class Protocol {
    static final long END = -1;
    /** A stream sender looks at its control channel once per this many messages. */
    static final int STOP_CHECK_EVERY = 256;
    /** A stream receiver reads the clock once per this many messages. */
    static final int CLOCK_CHECK_EVERY = 1024;

    private Protocol() {
    }

    static long nanos(double seconds) {
        return (long) (seconds * 1e9);
    }
}
