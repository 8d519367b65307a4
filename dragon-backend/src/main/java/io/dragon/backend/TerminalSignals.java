package io.dragon.backend;

import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Ctrl-C in a terminal sends SIGINT to every process of the foreground group: the runtime's and the user's
 * alike. The runtime JVMs of the nodes ignore it, so that the launcher can tear the runtime down in order.
 */
public final class TerminalSignals {
    private TerminalSignals() {
    }

    public static void ignoreInterrupt() {
        Signal.handle(new Signal("INT"), SignalHandler.SIG_IGN);
    }
}
