package io.dragon.it.api;

import io.dragon.Pool;
import io.dragon.Process;
import io.dragon.ProcessTemplate;
import io.dragon.Queue;
import io.dragon.SerializableCallable;
import io.dragon.core.infrastructure.HostId;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Run by SlurmClusterIT on 2 nodes with {@code salloc --mem}, arguments: the -Xmx (MiB) that 4 workers of a pool
 * get (HeapSizing: 2 on each node). A pool's workers have that maximum heap, and report it as Runtime.maxMemory();
 * a pool given its own heap keeps it; a process started on its own keeps the JVM's default.
 */
public final class HeapChecks extends Checks {
    private static final int WORKERS = 4;

    public static void main(String[] args) {
        new HeapChecks().run(Long.parseLong(args[0]));
    }

    private void run(long expectedMiB) {
        check("a pool's workers share their node's grant", () -> {
            try (Pool pool = Pool.create(WORKERS)) {
                SerializableCallable<String> describe = HeapChecks::describe;
                List<Future<String>> answers = new ArrayList<>();
                for (int i = 0; i < 8 * WORKERS; i++) {
                    answers.add(pool.submit(describe));
                }
                Set<String> workers = new TreeSet<>();
                for (Future<String> answer : answers) {
                    workers.add(answer.get(60, TimeUnit.SECONDS));
                }
                System.out.println("workers: " + workers);
                for (String worker : workers) {
                    String[] fields = worker.split(" ");
                    expectEquals("[-Xmx" + expectedMiB + "m]", fields[2], "the heap options of worker " + worker);
                    long maxMiB = Long.parseLong(fields[3]);
                    expect(maxMiB <= expectedMiB && maxMiB > expectedMiB / 2, "Runtime.maxMemory() in ("
                        + expectedMiB / 2 + ", " + expectedMiB + "] MiB, got " + maxMiB + " of worker " + worker);
                }
                expectEquals(2L, workers.stream().map(w -> w.split(" ")[0]).distinct().count(), "nodes of "
                    + workers);
            }
        });
        check("a pool given its own heap keeps it", () -> {
            try (Pool own = Pool.create(2, "-Xmx100m")) {
                expectEquals("[-Xmx100m]", own.submit((SerializableCallable<String>) HeapChecks::describe).get()
                    .split(" ")[2], "the heap options of a worker");
            }
        });
        check("a process started on its own keeps the JVM's default", () -> {
            Queue<String> said = Queue.create(2);
            Process lone = ProcessTemplate.of(() -> Checks.putQuietly(said, describe())).start();
            expectEquals("[]", said.poll(60, TimeUnit.SECONDS).split(" ")[2], "its heap options");
            expectEquals(0, lone.join(), "its exit code");
            said.destroy();
        });
        finish();
    }

    /** Host, pid, this JVM's heap options ([-Xmx...]) and Runtime.maxMemory() in MiB, separated by spaces. */
    private static String describe() {
        return HostId.hostname() + " " + ProcessHandle.current().pid() + " " + ManagementFactory.getRuntimeMXBean()
            .getInputArguments().stream().filter(option -> option.startsWith("-Xm")).collect(Collectors.joining(
                ",", "[", "]")) + " " + (Runtime.getRuntime().maxMemory() >> 20);
    }
}
