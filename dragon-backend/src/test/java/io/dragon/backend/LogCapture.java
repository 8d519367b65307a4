package io.dragon.backend;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.simple.SimpleLogger;

/**
 * What one class logs at WARN and above while this is open. The tests run without a Log4j provider, so the API's
 * simple logger is what classes have; it is pointed at a buffer, and back at stderr at close.
 */
public final class LogCapture implements AutoCloseable {
    private final SimpleLogger logger;
    private final Level level;
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();

    public LogCapture(Class<?> type) {
        assertThat(LogManager.getLogger(type)).as("the tests' logger").isInstanceOf(SimpleLogger.class);
        logger = (SimpleLogger) LogManager.getLogger(type);
        level = logger.getLevel();
        logger.setStream(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        logger.setLevel(Level.WARN);
    }

    /** What was logged so far. */
    public String text() {
        return buffer.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        logger.setStream(System.err);
        logger.setLevel(level);
    }
}
