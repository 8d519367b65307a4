package io.dragon.backend.localservices;

import io.dragon.core.messages.MessageChannel;
import io.dragon.core.messages.Messages.SHFwdOutput;
import io.dragon.core.messages.Messages.SHProcessExit;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A process Local Services started for Global Services. Two pump threads forward its stdout and stderr to the
 * launcher in {@link SHFwdOutput} pieces; when both streams have ended, the last pump reports the exit to Global
 * Services, so a process's output always arrives before news of its exit.
 */
final class ManagedProcess {
    private static final Logger LOG = LogManager.getLogger(ManagedProcess.class);

    private final long pUid;
    private final Process process;
    private final String hostname;
    private final MessageChannel output;
    private final MessageChannel exits;
    private final AtomicLong tags;
    private final AtomicInteger openStreams = new AtomicInteger(2);
    private final CountDownLatch outputDone = new CountDownLatch(1);
    private volatile boolean reportExit = true;

    ManagedProcess(long pUid, Process process, String hostname, MessageChannel output, MessageChannel exits,
                   AtomicLong tags) {
        this.pUid = pUid;
        this.process = process;
        this.hostname = hostname;
        this.output = output;
        this.exits = exits;
        this.tags = tags;
    }

    void startPumps() {
        pump(process.getInputStream(), 1);
        pump(process.getErrorStream(), 2);
    }

    long pUid() {
        return pUid;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Feeds bytes to the process's stdin; {@code eof} closes it. */
    void input(byte[] data, boolean eof) {
        try {
            OutputStream stdin = process.getOutputStream();
            if (data.length > 0) {
                stdin.write(data);
                stdin.flush();
            }
            if (eof) {
                stdin.close();
            }
        } catch (IOException e) {
            LOG.debug("stdin of p_uid {} is closed: {}", pUid, e.getMessage());
        }
    }

    /** Stops the process: SIGTERM, then SIGKILL after {@code graceMillis}. Does not report the exit. */
    void stop(long graceMillis) throws InterruptedException {
        reportExit = false;
        process.destroy();
        if (!process.waitFor(graceMillis, TimeUnit.MILLISECONDS)) {
            LOG.warn("p_uid {} (pid {}) ignored SIGTERM for {} ms; killing it", pUid, process.pid(), graceMillis);
            process.destroyForcibly();
            process.waitFor(graceMillis, TimeUnit.MILLISECONDS);
        }
    }

    /** Waits for the output pumps to forward everything the process wrote. */
    boolean awaitOutput(long millis) throws InterruptedException {
        return outputDone.await(millis, TimeUnit.MILLISECONDS);
    }

    private void pump(InputStream stream, int fd) {
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[SHFwdOutput.MAX_OUTPUT_CHUNK];
            try (stream) {
                for (int n; (n = stream.read(buffer)) > 0; ) {
                    output.send(new SHFwdOutput(tags.incrementAndGet(), pUid, fd, Arrays.copyOf(buffer, n),
                        process.pid(), hostname));
                }
            } catch (IOException e) {
                LOG.debug("output {} of p_uid {} ended: {}", fd, pUid, e.getMessage());
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.warn("cannot forward output {} of p_uid {}: {}", fd, pUid, e.toString());
            }
            if (openStreams.decrementAndGet() == 0) {
                outputDone.countDown();
                reportExit();
            }
        }, "pump-" + pUid + "-" + fd);
        thread.setDaemon(true);
        thread.start();
    }

    private void reportExit() {
        try {
            int exitCode = process.waitFor();
            LOG.info("p_uid {} (pid {}) exited with {}", pUid, process.pid(), exitCode);
            if (reportExit) {
                exits.send(new SHProcessExit(tags.incrementAndGet(), pUid, exitCode));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.warn("cannot report the exit of p_uid {}: {}", pUid, e.toString());
        }
    }
}
