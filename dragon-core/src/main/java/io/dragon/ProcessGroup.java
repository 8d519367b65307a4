package io.dragon;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Many processes made from templates ({@code n} copies of each), started, joined and killed together. With
 * {@link #restartFailed(int)}, a member that exits with a nonzero code is started again from its template, up to
 * that many times per member; {@link #join} then waits for the restarted members too.
 */
public final class ProcessGroup implements AutoCloseable {
    /** One member: its template, its current process, and how often it was restarted. */
    public static final class Member {
        private final ProcessTemplate template;
        private volatile Process process;
        private volatile int restarts;
        private volatile Integer exitCode;

        private Member(ProcessTemplate template) {
            this.template = template;
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

        @Override
        public String toString() {
            return process + (exitCode == null ? " running" : " exited " + exitCode) + (restarts > 0 ? ", restarted "
                + restarts + "x" : "");
        }
    }

    private final List<Member> members = new ArrayList<>();
    private int maxRestarts;
    private boolean started;

    /** Adds {@code copies} members made from {@code template}. */
    public ProcessGroup add(ProcessTemplate template, int copies) {
        checkNotStarted();
        for (int i = 0; i < copies; i++) {
            members.add(new Member(template));
        }
        return this;
    }

    /** Restart a member that exits nonzero, at most {@code times} times per member (0, the default: never). */
    public ProcessGroup restartFailed(int times) {
        checkNotStarted();
        this.maxRestarts = times;
        return this;
    }

    /** Starts every member; if one cannot start, the ones started are killed and the error is thrown. */
    public ProcessGroup start() {
        checkNotStarted();
        started = true;
        try {
            for (Member member : members) {
                member.process = member.template.start();
            }
        } catch (RuntimeException e) {
            kill();
            throw e;
        }
        return this;
    }

    /** Waits until every member has exited for good; returns true if all exited with 0. */
    public boolean join() throws InterruptedException {
        return join(Long.MAX_VALUE, TimeUnit.NANOSECONDS);
    }

    /** Waits until every member has exited for good or the timeout passes; true if all have, with 0. */
    public boolean join(long timeout, TimeUnit unit) throws InterruptedException {
        checkStarted();
        long deadline = System.nanoTime() + Math.min(unit.toNanos(timeout), Long.MAX_VALUE / 2);
        for (Member member : members) {
            while (member.exitCode == null) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !member.process.join(left, TimeUnit.NANOSECONDS)) {
                    return false;
                }
                int code = member.process.exitCode().orElseThrow();
                if (code != 0 && member.restarts < maxRestarts) {
                    member.restarts++;
                    member.process = member.template.start();
                } else {
                    member.exitCode = code;
                }
            }
        }
        return members.stream().allMatch(m -> m.exitCode == 0);
    }

    /** {@link #join(long, TimeUnit)} with a Duration. */
    public boolean join(Duration timeout) throws InterruptedException {
        return join(TimeUnit.NANOSECONDS.convert(timeout), TimeUnit.NANOSECONDS);
    }

    /** Kills every member still running; none is restarted after this. */
    public void kill() {
        maxRestarts = 0;
        for (Member member : members) {
            Process process = member.process;
            if (process != null && member.exitCode == null) {
                process.kill();
            }
        }
    }

    /**
     * {@link #kill()}, for try-with-resources: no member outlives the block (killed ones may still be exiting when
     * it returns; {@link #join()} waits for them). Closing again, or a group that has not started, does nothing.
     */
    @Override
    public void close() {
        kill();
    }

    /** The members, in the order they were added. */
    public List<Member> members() {
        return List.copyOf(members);
    }

    private void checkNotStarted() {
        if (started) {
            throw new IllegalStateException("the group has started already");
        }
    }

    private void checkStarted() {
        if (!started) {
            throw new IllegalStateException("the group has not started");
        }
    }
}
