package io.dragon.backend.launcher;

import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * What a slow bringup is waiting for, said on stderr: nothing while bringup is younger than {@link #QUIET_MS}, then
 * a line every {@link #PERIOD_MS} for as long as the launcher waits, such as {@code dragon: waiting for nodes to
 * join: 5 of 8 joined, still waiting for node3, node7, node8 (4 s)}. With {@code -q} the lines go to the
 * launcher's log only ({@link Console#summary}). Used by the launcher's one bringup thread only.
 */
final class BringupProgress {
    /** A bringup that ends within this time says nothing. */
    static final long QUIET_MS = 2_000;
    /** Time between two lines. */
    static final long PERIOD_MS = 3_000;
    /** Nodes named in one line at most; the others are counted. */
    static final int NAMED_NODES = 8;

    private final LongSupplier nanoClock;
    private final Consumer<String> out;
    private final long start;
    private long nextLine;

    /** Progress of a bringup starting now, logged and said on stderr unless {@code quiet}. */
    BringupProgress(boolean quiet) {
        this(System::nanoTime, text -> Console.summary(text, quiet));
    }

    /** Progress of a bringup starting now by {@code nanoClock}, each line to {@code out}. */
    BringupProgress(LongSupplier nanoClock, Consumer<String> out) {
        this.nanoClock = nanoClock;
        this.out = out;
        this.start = nanoClock.getAsLong();
        this.nextLine = start + TimeUnit.MILLISECONDS.toNanos(QUIET_MS);
    }

    /**
     * Called every few hundred ms while the launcher waits: if a line is due, says {@code status} (asked only
     * then) and how long bringup has taken so far.
     */
    void waiting(Supplier<String> status) {
        long now = nanoClock.getAsLong();
        if (now - nextLine < 0) {
            return;
        }
        nextLine = now + TimeUnit.MILLISECONDS.toNanos(PERIOD_MS);
        out.accept(status.get() + " (" + TimeUnit.NANOSECONDS.toSeconds(now - start) + " s)");
    }

    /**
     * A status naming the nodes not {@code done} yet: {@code waiting for nodes to join: 5 of 8 joined, still
     * waiting for node3, node7, node8}, the first {@link #NAMED_NODES} of them by name.
     *
     * @param phase     what the launcher waits for
     * @param hostnames every node's, by node index
     * @param done      the indexes of the nodes that are done
     * @param doneWord  what the nodes done are ("joined")
     */
    static String nodes(String phase, List<String> hostnames, Set<Integer> done, String doneWord) {
        StringBuilder status = new StringBuilder(phase).append(": ").append(done.size()).append(" of ")
            .append(hostnames.size()).append(' ').append(doneWord);
        int named = 0;
        for (int node = 0; node < hostnames.size(); node++) {
            if (!done.contains(node) && named++ < NAMED_NODES) {
                status.append(named == 1 ? ", still waiting for " : ", ").append(hostnames.get(node));
            }
        }
        if (named > NAMED_NODES) {
            status.append(" and ").append(named - NAMED_NODES).append(" more");
        }
        return status.toString();
    }
}
