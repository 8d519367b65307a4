package io.dragon.bench;

import io.dragon.core.client.GlobalServicesClient;
import io.dragon.core.messages.Messages.ProcessInfo;
import io.dragon.core.messages.Messages.ProcessSpec;
import io.dragon.core.messages.Messages.ProcessState;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Head program of {@code bench/run.sh process_launch_vs_processbuilder}; run it under the runtime:
 * {@code bin/dragon -cp 'bench/target/dragon-bench-*.jar:bench/target/lib/*' io.dragon.bench.LaunchRate
 * [warmup=20] [count=200] [blocks=5] [exe=/bin/true]}.
 *
 * <p>Ours: {@code count} sequential {@code createProcess(exe)} + {@code join} through Global Services (Local
 * Services starts the process, pumps its stdout and stderr, reports the exit after both end). Peer, in this same
 * JVM: {@code count} sequential {@code new ProcessBuilder(exe).start().waitFor()}. After {@code warmup} rounds of
 * each, {@code blocks} blocks of each alternate (the order swaps every block); each block gives a rate in
 * processes/s and the medians over blocks are printed on stdout as {@code result} and {@code ratio} lines, which
 * the launcher forwards. Progress and the per-phase split (create / join, start / waitFor) go to stderr.
 *
 * <p>Lost exits: a join that times out ({@code join_timeout_ms}, 250; a join of /bin/true takes 2-4 ms) twice in
 * a row while the process no longer exists means Global Services will never see it end (it handled SHProcessExit
 * before SHProcessCreateResponse, and the response marked the process ACTIVE again). Such rounds are counted, left
 * out of the rate (their time too), and reported as {@code result process_launch_lost_exits N processes}; a user's
 * join would hang forever there.
 */
public final class LaunchRate {
    private static final long JOIN_TIMEOUT_MS = 30_000;

    /** How long a join waits before the benchmark checks whether the process still exists. */
    private static long joinTimeoutMs;
    /** Rounds of the last {@link #viaGlobalServices} block that completed, and that lost their exit report. */
    private static int reported;
    private static int lost;

    private LaunchRate() {
    }

    public static void main(String[] args) {
        try {
            Options options = Options.parse(args, 0);
            joinTimeoutMs = options.getLong("join_timeout_ms", 250);
            run(options.getInt("warmup", 20), options.getInt("count", 200), options.getInt("blocks", 5),
                options.get("exe", "/bin/true"));
        } catch (Throwable e) {
            System.err.print("LaunchRate failed: ");
            e.printStackTrace();
            System.exit(1);
        }
        System.exit(0);
    }

    private static void run(int warmup, int count, int blocks, String exe) throws Exception {
        GlobalServicesClient gs = GlobalServicesClient.get();
        ProcessSpec spec = new ProcessSpec(exe, List.of(), Map.of(), null, null, false, -1);
        long[] first = new long[count];
        long[] second = new long[count];
        double[] ours = new double[blocks];
        double[] peer = new double[blocks];
        System.err.printf(Locale.ROOT, "LaunchRate: %s, %d warm-up + %d blocks of %d sequential launches each"
            + " way%n", exe, warmup, blocks, count);
        viaGlobalServices(gs, spec, new long[warmup], new long[warmup]);
        int lostTotal = lost;
        viaProcessBuilder(exe, new long[warmup], new long[warmup]);
        for (int b = 0; b < blocks; b++) {
            for (int turn = 0; turn < 2; turn++) {
                if ((turn == 0) == (b % 2 == 0)) {
                    long nanos = viaGlobalServices(gs, spec, first, second);
                    lostTotal += lost;
                    if (reported == 0) {
                        throw new IllegalStateException("every exit report of block " + (b + 1) + " was lost");
                    }
                    long[] create = Arrays.copyOf(first, reported);
                    long[] join = Arrays.copyOf(second, reported);
                    ours[b] = reported * 1e9 / nanos;
                    System.err.printf(Locale.ROOT, "  block %d: createProcess+join %.1f processes/s (median"
                        + " create %.2f ms, join %.2f ms; p90 %.2f / %.2f ms)%s%n", b + 1, ours[b], ms(median(create)),
                        ms(median(join)), ms(percentile(create, 0.9)), ms(percentile(join, 0.9)),
                        lost == 0 ? "" : "; " + lost + " of " + count + " exits lost, left out");
                } else {
                    long nanos = viaProcessBuilder(exe, first, second);
                    peer[b] = count * 1e9 / nanos;
                    System.err.printf(Locale.ROOT, "  block %d: ProcessBuilder %.1f processes/s (median start %.2f ms,"
                        + " waitFor %.2f ms)%n", b + 1, peer[b], ms(median(first)), ms(median(second)));
                }
            }
            System.err.printf(Locale.ROOT, "  block %d ratio %.3f%n", b + 1, ours[b] / peer[b]);
        }
        double m = Median.of(ours);
        double p = Median.of(peer);
        System.out.printf(Locale.ROOT, "result process_launch_rate %.1f processes/s%n", m);
        System.out.printf(Locale.ROOT, "result processbuilder_launch_rate %.1f processes/s%n", p);
        if (lostTotal > 0) {
            // a round that loses its exit report would wait forever without the benchmark's check: never hide it
            System.out.printf(Locale.ROOT, "result process_launch_lost_exits %d processes%n", lostTotal);
        }
        System.out.printf(Locale.ROOT, "ratio process_launch_vs_processbuilder %.3f%n", m / p);
        System.out.flush();
    }

    /**
     * Sequential create + join; returns the nanoseconds of the rounds whose exit was reported, and each such
     * round's two phases in the arrays (from index 0, {@link #reported} of them). A round whose join times out
     * while the process no longer exists lost its exit report (see the class comment): it is counted in
     * {@link #lost}, its time left out.
     */
    private static long viaGlobalServices(GlobalServicesClient gs, ProcessSpec spec, long[] create, long[] join) {
        long total = 0;
        reported = 0;
        lost = 0;
        for (int i = 0; i < create.length; i++) {
            long t0 = System.nanoTime();
            ProcessInfo started = gs.createProcess(spec);
            long t1 = System.nanoTime();
            ProcessInfo done = gs.join(started.puid(), joinTimeoutMs);
            // Still ACTIVE after the timeout: a slow process (it exists: wait on), a report on its way (one more
            // wait), or a lost report (still ACTIVE after that, the process long gone).
            int goneChecks = 0;
            while (done.state() == ProcessState.ACTIVE && goneChecks < 2) {
                goneChecks = exists(started.pid()) ? 0 : goneChecks + 1;
                if (System.nanoTime() - t1 > TimeUnit.MILLISECONDS.toNanos(JOIN_TIMEOUT_MS)) {
                    throw new IllegalStateException("p_uid " + started.puid() + " still runs after "
                        + JOIN_TIMEOUT_MS + " ms: " + done);
                }
                if (goneChecks < 2) {
                    done = gs.join(started.puid(), joinTimeoutMs);
                }
            }
            long t2 = System.nanoTime();
            if (done.state() == ProcessState.ACTIVE) {
                lost++;
                if (lost <= 3) {
                    System.err.printf(Locale.ROOT, "  p_uid %d (pid %d) is gone but Global Services still has"
                        + " it %s after %d ms: its exit report was lost%n", started.puid(), started.pid(), done.state(),
                        TimeUnit.NANOSECONDS.toMillis(t2 - t1));
                }
                continue;
            }
            if (done.state() != ProcessState.EXITED || done.exitCode() != 0) {
                throw new IllegalStateException("p_uid " + started.puid() + " ended as " + done);
            }
            create[reported] = t1 - t0;
            join[reported] = t2 - t1;
            reported++;
            total += t2 - t0;
        }
        return total;
    }

    /** Sequential {@code new ProcessBuilder(exe).start().waitFor()}, timed the same way. */
    private static long viaProcessBuilder(String exe, long[] startTimes, long[] waitTimes) throws Exception {
        long start = System.nanoTime();
        for (int i = 0; i < startTimes.length; i++) {
            long t0 = System.nanoTime();
            Process process = new ProcessBuilder(exe).start();
            long t1 = System.nanoTime();
            if (!process.waitFor(JOIN_TIMEOUT_MS, TimeUnit.MILLISECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException(exe + " did not exit with 0 within " + JOIN_TIMEOUT_MS + " ms");
            }
            long t2 = System.nanoTime();
            startTimes[i] = t1 - t0;
            waitTimes[i] = t2 - t1;
        }
        return System.nanoTime() - start;
    }

    private static boolean exists(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    private static double median(long[] values) {
        return percentile(values, 0.5);
    }

    private static double percentile(long[] values, double q) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        if (q == 0.5 && n % 2 == 0) {
            return (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
        }
        return sorted[Math.min(n - 1, (int) Math.ceil(q * n) - 1)];
    }

    private static double ms(double nanos) {
        return nanos / 1e6;
    }
}
