package io.dragon.core.testing;

import io.dragon.core.locks.SharedLock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Random-moment kills for crash tests that must not land inside another structure's critical section (one whose
 * crash safety is tested elsewhere, such as a pool's): the child is stopped with SIGSTOP, and killed with SIGKILL only
 * if it does not hold that lock; otherwise it is continued and the caller tries again a little later.
 */
public final class KillOutside {
    private KillOutside() {
    }

    /** Kills {@code child} at the moment it is at, unless it holds {@code lock}: returns whether it was killed. */
    public static boolean killUnlessHolding(ChildJvm child, SharedLock lock) throws InterruptedException {
        signal("STOP", child.pid());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!isStopped(child.pid())) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException(child + " did not stop within 10 s");
            }
            Thread.sleep(1);
        }
        if (lock.holderPid() == child.pid()) {
            signal("CONT", child.pid());
            return false;
        }
        child.kill();
        return true;
    }

    private static void signal(String name, long pid) throws InterruptedException {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid)).start();
            if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + name + " " + pid + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether every thread of the process is in the stopped state ('T' in /proc/pid/task/tid/stat). */
    private static boolean isStopped(long pid) {
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            return tasks.allMatch(task -> {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    return stat.charAt(stat.lastIndexOf(')') + 2) == 'T';
                } catch (IOException e) {
                    return true; // the thread has ended
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
