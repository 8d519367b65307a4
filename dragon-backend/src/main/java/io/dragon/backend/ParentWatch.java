package io.dragon.backend;

import java.util.Optional;

/**
 * Notices the death of a service's parent (the launcher for Local Services, Local Services for Global Services)
 * by polling: when the parent dies, the kernel gives us a new one.
 *
 * <p>Polling rather than a read blocked on a pipe from the parent: a thread blocked in a native read makes the
 * JVM's exit wait up to 300 ms for it, on every teardown.
 */
public final class ParentWatch {
    private static final long POLL_MILLIS = 100;

    private ParentWatch() {
    }

    /** Runs {@code onDeath} once, on a daemon thread, if the current parent process goes away. */
    public static void start(String parentName, Runnable onDeath) {
        Optional<Long> parent = ProcessHandle.current().parent().map(ProcessHandle::pid);
        Thread watcher = new Thread(() -> {
            try {
                while (ProcessHandle.current().parent().map(ProcessHandle::pid).equals(parent)) {
                    Thread.sleep(POLL_MILLIS);
                }
                onDeath.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, parentName + "-watch");
        watcher.setDaemon(true);
        watcher.start();
    }
}
