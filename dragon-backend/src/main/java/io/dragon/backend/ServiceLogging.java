package io.dragon.backend;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Sets up logging of a runtime process: Log4j2's API with its simple provider, one file per process
 * ({@code <log dir>/<name>.log}) at the requested level. Called first thing in each main, before any logger exists.
 *
 * <p>Not log4j-core: its set-up cost 130-240 ms of CPU in each of the runtime's JVMs, all of it on the bringup's
 * critical path, for features (appenders, layouts, reconfiguration) that one file per service does not need.
 */
public final class ServiceLogging {
    private static final String SIMPLE = "org.apache.logging.log4j.simplelog.";

    private ServiceLogging() {
    }

    /**
     * A service logs only to its file, in the log directory it makes or checks first (see {@link LogDirectory});
     * if that directory is not the user's alone, the service says why on stderr and exits with status 1.
     */
    public static void configureService(String logDir, String name, String level) {
        if (logDir == null) {
            configure("/dev/null", level);
            return;
        }
        try {
            LogDirectory.prepare(Path.of(logDir));
        } catch (IOException e) {
            System.err.println("dragon: " + name + ": " + e.getMessage());
            System.exit(1);
        }
        configure(Path.of(logDir).resolve(name + ".log").toString(), level);
    }

    /**
     * The launcher logs to its file in {@code logDir}, which it has prepared ({@link LogDirectory#prepare}); at
     * DEBUG or TRACE it logs to stderr instead, so that a user who asks for more sees it. Its short summary goes to
     * stderr in any case (see the launcher's {@code Console}).
     */
    public static void configureLauncher(Path logDir, String level) {
        String upper = level.toUpperCase(Locale.ROOT);
        boolean verbose = upper.equals("DEBUG") || upper.equals("TRACE");
        configure(verbose ? "system.err" : logDir.resolve("launcher.log").toString(), upper);
    }

    private static void configure(String file, String level) {
        System.setProperty("log4j.provider", "org.apache.logging.log4j.simple.internal.SimpleProvider");
        System.setProperty(SIMPLE + "logFile", file);
        System.setProperty(SIMPLE + "level", level.toUpperCase(Locale.ROOT));
        System.setProperty(SIMPLE + "showdatetime", "true");
        System.setProperty(SIMPLE + "dateTimeFormat", "HH:mm:ss.SSS");
        System.setProperty(SIMPLE + "showShortLogname", "true");
    }
}
