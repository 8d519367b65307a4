package io.dragon.backend;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.Marker;
import org.apache.logging.log4j.message.Message;
import org.apache.logging.log4j.message.MessageFactory;
import org.apache.logging.log4j.simple.SimpleLogger;
import org.apache.logging.log4j.spi.ExtendedLogger;
import org.apache.logging.log4j.spi.LoggerContext;
import org.apache.logging.log4j.spi.LoggerContextFactory;
import org.apache.logging.log4j.util.PropertiesUtil;

/**
 * Logging of the runtime's JVMs: Log4j2's API with its simple loggers, one file per service
 * ({@code <log dir>/<name>.log}) at the requested level. A JVM hosts several services (the launcher, or a node's
 * backend, with Local Services and Global Services on threads of their own), so a line goes to the file of the
 * thread that logs it: the file its service chose ({@link #logThisThreadTo}), which the threads it starts inherit,
 * or else the JVM's ({@link #configureService}, {@link #configureLauncher}). Called first thing in each main,
 * before any logger exists.
 *
 * <p>Not log4j-core: its set-up cost 130-240 ms of CPU in each of the runtime's JVMs, all of it on the bringup's
 * critical path, for features (appenders, layouts, reconfiguration) that one file per service does not need.
 */
public final class ServiceLogging {
    /** A line's date and time, in the node's zone: logs of several nodes and days sort and merge by it. */
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS")
        .withZone(ZoneId.systemDefault());
    private static final long PID = ProcessHandle.current().pid();
    private static final OutputStream STDERR = new FileOutputStream(FileDescriptor.err);
    private static final Map<Path, OutputStream> FILES = new ConcurrentHashMap<>();
    private static final InheritableThreadLocal<OutputStream> THREAD_FILE = new InheritableThreadLocal<>();
    private static volatile OutputStream jvmFile = STDERR;
    private static volatile Level level = Level.WARN;
    /** Every logger's stream: each write goes to the file of the thread that writes. */
    private static final PrintStream LINES = new PrintStream(new OutputStream() {
        @Override
        public void write(int b) throws IOException {
            target().write(b);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            target().write(bytes, offset, length);
        }

        @Override
        public void flush() throws IOException {
            target().flush();
        }

        private OutputStream target() {
            OutputStream file = THREAD_FILE.get();
            return file != null ? file : jvmFile;
        }
    }, true, StandardCharsets.UTF_8);

    private ServiceLogging() {
    }

    /**
     * A runtime JVM of a node logs to its file, in the log directory it makes or checks first (see
     * {@link LogDirectory}); if that directory is not the user's alone, it says why on stderr and exits with status 1.
     */
    public static void configureService(String logDir, String name, String level) {
        install(level);
        if (logDir == null) {
            jvmFile = OutputStream.nullOutputStream();
            return;
        }
        try {
            jvmFile = file(Path.of(logDir), name);
        } catch (IOException | UncheckedIOException e) {
            System.err.println("dragon: " + name + ": " + e.getMessage());
            System.exit(1);
        }
    }

    /**
     * The launcher logs to its file in {@code logDir}, which it has prepared ({@link LogDirectory#prepare}); at
     * DEBUG or TRACE it logs to stderr instead, so that a user who asks for more sees it. Its short summary goes to
     * stderr in any case (see the launcher's {@code Console}).
     */
    public static void configureLauncher(Path logDir, String level) {
        String upper = level.toUpperCase(Locale.ROOT);
        install(upper);
        if (!upper.equals("DEBUG") && !upper.equals("TRACE")) {
            jvmFile = file(logDir.resolve("launcher.log"));
        }
    }

    /**
     * The calling thread, and the threads it starts from now on, log to {@code <logDir>/<name>.log}: what a service
     * on a thread of a runtime JVM calls first. Without a log directory, or if it is not usable (said on stderr),
     * they go on logging to the JVM's file.
     */
    public static void logThisThreadTo(String logDir, String name) {
        if (logDir == null) {
            return;
        }
        try {
            THREAD_FILE.set(file(Path.of(logDir), name));
        } catch (IOException | UncheckedIOException e) {
            System.err.println("dragon: " + name + ": " + e.getMessage() + "; logging to the process's log");
        }
    }

    /**
     * A factory whose threads log where the calling thread logs now, whichever thread later asks it for one: a
     * pool's threads are made by whoever submits work when one is needed (the JDK's process reaper, say, for work
     * run when a process exits).
     */
    public static ThreadFactory loggingHere(ThreadFactory factory) {
        OutputStream file = THREAD_FILE.get();
        return runnable -> factory.newThread(() -> {
            THREAD_FILE.set(file);
            runnable.run();
        });
    }

    /** The files this JVM logs to: its services' (a node's backend gathers them at teardown). */
    public static List<Path> files() {
        return List.copyOf(FILES.keySet());
    }

    private static OutputStream file(Path logDir, String name) throws IOException {
        LogDirectory.prepare(logDir);
        return file(logDir.resolve(name + ".log"));
    }

    private static OutputStream file(Path path) {
        return FILES.computeIfAbsent(path, p -> {
            try {
                return new FileOutputStream(p.toFile(), true);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot open " + p + ": " + e.getMessage(), e);
            }
        });
    }

    private static void install(String levelName) {
        level = Level.toLevel(levelName.toUpperCase(Locale.ROOT), Level.INFO);
        System.setProperty("log4j.provider", Provider.class.getName());
    }

    /** The Log4j2 provider of this logging, named by the system property {@code log4j.provider}. */
    public static final class Provider extends org.apache.logging.log4j.spi.Provider {
        public Provider() {
            super(100, "2.6.0", ContextFactory.class);
        }
    }

    /** The one logger context, whatever the caller. */
    public static final class ContextFactory implements LoggerContextFactory {
        private static final Context CONTEXT = new Context();

        @Override
        public LoggerContext getContext(String fqcn, ClassLoader loader, Object externalContext, boolean current) {
            return CONTEXT;
        }

        @Override
        public LoggerContext getContext(String fqcn, ClassLoader loader, Object externalContext, boolean current,
                                        URI configLocation, String name) {
            return CONTEXT;
        }

        @Override
        public void removeContext(LoggerContext context) {
            // the one context lives as long as the JVM
        }
    }

    /** Loggers writing to {@link #LINES}: see {@link LineLogger}. */
    private static final class Context implements LoggerContext {
        private final Map<String, ExtendedLogger> loggers = new ConcurrentHashMap<>();

        @Override
        public Object getExternalContext() {
            return null;
        }

        @Override
        public ExtendedLogger getLogger(String name) {
            return getLogger(name, null);
        }

        @Override
        public ExtendedLogger getLogger(String name, MessageFactory messageFactory) {
            return loggers.computeIfAbsent(name, n -> new LineLogger(n, messageFactory));
        }

        @Override
        public boolean hasLogger(String name) {
            return loggers.containsKey(name);
        }

        @Override
        public boolean hasLogger(String name, MessageFactory messageFactory) {
            return loggers.containsKey(name);
        }

        @Override
        public boolean hasLogger(String name, Class<? extends MessageFactory> messageFactoryClass) {
            return loggers.containsKey(name);
        }
    }

    /**
     * Log4j2's simple logger, with lines that say who wrote them: {@code 2026-12-06 17:20:01.123 4242 [main] INFO
     * Launcher message}, the date and time, the JVM's pid, the thread, the level, the logger's class; a throwable's
     * stack trace follows its line.
     */
    private static final class LineLogger extends SimpleLogger {
        private final String shortName;
        /** {@link #LINES}, unless {@link #setStream} (tests capture a class's lines so) says otherwise. */
        private volatile PrintStream out = LINES;

        LineLogger(String name, MessageFactory messageFactory) {
            super(name, level, false, true, false, false, null, messageFactory, PropertiesUtil.getProperties(),
                LINES);
            this.shortName = name.substring(name.lastIndexOf('.') + 1);
        }

        @Override
        public void logMessage(String fqcn, Level lineLevel, Marker marker, Message message, Throwable thrown) {
            String line = TIME.format(Instant.now()) + ' ' + PID + " [" + Thread.currentThread().getName() + "] "
                + lineLevel + ' ' + shortName + ' ' + message.getFormattedMessage();
            Throwable trace = thrown != null ? thrown : message.getThrowable();
            PrintStream stream = out;
            synchronized (stream) {
                stream.println(line);
                if (trace != null) {
                    trace.printStackTrace(stream);
                }
            }
        }

        @Override
        public void setStream(PrintStream stream) {
            super.setStream(stream);
            out = stream;
        }
    }
}
