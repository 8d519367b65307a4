package io.dragon.backend.launcher;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The launcher's few words to the user on stderr, each also logged: a summary line at bringup and at the end, and
 * what went wrong. Lines start with {@code dragon: }, so they never pass for the program's output.
 */
final class Console {
    private static final Logger LOG = LogManager.getLogger(Console.class);

    private Console() {
    }

    static void summary(String text) {
        LOG.info(text);
        System.err.println("dragon: " + text);
    }

    static void problem(String text) {
        LOG.error(text);
        System.err.println("dragon: " + text);
    }
}
