package io.dragon.backend;

import org.apache.logging.log4j.LogManager;

/**
 * How a service process ends: logs flushed, then at once. A service has nothing else to shut down, and an orderly
 * JVM exit (shutdown hooks, finalization of the libraries' threads) costs it hundreds of milliseconds that the
 * launcher and the user would wait for.
 */
public final class ServiceExit {
    private ServiceExit() {
    }

    public static void exit(int code) {
        LogManager.shutdown();
        System.out.flush();
        System.err.flush();
        if (ClassDataSharing.training()) {
            System.exit(code); // an orderly exit writes this JVM's class-data-sharing archive
        }
        Runtime.getRuntime().halt(code);
    }
}
