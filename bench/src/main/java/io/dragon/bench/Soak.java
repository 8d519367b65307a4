package io.dragon.bench;

import io.dragon.Policy;
import io.dragon.Process;
import io.dragon.ProcessTemplate;
import io.dragon.Queue;
import io.dragon.core.infrastructure.LaunchParameters;
import io.dragon.core.memory.MemoryPool;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Head program of {@code bench/run.sh soak}, under a runtime of at least two nodes: starts many short processes on
 * node 1, each putting its number into a Queue of node 0 (through the transport agents), drains and counts them,
 * and measures what the runtime holds on nodes 0 and 1 before and after (a probe process on each node): the
 * infrastructure pool's used bytes, and the shared memory, resident memory, file descriptors and threads of the
 * node's runtime JVM (backend, transport agent, Local and Global Services). {@code Soak [processes=50000]
 * [concurrency=4]}. Prints {@code result soak_processes}, {@code result soak_messages_lost} (numbers never
 * received, plus any received twice), {@code result soak_rate} and {@code result soak_<figure>_node<i>_before}
 * and {@code _after} lines; progress goes to stderr.
 */
public final class Soak {
    private static final int NODES = 2;
    /** How often, and how far apart, the final probe is repeated until the infrastructure pools are back. */
    private static final int SETTLE_PROBES = 15;
    private static final long SETTLE_MS = 2_000;

    private Soak() {
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args, 0);
        int count = options.getInt("processes", 50_000);
        int concurrency = options.getInt("concurrency", 4);
        Queue<Integer> numbers = Queue.create(1 << 14);
        Queue<String> reports = Queue.create(16);

        AtomicLong received = new AtomicLong();
        BitSet seen = new BitSet(count);
        AtomicLong duplicates = new AtomicLong();
        Thread drainer = new Thread(() -> drain(numbers, count + 2 * concurrency, seen, received, duplicates),
            "drainer");
        drainer.start();

        // Warm-up: the services' thread pools and the agents' links reach the size the run keeps them at.
        run(numbers, count, count + 2 * concurrency, concurrency);
        List<Map<String, Long>> before = probe(reports);
        log("before: " + before);
        long start = System.nanoTime();
        run(numbers, 0, count, concurrency);
        double seconds = (System.nanoTime() - start) / 1e9;
        drainer.join();
        List<Map<String, Long>> after = probe(reports);
        for (int i = 1; i < SETTLE_PROBES && !infraBack(before, after); i++) {
            Thread.sleep(SETTLE_MS);
            after = probe(reports);
        }
        log("after: " + after);

        int lost = count - seen.get(0, count).cardinality();
        System.out.println("result soak_processes " + count + " processes");
        System.out.println("result soak_messages_lost " + (lost + duplicates.get()) + " messages");
        System.out.printf("result soak_rate %.1f processes/s%n", count / seconds);
        for (int node = 0; node < NODES; node++) {
            for (String figure : before.get(node).keySet()) {
                String unit = figure.endsWith("_bytes") ? " bytes" : figure.endsWith("_kb") ? " kB" : "";
                System.out.println("result soak_" + figure + "_node" + node + "_before " + before.get(node).get(figure)
                    + unit);
                System.out.println("result soak_" + figure + "_node" + node + "_after "
                    + after.get(node).getOrDefault(figure, -1L) + unit);
            }
        }
        numbers.destroy();
        reports.destroy();
        System.exit(0);
    }

    /** Runs processes {@code from} to {@code to} - 1 on node 1, {@code concurrency} at a time. */
    private static void run(Queue<Integer> numbers, int from, int to, int concurrency) throws InterruptedException {
        ArrayDeque<Process> running = new ArrayDeque<>();
        for (int i = from; i < to; i++) {
            if (running.size() == concurrency) {
                awaitSuccess(running.poll());
            }
            int number = i;
            running.add(Process.start(ProcessTemplate.of(() -> put(numbers, number)).withPolicy(Policy.node(1))));
            if ((i - from + 1) % 1000 == 0) {
                log("started " + (i - from + 1) + " processes");
            }
        }
        for (Process process : running) {
            awaitSuccess(process);
        }
    }

    private static void awaitSuccess(Process process) throws InterruptedException {
        int code = process.join();
        if (code != 0) {
            throw new IllegalStateException(process + " exited with " + code);
        }
    }

    private static void drain(Queue<Integer> numbers, int expected, BitSet seen, AtomicLong received,
                              AtomicLong duplicates) {
        try {
            while (received.get() < expected) {
                Integer number = numbers.poll(60, TimeUnit.SECONDS);
                if (number == null) {
                    log("no number for 60 s after " + received.get() + " of " + expected);
                    return;
                }
                received.incrementAndGet();
                if (seen.get(number)) {
                    duplicates.incrementAndGet();
                }
                seen.set(number);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void put(Queue<Integer> numbers, int number) {
        try {
            numbers.put(number);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One probe process per node, one after the other (each must not count the other). */
    private static List<Map<String, Long>> probe(Queue<String> reports) throws InterruptedException {
        List<Map<String, Long>> byNode = new ArrayList<>();
        for (int node = 0; node < NODES; node++) {
            awaitSuccess(Process.start(ProcessTemplate.of(() -> report(reports)).withPolicy(Policy.node(node))));
            Map<String, Long> figures = new LinkedHashMap<>();
            for (String figure : reports.take().split(" ")) {
                figures.put(figure.substring(0, figure.indexOf('=')),
                    Long.parseLong(figure.substring(figure.indexOf('=') + 1)));
            }
            byNode.add(figures);
        }
        return byNode;
    }

    private static boolean infraBack(List<Map<String, Long>> before, List<Map<String, Long>> after) {
        for (int node = 0; node < NODES; node++) {
            if (!before.get(node).get("infra_used_bytes").equals(after.get(node).get("infra_used_bytes"))) {
                return false;
            }
        }
        return true;
    }

    /** In a probe process: measures its node (before this process makes any reply channel), then reports. */
    private static void report(Queue<String> reports) {
        StringBuilder figures = new StringBuilder();
        measure().forEach((figure, value) -> figures.append(figures.length() == 0 ? "" : " ").append(figure)
            .append('=').append(value));
        try {
            reports.put(figures.toString());
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, Long> measure() {
        LaunchParameters params = LaunchParameters.fromEnvironment();
        Map<String, Long> figures = new LinkedHashMap<>();
        figures.put("infra_used_bytes", MemoryPool.attach(params.infraPool()).usedBytes());
        // The node's runtime JVM (the backend, with Local Services, which started this process) is our parent.
        ProcessHandle.current().parent().filter(p -> runs(p.pid(), "BackendMain")).map(ProcessHandle::pid)
            .ifPresent(pid -> {
                figures.put("runtime_shm_mapped_bytes", shmMapped(pid));
                figures.put("runtime_rss_kb", statusKb(pid, "VmRSS:"));
                figures.put("runtime_fds", count(pid, "fd"));
                figures.put("runtime_threads", count(pid, "task"));
            });
        return figures;
    }

    private static boolean runs(long pid, String mainClass) {
        return ProcessHandle.of(pid).flatMap(p -> p.info().arguments())
            .map(args -> Stream.of(args).anyMatch(arg -> arg.endsWith("." + mainClass))).orElse(false);
    }

    /** Bytes of the runtime's segments (/dev/shm/dragon-...) that the process maps. */
    private static long shmMapped(long pid) {
        try (Stream<String> lines = Files.lines(proc(pid).resolve("maps"))) {
            return lines.filter(line -> line.contains("/dev/shm/dragon-")).mapToLong(line -> {
                String[] range = line.substring(0, line.indexOf(' ')).split("-");
                return Long.parseUnsignedLong(range[1], 16) - Long.parseUnsignedLong(range[0], 16);
            }).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long statusKb(long pid, String field) {
        try (Stream<String> lines = Files.lines(proc(pid).resolve("status"))) {
            return lines.filter(line -> line.startsWith(field)).mapToLong(line -> Long.parseLong(
                line.substring(field.length()).replace("kB", "").trim())).findFirst().orElse(-1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long count(long pid, String directory) {
        try (Stream<Path> entries = Files.list(proc(pid).resolve(directory))) {
            return entries.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path proc(long pid) {
        return Path.of("/proc", Long.toString(pid));
    }

    private static void log(String message) {
        System.err.println("soak: " + message);
    }
}
