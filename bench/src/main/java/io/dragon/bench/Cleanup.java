package io.dragon.bench;

import io.dragon.core.shm.SharedMemory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Last-resort cleanup run by a shutdown hook (normal exit, exception, SIGTERM/SIGINT): kills the pong process and
 * removes shared-memory names. It only unlinks names and never unmaps, since the main thread may still be spinning on
 * the memory when a signal arrives; the normal path destroys pools itself. Every action is safe to repeat.
 */
final class Cleanup {
    private static final List<Runnable> ACTIONS = new ArrayList<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(Cleanup::runAll, "bench-cleanup"));
    }

    private Cleanup() {
    }

    static synchronized void add(Runnable action) {
        ACTIONS.add(action);
    }

    /** Unlinks a POSIX shared-memory segment name at exit if it still exists. */
    static void unlinkSegment(String segmentName) {
        add(() -> SharedMemory.unlink(segmentName));
    }

    static void deleteFile(Path path) {
        add(() -> {
            try {
                Files.deleteIfExists(path);
            } catch (IOException e) {
                System.err.println("bench: cannot delete " + path + ": " + e);
            }
        });
    }

    private static synchronized void runAll() {
        for (int i = ACTIONS.size() - 1; i >= 0; i--) {
            try {
                ACTIONS.get(i).run();
            } catch (RuntimeException e) {
                System.err.println("bench: cleanup step failed: " + e);
            }
        }
    }
}
