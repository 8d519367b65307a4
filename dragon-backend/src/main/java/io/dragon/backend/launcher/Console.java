package io.dragon.backend.launcher;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The launcher's few words to the user on stderr, each also logged: a summary line at bringup and at the end, what
 * a slow bringup waits for ({@link BringupProgress}), none of these with {@code -q}, and what went wrong. Lines
 * start with {@code dragon: }, so they never pass for the program's output.
 */
final class Console {
    private static final Logger LOG = LogManager.getLogger(Console.class);

    private Console() {
    }

    /** A summary or progress line, logged in any case and said unless {@code quiet}. */
    static void summary(String text, boolean quiet) {
        LOG.info(text);
        if (!quiet) {
            System.err.println("dragon: " + text);
        }
    }

    static void problem(String text) {
        LOG.error(text);
        System.err.println("dragon: " + text);
    }
}
