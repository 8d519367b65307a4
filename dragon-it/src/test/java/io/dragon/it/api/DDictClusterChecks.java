package io.dragon.it.api;

import io.dragon.CheckpointRetiredException;
import io.dragon.DDict;
import io.dragon.DDict.ManagerStats;
import io.dragon.Machine;
import io.dragon.ObjectDestroyedException;
import io.dragon.ObjectNotFoundException;
import io.dragon.Policy;
import io.dragon.Process;
import io.dragon.ProcessTemplate;
import io.dragon.Queue;
import io.dragon.SerializableBiFunction;
import io.dragon.SerializableRunnable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * {@link DDict} over the nodes of a multi-node runtime (run by SlurmClusterIT on 3 nodes, the head on node 0): a
 * manager on every node, and processes on every node that use the keys of every manager, so that each reaches its
 * own node's shard directly and the other nodes' through their managers.
 */
public final class DDictClusterChecks extends Checks {
    /** Keys each writer process writes. */
    private static final int KEYS = 300;
    /** Operations of each kind each process does in the atomicity check. */
    private static final int ROUNDS = 200;

    public static void main(String[] args) {
        new DDictClusterChecks().run();
    }

    private void run() {
        int nodes = Machine.current().nodes().size();
        DDict<String, Long> dict = DDict.<String, Long>builder().name("cluster").create();
        check("a manager on each of the " + nodes + " nodes", () -> {
            expectEquals(nodes, dict.managers(), "managers");
            Set<Integer> where = new TreeSet<>();
            for (ManagerStats stats : dict.stats()) {
                where.add(stats.node());
            }
            expectEquals(nodes, where.size(), "nodes of the managers, " + where);
        });
        check("processes on every node write keys of every manager and read every other node's", () -> {
            dict.clear();
            List<Process> writers = new ArrayList<>();
            for (int node = 0; node < nodes; node++) {
                int writer = node;
                writers.add(on(node, () -> {
                    for (int i = 0; i < KEYS; i++) {
                        expectEquals(null, dict.put(key(writer, i), (long) i), "put of a new key");
                    }
                }));
            }
            joinAll(writers);
            expectEquals(nodes * KEYS, dict.size(), "size");
            for (ManagerStats stats : dict.stats()) {
                expect(stats.entries() > KEYS / nodes, "entries of each manager, got " + stats);
            }
            Queue<String> read = Queue.create(8);
            Queue<String> go = Queue.create(8);
            List<Process> readers = new ArrayList<>();
            for (int node = 0; node < nodes; node++) {
                int reader = node;
                readers.add(on(node, () -> {
                    for (int writer = 0; writer < nodes; writer++) {
                        for (int i = 0; i < KEYS; i++) {
                            expectEquals((long) i, dict.get(key(writer, i)), "get of " + key(writer, i));
                        }
                    }
                    putQuietly(read, "read");
                    takeQuietly(go); // every reader has read every key: now they change some
                    for (int i = reader; i < KEYS; i += nodes) { // each reader changes a third of the next node's
                        String key = key((reader + 1) % nodes, i);
                        expectEquals((long) i, dict.putIfAbsent(key, -1L), "putIfAbsent of " + key);
                        expect(dict.replace(key, (long) i, i + 1L), "replace(k, old, new) of " + key);
                        expect(!dict.remove(key, (long) i), "remove(k, v) of " + key + " with the old value");
                        expectEquals(i + 1L, dict.remove(key), "remove of " + key);
                        expect(!dict.containsKey(key), "containsKey of " + key + " removed");
                    }
                }));
            }
            for (int node = 0; node < nodes; node++) {
                expectEquals("read", read.poll(60, TimeUnit.SECONDS), "a reader's word");
            }
            for (int node = 0; node < nodes; node++) {
                go.put("go");
            }
            joinAll(readers);
            read.destroy();
            go.destroy();
            for (int writer = 0; writer < nodes; writer++) {
                for (int i = 0; i < KEYS; i++) {
                    expectEquals(i % nodes == (writer + nodes - 1) % nodes ? null : (long) i,
                        dict.get(key(writer, i)), "get of " + key(writer, i) + " after the readers");
                }
            }
        });
        check("merge, compute, fetchAdd, putIfAbsent and replace give exact totals with writers on every node", () -> {
            dict.clear();
            List<Process> writers = new ArrayList<>();
            for (int node = 0; node < nodes; node++) {
                long writer = node;
                writers.add(on(node, () -> {
                    long claimed = 0;
                    for (int i = 1; i <= ROUNDS; i++) {
                        String group = " " + i % 6; // six keys of each kind: spread over the managers
                        dict.merge("merge" + group, (long) i, Long::sum);
                        dict.compute("compute" + group, (k, v) -> v == null ? 1L : v + 1);
                        dict.fetchAdd("fetchAdd" + group, i);
                        if (dict.putIfAbsent("claim " + i, writer) == null) {
                            claimed++;
                        }
                        for (;;) {
                            Long old = dict.putIfAbsent("replace" + group, 1L);
                            if (old == null || dict.replace("replace" + group, old, old + 1)) {
                                break;
                            }
                        }
                    }
                    dict.put("claimed by " + writer, claimed);
                }));
            }
            joinAll(writers);
            long sum = (long) ROUNDS * (ROUNDS + 1) / 2;
            expectEquals(nodes * sum, total(dict, "merge"), "sum of the merged counters");
            expectEquals((long) nodes * ROUNDS, total(dict, "compute"), "sum of the computed counters");
            expectEquals(nodes * sum, total(dict, "fetchAdd"), "sum of the fetchAdd counters");
            expectEquals((long) nodes * ROUNDS, total(dict, "replace"), "sum of the counters of replace loops");
            long claimed = 0;
            for (int node = 0; node < nodes; node++) {
                claimed += dict.get("claimed by " + node);
            }
            expectEquals((long) ROUNDS, claimed, "keys claimed by putIfAbsent");
        });
        check("putAll on one node and getAll on another, over every manager", () -> {
            dict.clear();
            int count = 2500 * nodes; // more than one message per manager
            expectEquals(0, on(1 % nodes, () -> {
                Map<String, Long> entries = new HashMap<>();
                for (int i = 0; i < count; i++) {
                    entries.put("bulk " + i, (long) i);
                }
                dict.putAll(entries);
            }).join(), "exit code of the putAll process");
            expectEquals(count, dict.size(), "size after putAll");
            expectEquals(0, on(2 % nodes, () -> {
                List<String> wanted = new ArrayList<>(List.of("absent 1", "absent 2"));
                Map<String, Long> expected = new HashMap<>();
                for (int i = 0; i < count; i++) {
                    wanted.add("bulk " + i);
                    expected.put("bulk " + i, (long) i);
                }
                expectEquals(expected, dict.getAll(wanted), "getAll of every key and two absent ones");
            }).join(), "exit code of the getAll process");
            for (ManagerStats stats : dict.stats()) {
                expect(stats.entries() > 0, "entries on each manager, got " + stats);
            }
        });
        check("iteration from every node sees each key once, and size counts every manager", () -> {
            dict.clear();
            for (int i = 0; i < 600; i++) {
                dict.put("walk " + i, (long) i);
            }
            List<Process> walkers = new ArrayList<>();
            for (int node = 0; node < nodes; node++) {
                walkers.add(on(node, () -> {
                    Set<String> seen = new HashSet<>();
                    long sum = 0;
                    for (Map.Entry<String, Long> entry : dict.entrySet()) {
                        expect(seen.add(entry.getKey()), entry.getKey() + " seen once");
                        sum += entry.getValue();
                    }
                    expectEquals(600, seen.size(), "keys iterated");
                    expectEquals(599L * 600 / 2, sum, "sum of the values iterated");
                    expectEquals(600, dict.size(), "size");
                    expect(dict.containsValue(599L) && !dict.containsValue(600L), "containsValue");
                }));
            }
            joinAll(walkers);
            expectEquals(0, on(nodes - 1, () -> dict.entrySet().removeIf(e -> e.getValue() % 2 == 0)).join(),
                "exit code of the process removing through the iterator");
            expectEquals(300, dict.size(), "size after the even values were removed");
            expectEquals(null, dict.get("walk 0"), "an even value's key");
        });
        check("a BatchPut on the last node reaches every manager once flushed", () -> {
            dict.clear();
            Queue<String> flushed = Queue.create(2);
            Queue<String> checked = Queue.create(2);
            Process batcher = on(nodes - 1, () -> {
                try (DDict.BatchPut<String, Long> batch = dict.batchPut()) {
                    for (int i = 0; i < 2500; i++) {
                        batch.put("batched " + i, (long) i);
                    }
                    batch.flush();
                    putQuietly(flushed, "flushed");
                    takeQuietly(checked);
                    batch.put("after the flush", 1L);
                }
            });
            expectEquals("flushed", flushed.poll(60, TimeUnit.SECONDS), "the batcher's word");
            expectEquals(2500, dict.size(), "size after flush");
            expectEquals(2499L, dict.get("batched 2499"), "a key of the batch");
            checked.put("checked");
            expectEquals(0, batcher.join(), "exit code of the batcher");
            expectEquals(1L, dict.get("after the flush"), "the key put after the flush, once closed");
            flushed.destroy();
            checked.destroy();
        });
        check("waitForKeys: readers on every node wait for keys a writer on another node writes later", () -> {
            DDict<String, Long> waiting = DDict.<String, Long>builder().waitForKeys(true)
                .timeout(Duration.ofSeconds(60)).create();
            List<Process> readers = new ArrayList<>();
            for (int node = 0; node < nodes; node++) {
                readers.add(on(node, () -> {
                    for (int i = 0; i < 12; i++) { // keys of every manager
                        expectEquals((long) i, waiting.get("late " + i), "the value waited for");
                    }
                }));
            }
            expectEquals(0, on(nodes - 1, () -> {
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                for (int i = 0; i < 12; i++) {
                    waiting.put("late " + i, (long) i);
                }
            }).join(), "exit code of the writer");
            joinAll(readers);
            waiting.destroy();
        });
        check("checkpoints retire on every manager; a process of another node is told so", () -> {
            DDict<String, Long> dict2 = DDict.<String, Long>builder().workingSet(2).create();
            for (long c = 0; c <= 2; c++) {
                DDict<String, Long> at = dict2.atCheckpoint(c);
                for (int i = 0; i < 30; i++) { // keys of every manager: each begins each checkpoint
                    at.put("key " + i, c);
                }
            }
            expectEquals(0, on(1 % nodes, () -> {
                for (int i = 0; i < 30; i++) {
                    String key = "key " + i;
                    expectThrows(CheckpointRetiredException.class, () -> dict2.get(key));
                    expectThrows(CheckpointRetiredException.class, () -> dict2.getAll(List.of(key)));
                    expectEquals(1L, dict2.atCheckpoint(1).get(key), "the key in checkpoint 1");
                    expectEquals(2L, dict2.atCheckpoint(2).get(key), "the key in checkpoint 2");
                }
            }).join(), "exit code of the reader");
            for (ManagerStats stats : dict2.stats()) {
                expect(stats.entries() > 0, "entries on each manager, got " + stats);
            }
            expectEquals(60L, dict2.stats().stream().mapToLong(ManagerStats::entries).sum(),
                "entries of the 2 checkpoints held");
            dict2.destroy();
        });
        check("destroy: processes of every node are told ObjectDestroyedException, and the name is released", () -> {
            Queue<String> ready = Queue.create(8);
            Queue<String> destroyed = Queue.create(8);
            List<Process> users = new ArrayList<>();
            for (int node = 0; node < nodes; node++) {
                users.add(on(node, () -> {
                    for (int i = 0; i < 30; i++) {
                        dict.put("used " + i, 1L); // attached to its node's shard, and used every manager
                    }
                    putQuietly(ready, "ready");
                    takeQuietly(destroyed);
                    for (int i = 0; i < 30; i++) {
                        String key = "used " + i;
                        expectThrows(ObjectDestroyedException.class, () -> dict.get(key));
                        expectThrows(ObjectDestroyedException.class, () -> dict.merge(key, 1L, Long::sum));
                    }
                }));
            }
            for (int node = 0; node < nodes; node++) {
                expectEquals("ready", ready.poll(60, TimeUnit.SECONDS), "a user's word");
            }
            dict.destroy();
            expectThrows(ObjectNotFoundException.class, () -> DDict.lookup("cluster"));
            for (int node = 0; node < nodes; node++) {
                destroyed.put("destroyed");
            }
            joinAll(users);
            ready.destroy();
            destroyed.destroy();
        });
        finish();
    }

    private static String key(int writer, int i) {
        return "writer " + writer + " key " + i;
    }

    /** The sum of the six counters named {@code prefix} and a group. */
    private static long total(DDict<String, Long> dict, String prefix) {
        long total = 0;
        for (int group = 0; group < 6; group++) {
            total += dict.get(prefix + " " + group);
        }
        return total;
    }

    private static Process on(int node, SerializableRunnable target) {
        return Process.start(ProcessTemplate.of(target).withPolicy(Policy.node(node)));
    }

    private static void joinAll(List<Process> processes) throws InterruptedException {
        for (Process process : processes) {
            expectEquals(0, process.join(), "exit code of " + process);
        }
    }

    private static <E> E takeQuietly(Queue<E> queue) {
        try {
            return queue.take();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
