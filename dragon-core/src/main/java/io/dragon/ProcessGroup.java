package io.dragon;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Many processes made from templates ({@code n} copies of each), started, joined and killed together.
 *
 * <ul>
 * <li>With {@link #restartFailed(int)}, a member that exits with a nonzero code is started again from its template
 * as soon as it has exited, up to that many times per member, whether or not a thread is in {@link #join}.
 * <li>With {@link #walltime(Duration, Duration)}, the members still running when the walltime has passed are asked
 * to end (SIGTERM), then killed (SIGKILL) if they still run after a grace period; {@link Member#hitWalltime()}
 * says which, and they are not restarted.
 * <li>{@link #join} waits until every member has exited for good and says whether all did with 0; {@link #members()}
 * then has each one's final exit code and restart count.
 * </ul>
 *
 * <p>The group watches its members from a thread of the process that started it (one per group, a daemon), told by
 * Global Services as each member exits ({@link Process#onExit()}); the thread ends once every member has exited for
 * good. So restarts and the walltime need that process to live on: if it ends, the members it leaves run on
 * unwatched (until {@code dragon} ends them with the run).
 */
public final class ProcessGroup implements AutoCloseable {
    /** The grace period of {@link #walltime(Duration)}. */
    public static final Duration DEFAULT_GRACE = Duration.ofSeconds(5);
    private static final AtomicInteger GROUPS = new AtomicInteger();

    /** One member: its template, its current process, and how often it was restarted. */
    public static final class Member {
        private final ProcessTemplate template;
        private final int index;
        private volatile Process process;
        private volatile int restarts;
        private volatile Integer exitCode;
        private volatile boolean hitWalltime;

        private Member(ProcessTemplate template, int index) {
            this.template = template;
            this.index = index;
        }

        /** The member's current process (the latest, after restarts), or null before it has started. */
        public Process process() {
            return process;
        }

        /** How many times the member was restarted after it failed. */
        public int restarts() {
            return restarts;
        }

        /** The final exit code, or null while it runs (or may still be restarted). */
        public Integer exitCode() {
            return exitCode;
        }

        /**
         * Whether the member was still running when the group's walltime passed, and so was ended by the group (its
         * exit code then says how: 128 + 15 after SIGTERM, 128 + 9 after SIGKILL, or its own if it handled SIGTERM).
         */
        public boolean hitWalltime() {
            return hitWalltime;
        }

        @Override
        public String toString() {
            return process + (exitCode == null ? " running" : " exited " + exitCode) + (restarts > 0 ? ", restarted "
                + restarts + "x" : "") + (hitWalltime ? ", ended at the walltime" : "");
        }
    }

    private final List<Member> members = new ArrayList<>();
    private int maxRestarts;
    private Duration walltime;
    private Duration grace;
    // guarded by this, from start() on
    private boolean started;
    /** Set by kill(), or at the walltime: no member is restarted any more. */
    private boolean stopped;
    private boolean killed;
    /** Members that have not exited for good yet. */
    private int pending;
    /** Why the group could not start, watch a member or restart one; join() throws it. */
    private RuntimeException failure;
    private ScheduledThreadPoolExecutor watcher;

    /**
     * Adds {@code copies} members made from {@code template}, spread over the nodes by the distribution of its
     * {@link ProcessTemplate#withPolicy policy} (a member restarted goes where it ran).
     */
    public ProcessGroup add(ProcessTemplate template, int copies) {
        checkNotStarted();
        for (Policy policy : template.policy().spread(copies)) {
            members.add(new Member(template.withPolicy(policy), members.size()));
        }
        return this;
    }

    /**
     * Restart a member that exits nonzero, as soon as it has exited, at most {@code times} times per member (0, the
     * default: never).
     */
    public ProcessGroup restartFailed(int times) {
        checkNotStarted();
        this.maxRestarts = times;
        return this;
    }

    /**
     * Ends the members still running {@code limit} after {@link #start()} has started them all: each gets SIGTERM
     * ({@link Process#terminate()}), then SIGKILL if it still runs {@code grace} later. Such members are marked
     * ({@link Member#hitWalltime()}), and none is restarted after the walltime. No walltime is the default.
     */
    public ProcessGroup walltime(Duration limit, Duration grace) {
        checkNotStarted();
        if (limit.isNegative() || grace.isNegative()) {
            throw new IllegalArgumentException("negative walltime " + limit + " or grace " + grace);
        }
        this.walltime = limit;
        this.grace = grace;
        return this;
    }

    /** {@link #walltime(Duration, Duration)} with a grace period of {@link #DEFAULT_GRACE}. */
    public ProcessGroup walltime(Duration limit) {
        return walltime(limit, DEFAULT_GRACE);
    }

    /** Starts every member; if one cannot start, the ones started are killed and the error is thrown. */
    public synchronized ProcessGroup start() {
        checkNotStarted();
        started = true;
        pending = members.size();
        watcher = new ScheduledThreadPoolExecutor(1, task -> {
            Thread thread = new Thread(task, "dragon-process-group-" + GROUPS.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        watcher.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        try {
            for (Member member : members) {
                member.process = member.template.start();
                watch(member);
            }
        } catch (RuntimeException e) {
            failure = e;
            kill();
            pending = 0;
            watcher.shutdown();
            throw e;
        }
        if (pending == 0) {
            watcher.shutdown();
        } else if (walltime != null) {
            watcher.schedule(this::walltimeReached, walltime.toNanos(), TimeUnit.NANOSECONDS);
        }
        return this;
    }

    /**
     * Waits until every member has exited for good: after its last restart, or at the walltime, or killed. It
     * restarts nothing itself (the group's thread does, as members fail), and any number of threads may join.
     *
     * @return true if every member's final exit code is 0 and the walltime ended none; false if a member failed for
     *     good or was ended by the walltime (even one that then exited with 0) or by {@link #kill()} ({@link
     *     #members()} says which and how)
     * @throws DragonException if the runtime could not tell a member's exit or could not restart it (the other
     *     members have then exited for good too)
     */
    public boolean join() throws InterruptedException {
        return join(Long.MAX_VALUE, TimeUnit.NANOSECONDS);
    }

    /**
     * {@link #join()}, waiting at most {@code timeout}: false also if it passes first (then some member's
     * {@link Member#exitCode()} is still null).
     */
    public synchronized boolean join(long timeout, TimeUnit unit) throws InterruptedException {
        checkStarted();
        long deadline = System.nanoTime() + Math.min(unit.toNanos(timeout), Long.MAX_VALUE / 2);
        while (pending > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        if (failure != null) {
            throw new DragonException(failure.getMessage(), failure);
        }
        return members.stream().allMatch(m -> m.exitCode == 0 && !m.hitWalltime);
    }

    /** {@link #join(long, TimeUnit)} with a Duration. */
    public boolean join(Duration timeout) throws InterruptedException {
        return join(TimeUnit.NANOSECONDS.convert(timeout), TimeUnit.NANOSECONDS);
    }

    /** Kills every member still running (SIGKILL); none is restarted after this, and the walltime is off. */
    public synchronized void kill() {
        stopped = true;
        killed = true;
        for (Member member : members) {
            Process process = member.process;
            if (process != null && member.exitCode == null) {
                process.kill();
            }
        }
    }

    /**
     * {@link #kill()}, for try-with-resources: no member outlives the block (killed ones may still be exiting when
     * it returns; {@link #join()} waits for them, and the group's thread ends once they have). Closing again, or a
     * group that has not started, does nothing.
     */
    @Override
    public void close() {
        kill();
    }

    /** The members, in the order they were added. */
    public List<Member> members() {
        return List.copyOf(members);
    }

    /** Has the group's thread handle the exit of the member's current process. */
    private void watch(Member member) {
        Process process = member.process;
        process.onExit().whenCompleteAsync((p, error) -> exited(member, process, error), watcher);
    }

    /**
     * The member's process has exited: restart it, or record its final exit code (-1 if the runtime could not tell
     * it). In the group's thread.
     */
    private synchronized void exited(Member member, Process process, Throwable error) {
        int code = -1;
        try {
            if (error != null) {
                throw error instanceof RuntimeException e ? e : new DragonException(error.toString(), error);
            }
            code = process.exitCode().orElseThrow();
            if (code != 0 && member.restarts < maxRestarts && !stopped) {
                member.process = member.template.start();
                member.restarts++;
                watch(member);
                return;
            }
        } catch (RuntimeException e) {
            if (failure == null) {
                failure = new DragonException("member " + member.index + " of the group (" + process + "): " + e,
                    e);
            }
        }
        member.exitCode = code;
        if (--pending == 0) {
            watcher.shutdown();
        }
        notifyAll();
    }

    private synchronized void walltimeReached() {
        if (killed || pending == 0) {
            return;
        }
        stopped = true;
        for (Member member : members) {
            if (member.exitCode == null) {
                member.hitWalltime = true;
                member.process.terminate();
            }
        }
        watcher.schedule(this::killOverdue, grace.toNanos(), TimeUnit.NANOSECONDS);
    }

    private synchronized void killOverdue() {
        for (Member member : members) {
            if (member.exitCode == null) {
                member.process.kill();
            }
        }
    }

    private synchronized void checkNotStarted() {
        if (started) {
            throw new IllegalStateException("the group has started already");
        }
    }

    private synchronized void checkStarted() {
        if (!started) {
            throw new IllegalStateException("the group has not started");
        }
    }
}
