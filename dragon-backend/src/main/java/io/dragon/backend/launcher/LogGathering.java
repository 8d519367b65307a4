package io.dragon.backend.launcher;

import io.dragon.core.messages.Message;
import io.dragon.core.messages.Messages.BELogs;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The logs of a multi-node run, gathered where they outlive the job. Each node's runtime JVM logs to a directory on
 * the node ({@code LogDirectory.defaultFor}: fast, and there whether or not the nodes share a file system); at
 * teardown, once the node's services have halted, its backend sends its log files up the fan-out tree, whose links
 * are authenticated ({@link #send}), and the frontend appends them to files of the same names in the run's log
 * directory ({@link #accept}). A node that is lost sends nothing: its files stay on it, and {@link #finish} says so.
 * The frontend's own files (launcher.log, cleanup.log) are written in the run's log directory directly.
 */
final class LogGathering {
    private static final Logger LOG = LogManager.getLogger(LogGathering.class);
    /** Largest piece of a file per message: a message is encoded whole, in memory, at each end. */
    static final int PIECE_BYTES = 1 << 20;
    /**
     * Most bytes of log files a node sends (and the frontend takes from it): the pieces are queued on the tree's
     * links at once, so this bounds the memory they take there. Past it, only each file's end is sent.
     */
    static final long NODE_BYTES = 16 << 20;
    /** Room, beyond {@link #NODE_BYTES}, for the notes a node adds about what it did not send. */
    private static final long NOTE_BYTES = 64 << 10;
    /** What a node may name a file: a service's log file, never a path nor a hidden file. */
    private static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]*\\.log");
    private static final Set<String> FRONTEND_FILES = Set.of("launcher.log", "cleanup.log");

    private final Path dir;
    private final Set<String> complete = new TreeSet<>();
    /** Bytes taken from each node. */
    private final Map<String, Long> taken = new HashMap<>();
    /** Nodes some of whose files could not be written, with the first reason. */
    private final Map<String, String> failed = new HashMap<>();
    private boolean finished;

    /** Gathers into {@code dir}, the run's log directory, which the frontend has prepared. */
    LogGathering(Path dir) {
        this.dir = dir;
    }

    /**
     * A backend's part: sends each of {@code files} (as long as it is now) in pieces to {@code up}, then the end of
     * the node's logs; {@link #NODE_BYTES} at most, the end of each file first in line. A file that cannot be read
     * is skipped, and said in the node's log and in the gathered one.
     */
    static void send(Consumer<Message> up, String hostname, Collection<Path> files) {
        send(up, hostname, files, NODE_BYTES);
    }

    /** {@link #send(Consumer, String, Collection)} with at most {@code budget} bytes of files. */
    static void send(Consumer<Message> up, String hostname, Collection<Path> files, long budget) {
        long left = budget;
        for (Path file : files) {
            String name = file.getFileName().toString();
            try (InputStream in = Files.newInputStream(file)) {
                long size = Files.size(file); // as long as it is now, not what the node logs while it sends
                long sent = Math.min(size, left);
                left -= sent;
                if (sent < size) {
                    in.skipNBytes(size - sent);
                    up.accept(new BELogs(0, hostname, name, ("[dragon: the first " + (size - sent) + " bytes of"
                        + " this file stay in " + file + " on " + hostname + ": a node sends at most "
                        + (budget >> 20) + " MiB of logs]\n").getBytes(StandardCharsets.UTF_8), false));
                }
                for (long rest = sent; rest > 0; ) {
                    byte[] piece = in.readNBytes((int) Math.min(PIECE_BYTES, rest));
                    if (piece.length == 0) {
                        break;
                    }
                    up.accept(new BELogs(0, hostname, name, piece, false));
                    rest -= piece.length;
                }
            } catch (IOException e) {
                LOG.warn("cannot send {} to the frontend: {}", file, e.toString());
                up.accept(new BELogs(0, hostname, name, ("\n[dragon: the rest of this file could not be read on "
                    + hostname + ": " + e + "]\n").getBytes(StandardCharsets.UTF_8), false));
            }
        }
        up.accept(new BELogs(0, hostname, "", new byte[0], true));
    }

    /**
     * The frontend's part: appends a node's piece to its file in the log directory, opened for the piece only (a
     * node may name many files; none stays open). A piece missing a field is dropped with a warning.
     */
    void accept(BELogs logs) {
        if (logs.hostname() == null || logs.name() == null || (logs.data() == null && !logs.last())) {
            LOG.warn("dropped a log piece with a missing field from {}", logs.hostname());
            return;
        }
        if (logs.last()) {
            complete.add(logs.hostname());
            return;
        }
        String name = logs.name();
        if (!FILE_NAME.matcher(name).matches() || FRONTEND_FILES.contains(name)) {
            LOG.warn("dropped a log file of {} with a name no service's log has: '{}'", logs.hostname(), name);
            return;
        }
        if (failed.containsKey(logs.hostname())) {
            return;
        }
        long total = taken.merge(logs.hostname(), (long) logs.data().length, Long::sum);
        if (total > NODE_BYTES + NOTE_BYTES) {
            failed.put(logs.hostname(), "it sent more than the " + (NODE_BYTES >> 20) + " MiB a node may");
            return;
        }
        try {
            Files.write(dir.resolve(name), logs.data(), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            failed.put(logs.hostname(), "cannot write " + dir.resolve(name) + ": " + e.getMessage());
        }
    }

    /**
     * After teardown: says in the log and on stderr whose logs are not all in the
     * log directory (of {@code hostnames}): those of a lost node stay in {@code nodeDir} on it.
     */
    void finish(List<String> hostnames, Path nodeDir) {
        if (finished) {
            return; // a forced teardown after the orderly one
        }
        finished = true;
        List<String> missing = hostnames.stream().filter(host -> !complete.contains(host)).toList();
        if (!missing.isEmpty()) {
            Console.problem("the logs of " + String.join(", ", missing) + " could not be gathered into " + dir
                + " (node lost or gone): they stay in " + nodeDir + " on " + (missing.size() == 1 ? "that node"
                : "those nodes"));
        }
        failed.forEach((host, why) -> Console.problem("the logs of " + host + " are not all in " + dir + " (" + why
            + "): they stay in " + nodeDir + " on " + host));
        if (missing.isEmpty() && failed.isEmpty()) {
            LOG.info("gathered the logs of every node into {}", dir);
        }
    }
}
