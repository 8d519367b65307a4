package io.dragon.backend;

import java.nio.file.Path;
import java.util.Locale;

/**
 * Points Log4j2 at one file per runtime process ({@code <log dir>/<name>.log}) at the requested level (see
 * log4j2.xml for how the properties are used). Called first thing in each main, before any logger exists.
 */
public final class ServiceLogging {
    private ServiceLogging() {
    }

    /** A service logs only to its file. */
    public static void configureService(String logDir, String name, String level) {
        configure(logDir == null ? null : Path.of(logDir), name, level, "OFF", "OFF");
    }

    /**
     * The launcher also prints a short summary on stderr, and problems; at DEBUG or TRACE, everything it logs.
     */
    public static void configureLauncher(Path logDir, String level) {
        String upper = level.toUpperCase(Locale.ROOT);
        boolean verbose = upper.equals("DEBUG") || upper.equals("TRACE");
        configure(logDir, "launcher", upper, verbose ? upper : "WARN", "INFO");
    }

    private static void configure(Path logDir, String name, String level, String consoleLevel, String summaryLevel) {
        if (logDir != null) {
            logDir.toFile().mkdirs();
            System.setProperty("dragon.log.file", logDir.resolve(name + ".log").toString());
        } else {
            System.setProperty("dragon.log.file", "/dev/null");
        }
        System.setProperty("dragon.log.level", level);
        System.setProperty("dragon.log.console", consoleLevel);
        System.setProperty("dragon.log.summary", summaryLevel);
        System.setProperty("log4j2.disable.jmx", "true");
    }
}
