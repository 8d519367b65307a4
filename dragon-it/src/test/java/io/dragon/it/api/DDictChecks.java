package io.dragon.it.api;

import io.dragon.CheckpointRetiredException;
import io.dragon.Codecs;
import io.dragon.DDict;
import io.dragon.DDict.ManagerStats;
import io.dragon.DragonException;
import io.dragon.ObjectDestroyedException;
import io.dragon.ObjectNotFoundException;
import io.dragon.Process;
import io.dragon.SerializableBiFunction;
import io.dragon.SerializableFunction;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.ConcurrentModificationException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executors;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The ConcurrentMap contract of {@link DDict}, method by method as the JDK's tests of ConcurrentHashMap check it,
 * and its own extras (batches, fetchAdd, statistics, codecs, checkpoints, destroy), with readers and writers in
 * other processes. On one node every process reaches the shards directly; compute, merge, fetchAdd and statistics
 * go through the managers (DDictClusterChecks adds the other nodes' path).
 */
public final class DDictChecks extends Checks {
    /** Processes of the atomicity checks, and the operations each does of every kind. */
    private static final int WRITERS = 2;
    private static final int ROUNDS = 300;

    public static void main(String[] args) {
        new DDictChecks().run();
    }

    private void run() {
        // two managers on the one node: keys spread over two shards, and the managers' requests over two channels
        DDict<Integer, String> map = DDict.<Integer, String>builder().name("contract").managersPerNode(2).create();
        check("get, put and containsKey, here and in another process", () -> {
            fill(map);
            for (int i = 1; i <= 5; i++) {
                expectEquals(letter(i), map.get(i), "get " + i);
                expect(map.containsKey(i), "containsKey " + i);
            }
            expectEquals(null, map.get(6), "get of an absent key");
            expect(!map.containsKey(6) && !map.containsKey("1"), "no other key");
            expectEquals("A", map.put(1, "Z"), "put's old value");
            expectEquals(null, map.put(6, "F"), "put of a new key");
            expectEquals(0, Process.start(() -> {
                expectEquals("Z", map.get(1), "get in another process");
                expectEquals("F", map.put(6, "G"), "put in another process");
                expectEquals(null, map.put(7, "H"), "put of a new key in another process");
            }).join(), "exit code of the other process");
            expectEquals("G", map.get(6), "what the other process put");
            expectEquals("H", map.get(7), "what the other process added");
            expectEquals(7, map.size(), "size");
        });
        check("putIfAbsent, replace and remove, with and without the value expected", () -> {
            fill(map);
            expectEquals("A", map.putIfAbsent(1, "Z"), "putIfAbsent of a present key");
            expectEquals("A", map.get(1), "value after putIfAbsent of a present key");
            expectEquals(null, map.putIfAbsent(6, "Z"), "putIfAbsent of an absent key");
            expectEquals("Z", map.get(6), "value after putIfAbsent of an absent key");
            expectEquals("A", map.replace(1, "Y"), "replace of a present key");
            expectEquals("Y", map.get(1), "value after replace");
            expectEquals(null, map.replace(7, "Y"), "replace of an absent key");
            expect(!map.containsKey(7), "replace not to add");
            expect(!map.replace(1, "A", "X"), "replace(k, old, new) with another old value");
            expect(map.replace(1, "Y", "X"), "replace(k, old, new) with the old value");
            expect(!map.replace(7, "Y", "X"), "replace(k, old, new) of an absent key");
            expectEquals("X", map.get(1), "value after the replaces");
            expectEquals("B", map.remove(2), "remove's old value");
            expectEquals(null, map.remove(2), "remove of an absent key");
            expect(!map.remove(3, "A") && map.containsKey(3), "remove(k, v) with another value to keep the key");
            expect(map.remove(3, "C") && !map.containsKey(3), "remove(k, v) with the value to remove the key");
            expect(!map.remove(4, null) && !map.remove(4, 68), "remove(k, v) of a value no key has");
            expectEquals(4, map.size(), "size");
        });
        check("null keys, values and functions are refused with NullPointerException", () -> {
            fill(map);
            SerializableBiFunction<Integer, String, String> same = (k, v) -> v;
            List<Runnable> calls = List.of(
                () -> map.get(null), () -> map.containsKey(null), () -> map.put(null, "A"), () -> map.put(1, null),
                () -> map.putIfAbsent(null, "A"), () -> map.putIfAbsent(6, null), () -> map.replace(null, "A"),
                () -> map.replace(1, null), () -> map.replace(null, "A", "B"), () -> map.replace(1, null, "B"),
                () -> map.replace(1, "A", null), () -> map.remove(null), () -> map.remove(null, "A"),
                () -> map.compute(null, same), () -> map.compute(1, (BiFunction<Integer, String, String>) null),
                () -> map.computeIfAbsent(null, k -> "A"),
                () -> map.computeIfAbsent(6, (Function<Integer, String>) null),
                () -> map.computeIfPresent(null, same),
                () -> map.computeIfPresent(1, (BiFunction<Integer, String, String>) null),
                () -> map.merge(null, "A", String::concat), () -> map.merge(1, null, String::concat),
                () -> map.merge(1, "A", (BiFunction<String, String, String>) null),
                () -> map.getOrDefault(null, "A"), () -> map.putAll(null), () -> map.getAll(null),
                () -> map.getAll(Arrays.asList(1, null)));
            for (int i = 0; i < calls.size(); i++) {
                expectThrows(NullPointerException.class, Executors.callable(calls.get(i)));
            }
            expect(!map.remove(1, null), "remove(k, null) to remove nothing");
            Map<Integer, String> withNull = new HashMap<>();
            withNull.put(6, null);
            expectThrows(NullPointerException.class, () -> {
                map.putAll(withNull);
                return null;
            });
            expectEquals(expected(5), snapshot(map), "the entries, unchanged");
        });
        check("compute, computeIfAbsent, computeIfPresent and merge, on the manager and (not Serializable) here",
            () -> {
                for (boolean travels : new boolean[] {true, false}) {
                    fill(map);
                    String how = travels ? " (on the manager)" : " (in this process)";
                    expectEquals("A!", map.compute(1, fn(travels, (k, v) -> v + "!")), "compute of a present key"
                        + how);
                    expectEquals("6null", map.compute(6, fn(travels, (k, v) -> k + "" + v)), "compute of an absent"
                        + " key" + how);
                    expectEquals(null, map.compute(2, fn(travels, (k, v) -> null)), "compute to null" + how);
                    expect(!map.containsKey(2), "compute to null to remove the key" + how);
                    expectEquals(null, map.compute(7, fn(travels, (k, v) -> null)), "compute of an absent key to"
                        + " null" + how);
                    expect(!map.containsKey(7), "no key 7" + how);
                    expectEquals("C", map.computeIfAbsent(3, fn(travels, k -> fail())),
                        "computeIfAbsent of a present key, not calling the function" + how);
                    expectEquals("8", map.computeIfAbsent(8, fn(travels, k -> k.toString())),
                        "computeIfAbsent of an absent key" + how);
                    expectEquals(null, map.computeIfAbsent(9, fn(travels, k -> null)), "computeIfAbsent to null"
                        + how);
                    expect(!map.containsKey(9), "computeIfAbsent to null to add nothing" + how);
                    expectEquals(null, map.computeIfPresent(9, fn(travels, (k, v) -> fail())),
                        "computeIfPresent of an absent key, not calling the function" + how);
                    expectEquals("D4", map.computeIfPresent(4, fn(travels, (k, v) -> v + k)),
                        "computeIfPresent of a present key" + how);
                    expectEquals(null, map.computeIfPresent(4, fn(travels, (k, v) -> null)),
                        "computeIfPresent to null" + how);
                    expect(!map.containsKey(4), "computeIfPresent to null to remove the key" + how);
                    expectEquals("new", map.merge(10, "new", fn(travels, (a, b) -> fail())),
                        "merge of an absent key, not calling the function" + how);
                    expectEquals("Enew", map.merge(5, "new", fn(travels, String::concat)), "merge of a present key"
                        + how);
                    expectEquals(null, map.merge(5, "x", fn(travels, (a, b) -> null)), "merge to null" + how);
                    expect(!map.containsKey(5), "merge to null to remove the key" + how);
                    IllegalStateException thrown = expectThrows(IllegalStateException.class,
                        () -> map.compute(1, fn(travels, (k, v) -> fail())));
                    expectEquals("called on purpose", thrown.getMessage(), "message of the function's exception"
                        + how);
                    expectEquals("A!", map.get(1), "value after a function threw" + how);
                    Map<Integer, String> after = new TreeMap<>(Map.of(1, "A!", 3, "C", 6, "6null", 8, "8",
                        10, "new"));
                    expectEquals(after, snapshot(map), "the entries" + how);
                }
            });
        check("containsValue, size, isEmpty and clear over both managers", () -> {
            map.clear();
            expect(map.isEmpty() && map.size() == 0 && map.mappingCount() == 0, "an empty map after clear");
            expect(!map.containsValue("A"), "no value in an empty map");
            for (int i = 0; i < 100; i++) {
                map.put(i, "v" + i);
            }
            expectEquals(100, map.size(), "size");
            expectEquals(100L, map.mappingCount(), "mappingCount");
            expect(!map.isEmpty(), "not empty");
            expect(map.containsValue("v0") && map.containsValue("v99"), "containsValue of present values");
            expect(!map.containsValue("v100") && !map.containsValue(100), "containsValue of absent values");
            expectEquals(0, Process.start(() -> {
                expectEquals(100, map.size(), "size in another process");
                map.clear();
            }).join(), "exit code of the process that cleared");
            expect(map.isEmpty() && map.get(0) == null, "empty after the other process cleared");
        });
        check("keySet, values and entrySet see each entry once; the iterator ends and removes as a Map's does", () -> {
            fill(map);
            expectEquals(Set.of(1, 2, 3, 4, 5), new HashSet<>(map.keySet()), "keySet");
            expectEquals(List.of("A", "B", "C", "D", "E"), map.values().stream().sorted().toList(), "values");
            expectEquals(expected(5), snapshot(map), "entrySet");
            expect(map.keySet().size() == 5 && map.values().size() == 5 && map.entrySet().size() == 5,
                "sizes of the views");
            expect(map.keySet().contains(3) && !map.keySet().contains(6), "keySet().contains");
            expect(map.entrySet().contains(Map.entry(2, "B")) && !map.entrySet().contains(Map.entry(2, "C")),
                "entrySet().contains");
            Iterator<Map.Entry<Integer, String>> it = map.entrySet().iterator();
            expectThrows(IllegalStateException.class, () -> {
                it.remove();
                return null;
            });
            int seen = 0;
            while (it.hasNext()) {
                Map.Entry<Integer, String> entry = it.next();
                seen++;
                if (entry.getKey() % 2 == 0) {
                    it.remove();
                    expectThrows(IllegalStateException.class, () -> {
                        it.remove();
                        return null;
                    });
                } else {
                    expectEquals(letter(entry.getKey()), entry.setValue("set"), "setValue's old value");
                    expectEquals("set", entry.getValue(), "the entry's value after setValue");
                }
            }
            expectEquals(5, seen, "entries iterated");
            expectThrows(NoSuchElementException.class, it::next);
            expectEquals(new TreeMap<>(Map.of(1, "set", 3, "set", 5, "set")), snapshot(map),
                "entries after iterator.remove of the even keys and setValue of the odd");
            expect(map.keySet().remove(1) && !map.containsKey(1), "keySet().remove");
            expect(map.values().remove("set") && map.size() == 1, "values().remove of one of two equal values");
            expect(map.entrySet().remove(Map.entry(map.keySet().iterator().next(), "set")) && map.isEmpty(),
                "entrySet().remove");
            expect(!map.entrySet().iterator().hasNext(), "an empty map's iterator to have nothing");
        });
        check("iteration is weakly consistent: keys removed and added meanwhile, each key present throughout once",
            () -> {
                map.clear();
                for (int i = 0; i < 200; i++) {
                    map.put(i, "v" + i);
                }
                Map<Integer, Integer> seen = new HashMap<>();
                int step = 0;
                try {
                    for (Map.Entry<Integer, String> entry : map.entrySet()) {
                        seen.merge(entry.getKey(), 1, Integer::sum);
                        map.remove(100 + step % 100); // the keys from 100 go, one at a time
                        map.put(1000 + step, "new"); // new keys come
                        step++;
                    }
                } catch (ConcurrentModificationException e) {
                    throw new AssertionError("a ConcurrentModificationException from the iterator", e);
                }
                for (int i = 0; i < 100; i++) {
                    expectEquals(1, seen.get(i), "times key " + i + ", present throughout, was seen");
                }
                expect(seen.values().stream().allMatch(n -> n == 1), "no key seen twice, got " + seen);
                map.clear();
            });
        check("putAll and getAll over both managers", () -> {
            map.clear();
            Map<Integer, String> entries = new HashMap<>();
            for (int i = 0; i < 2500; i++) {
                entries.put(i, "v" + i);
            }
            map.putAll(entries);
            map.putAll(Map.of());
            expectEquals(2500, map.size(), "size after putAll");
            List<Integer> wanted = new ArrayList<>(List.of(-1, -2, 5000));
            wanted.addAll(entries.keySet());
            expectEquals(entries, map.getAll(wanted), "getAll of every key and three absent ones");
            expectEquals(Map.of(), map.getAll(List.of()), "getAll of no keys");
            expectEquals(Map.of(), map.getAll(List.of(-1)), "getAll of an absent key");
            expectEquals(0, Process.start(() -> expectEquals(Map.of(7, "v7", 2499, "v2499"), map.getAll(List.of(7,
                2499, 2500)), "getAll in another process")).join(), "exit code of the other process");
        });
        check("getOrDefault, forEach and replaceAll", () -> {
            fill(map);
            expectEquals("A", map.getOrDefault(1, "Z"), "getOrDefault of a present key");
            expectEquals("Z", map.getOrDefault(6, "Z"), "getOrDefault of an absent key");
            Map<Integer, String> seen = new TreeMap<>();
            map.forEach(seen::put);
            expectEquals(expected(5), seen, "forEach");
            map.replaceAll((k, v) -> v + k);
            expectEquals(new TreeMap<>(Map.of(1, "A1", 2, "B2", 3, "C3", 4, "D4", 5, "E5")), snapshot(map),
                "after replaceAll");
            expectThrows(NullPointerException.class, () -> {
                map.replaceAll((k, v) -> null);
                return null;
            });
        });
        check("equals and hashCode are Map's, over the entries of the handle's checkpoint; toString", () -> {
            fill(map);
            DDict<Integer, String> found = DDict.lookup("contract");
            expect(map.equals(found) && found.equals(map), "handles of one dictionary to be equal");
            expectEquals(map.hashCode(), found.hashCode(), "hashCode of handles of one dictionary");
            Map<Integer, String> copy = new HashMap<>(map);
            expect(map.equals(copy) && copy.equals(map), "to equal a HashMap with the same entries, both ways");
            expectEquals(copy.hashCode(), map.hashCode(), "hashCode of a HashMap with the same entries");
            expect(!map.equals(map.atCheckpoint(1)), "a handle at another (empty) checkpoint to differ");
            expectEquals("DDict 'contract' (2 managers, checkpoint 0)", map.toString(), "toString");
            expectEquals(2, map.managers(), "managers");
            expectEquals("contract", map.name(), "name");
        });
        check("atomic merge, compute, fetchAdd, putIfAbsent and replace give exact totals across 2 processes", () -> {
            DDict<String, Long> counters = DDict.create();
            List<Process> writers = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                long writer = w;
                writers.add(Process.start(() -> {
                    // the first writer's functions run on the managers, the second's here: both change one shard
                    BiFunction<Long, Long, Long> sum = fn(writer == 0, Long::sum);
                    BiFunction<String, Long, Long> increment = fn(writer == 0, (k, v) -> v == null ? 1L : v + 1);
                    long claimed = 0;
                    for (int i = 1; i <= ROUNDS; i++) {
                        counters.merge("merge " + i % 4, (long) i, sum);
                        counters.compute("compute", increment);
                        counters.fetchAdd("fetchAdd", i);
                        if (counters.putIfAbsent("claim " + i, writer) == null) {
                            claimed++;
                        }
                        for (;;) {
                            Long old = counters.putIfAbsent("replace", 1L);
                            if (old == null || counters.replace("replace", old, old + 1)) {
                                break;
                            }
                        }
                    }
                    counters.put("claimed by " + writer, claimed);
                }));
            }
            for (Process writer : writers) {
                expectEquals(0, writer.join(), "exit code of " + writer);
            }
            long sum = (long) ROUNDS * (ROUNDS + 1) / 2;
            long merged = 0;
            for (int group = 0; group < 4; group++) {
                merged += counters.get("merge " + group);
            }
            expectEquals(WRITERS * sum, merged, "sum of the merged counters");
            expectEquals((long) WRITERS * ROUNDS, counters.get("compute"), "computed counter");
            expectEquals(WRITERS * sum, counters.get("fetchAdd"), "fetchAdd counter");
            expectEquals((long) WRITERS * ROUNDS, counters.get("replace"), "counter of replace loops");
            expectEquals((long) ROUNDS, counters.get("claimed by 0") + counters.get("claimed by 1"),
                "keys claimed by putIfAbsent");
            counters.destroy();
        });
        check("fetchAdd adds to a Long, an absent key counting as 0, and returns the value before", () -> {
            DDict<String, Long> counters = DDict.create();
            expectEquals(0L, counters.fetchAdd("n", 5), "fetchAdd of an absent key");
            expectEquals(5L, counters.fetchAdd("n", -2), "fetchAdd of a present key");
            expectEquals(3L, counters.get("n"), "value after the adds");
            expectEquals(3L, counters.fetchAdd("n", 0), "fetchAdd of 0");
            expectThrows(NullPointerException.class, () -> counters.fetchAdd(null, 1));
            counters.destroy();
        });
        check("a BatchPut writes each entry once; flush and close send the rest", () -> {
            map.clear();
            try (DDict.BatchPut<Integer, String> batch = map.batchPut()) {
                for (int i = 0; i < 1500; i++) {
                    batch.put(i, "b" + i);
                }
                batch.flush();
                expectEquals(1500, map.size(), "size after flush");
                batch.flush();
                batch.put(1500, "last");
                expectThrows(NullPointerException.class, () -> {
                    batch.put(null, "x");
                    return null;
                });
                expectThrows(NullPointerException.class, () -> {
                    batch.put(1, null);
                    return null;
                });
            }
            expectEquals(1501, map.size(), "size after close");
            expectEquals("b1499", map.get(1499), "an entry of the batch");
            expectEquals("last", map.get(1500), "the entry put after the flush");
        });
        check("stats count each manager's entries, bytes, hits and misses", () -> {
            DDict<String, String> dict = DDict.<String, String>builder().managersPerNode(2).keyCodec(Codecs.strings())
                .valueCodec(Codecs.strings()).create();
            long bytes = 0;
            for (int i = 0; i < 50; i++) {
                dict.put("key" + i, "value" + i);
                bytes += 4 + ("key" + i).length() + 4 + ("value" + i).length(); // each with a 4-byte length
            }
            for (int i = 0; i < 60; i++) {
                dict.get("key" + i);
            }
            List<ManagerStats> stats = dict.stats();
            expectEquals(2, stats.size(), "managers in the stats");
            for (int m = 0; m < stats.size(); m++) {
                expectEquals(m, stats.get(m).manager(), "index of manager " + m);
                expectEquals(0, stats.get(m).node(), "node of manager " + m);
                expect(stats.get(m).entries() > 0, "entries on manager " + m + ", got " + stats.get(m));
            }
            expectEquals(50L, stats.stream().mapToLong(ManagerStats::entries).sum(), "entries");
            expectEquals(bytes, stats.stream().mapToLong(ManagerStats::bytes).sum(), "bytes");
            expectEquals(50L, stats.stream().mapToLong(ManagerStats::hits).sum(), "hits");
            expectEquals(10L, stats.stream().mapToLong(ManagerStats::misses).sum(), "misses");
            dict.clear();
            expectEquals(0L, dict.stats().stream().mapToLong(ManagerStats::entries).sum(), "entries after clear");
            dict.destroy();
        });
        check("codecs: byte[] keys of equal contents are one key; strings in UTF-8", () -> {
            DDict<byte[], String> dict = DDict.<byte[], String>builder().keyCodec(Codecs.bytes())
                .valueCodec(Codecs.strings()).create();
            expectEquals(null, dict.put(new byte[] {1, 2, 3}, "ü"), "put of a byte[] key");
            expectEquals("ü", dict.get(new byte[] {1, 2, 3}), "get with another array of the same contents");
            expect(dict.containsKey(new byte[] {1, 2, 3}) && !dict.containsKey(new byte[] {1, 2}),
                "containsKey by contents");
            expectEquals("ü", dict.put(new byte[] {1, 2, 3}, "ß"), "put of an equal key replacing");
            expectEquals(1, dict.size(), "one key");
            expect(Arrays.equals(new byte[] {1, 2, 3}, dict.keySet().iterator().next()), "the key iterated");
            expectEquals(0, Process.start(() -> expectEquals("ß", dict.get(new byte[] {1, 2, 3}), "get in another"
                + " process")).join(), "exit code of the other process");
            dict.destroy();
        });
        check("values of 64 KiB: put returns the old one whole, get reads it whole, here and in another process",
            () -> {
                DDict<String, byte[]> dict = DDict.<String, byte[]>builder().valueCodec(Codecs.bytes()).create();
                byte[] first = new byte[64 << 10];
                byte[] second = new byte[64 << 10];
                Arrays.fill(first, (byte) 1);
                Arrays.fill(second, (byte) 2);
                expectEquals(null, dict.put("big", first), "first put");
                expect(Arrays.equals(first, dict.put("big", second)), "the old value returned whole");
                expect(Arrays.equals(second, dict.get("big")), "the new value read whole");
                expect(Arrays.equals(second, dict.put("big", new byte[1])), "a large old value for a small new one");
                expectEquals(0, Process.start(() -> expect(Arrays.equals(new byte[1], dict.put("big", second)),
                    "the small value returned in another process")).join(), "exit code of the other process");
                expect(Arrays.equals(second, dict.get("big")), "the value put by the other process");
                dict.destroy();
            });
        check("a named dictionary is found from another process, and a handle travels in a lambda", () -> {
            expectThrows(ObjectNotFoundException.class, () -> DDict.lookup("not made"));
            fill(map);
            DDict<String, Long> counters = DDict.create();
            expectEquals(0, Process.start(() -> {
                DDict<Integer, String> found = DDict.lookup("contract");
                expectEquals("A", found.get(1), "a value, found by name");
                found.put(6, "F");
                counters.put("from the lambda", 42L);
            }).join(), "exit code of the other process");
            expectEquals("F", map.get(6), "what the other process put by name");
            expectEquals(42L, counters.get("from the lambda"), "what the other process put through the handle");
            expectThrows(DragonException.class, () -> DDict.builder().name("contract").create());
            expectEquals("A", DDict.<Integer, String>lookup("contract").get(1),
                "the named dictionary, found by name after a second one of its name was refused");
            counters.destroy();
        });
        check("checkpoints: each starts empty, each handle is at its own, atCheckpoint reaches another", () -> {
            DDict<String, String> dict = DDict.<String, String>builder().workingSet(3).create();
            expectEquals(0L, dict.checkpointId(), "first checkpoint");
            dict.put("a", "in 0");
            expectEquals(1L, dict.checkpoint(), "checkpoint()");
            expectEquals(1L, dict.checkpointId(), "checkpointId after checkpoint()");
            expect(dict.get("a") == null && dict.isEmpty() && !dict.entrySet().iterator().hasNext(),
                "a new checkpoint to start empty");
            dict.put("a", "in 1");
            dict.put("b", "in 1");
            DDict<String, String> zero = dict.atCheckpoint(0);
            expectEquals("in 0", zero.get("a"), "the key in checkpoint 0");
            expectEquals(1, zero.size(), "size of checkpoint 0");
            expectEquals(2, dict.size(), "size of checkpoint 1");
            expectEquals(Map.of("a", "in 1", "b", "in 1"), new HashMap<>(dict), "entries of checkpoint 1");
            expectEquals(0, Process.start(() -> {
                expectEquals(1L, dict.checkpointId(), "checkpoint of a handle sent to a process");
                expectEquals(2L, dict.checkpoint(), "checkpoint() in the process, of its own handle");
                dict.put("c", "from a process, in 2");
            }).join(), "exit code of the other process");
            expectEquals(1L, dict.checkpointId(), "checkpoint here, after the process moved its handle");
            expectEquals("from a process, in 2", dict.atCheckpoint(2).get("c"), "what the process wrote");
            expectEquals(null, dict.atCheckpoint(7).get("a"), "a read in a checkpoint not begun");
            expectThrows(IllegalArgumentException.class, () -> dict.atCheckpoint(-1));
            zero.clear();
            expect(zero.isEmpty() && dict.size() == 2, "clear of one checkpoint to leave the others");
            dict.destroy();
        });
        check("a checkpoint beyond the working set is retired: its use throws CheckpointRetiredException", () -> {
            DDict<String, String> dict = DDict.<String, String>builder().workingSet(2).create();
            dict.put("a", "in 0");
            DDict<String, String> zero = dict.atCheckpoint(0);
            dict.checkpoint();
            dict.put("a", "in 1");
            expectEquals("in 0", zero.get("a"), "checkpoint 0, still in the working set of 2");
            dict.checkpoint();
            dict.put("a", "in 2"); // begins checkpoint 2: 0 leaves the working set
            expectEquals("in 1", dict.atCheckpoint(1).get("a"), "checkpoint 1, still in the working set");
            CheckpointRetiredException retired = expectThrows(CheckpointRetiredException.class, () -> zero.get("a"));
            expectEquals(0L, retired.checkpoint(), "checkpoint of the exception");
            expectThrows(CheckpointRetiredException.class, () -> zero.put("b", "late"));
            expectThrows(CheckpointRetiredException.class, () -> zero.merge("a", "x", String::concat));
            expectEquals(0, Process.start(() -> expectThrows(CheckpointRetiredException.class,
                () -> dict.atCheckpoint(0).containsKey("a"))).join(), "exit code of a process using checkpoint 0");
            dict.atCheckpoint(5).put("a", "in 5"); // retires 1 to 3 at once
            expectThrows(CheckpointRetiredException.class, () -> dict.get("a"));
            expectEquals("in 5", dict.atCheckpoint(5).get("a"), "the key in checkpoint 5");
            expectEquals(1L, dict.stats().get(0).entries(), "entries of the working set");
            dict.destroy();
        });
        check("waitForKeys: a get waits for a writer in another process; the timeout names the key", () -> {
            DDict<String, String> waiting = DDict.<String, String>builder().waitForKeys(true)
                .timeout(Duration.ofSeconds(30)).create();
            expect(!waiting.containsKey("late"), "containsKey not to wait");
            Process writer = Process.start(() -> {
                try {
                    Thread.sleep(300);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                waiting.put("late", "written later");
            });
            expectEquals("written later", waiting.get("late"), "the value waited for");
            expectEquals(0, writer.join(), "exit code of the writer");
            DDict<String, String> impatient = DDict.<String, String>builder().waitForKeys(true)
                .timeout(Duration.ofMillis(200)).create();
            DragonException timedOut = expectThrows(DragonException.class, () -> impatient.get("never written"));
            expect(timedOut.getMessage().contains("never written") && timedOut.getMessage().contains("checkpoint 0"),
                "the timeout's message to name the key and checkpoint, got: " + timedOut.getMessage());
            expectEquals(null, impatient.putIfAbsent("never written", "now"), "putIfAbsent not to wait");
            expectEquals("now", impatient.get("never written"), "the key, once written");
            waiting.destroy();
            impatient.destroy();
        });
        check("destroy: every later use throws ObjectDestroyedException, the name is released, again does nothing",
            () -> {
                DDict<String, Long> dict = DDict.create("doomed");
                dict.put("a", 1L);
                DDict<String, Long> unused = DDict.lookup("doomed"); // a handle that never attached the shards
                dict.destroy();
                expectThrows(ObjectNotFoundException.class, () -> DDict.lookup("doomed"));
                for (DDict<String, Long> handle : List.of(dict, unused)) {
                    expectThrows(ObjectDestroyedException.class, () -> handle.get("a"));
                    expectThrows(ObjectDestroyedException.class, () -> handle.put("b", 2L));
                    expectThrows(ObjectDestroyedException.class, () -> handle.merge("a", 1L, Long::sum));
                    expectThrows(ObjectDestroyedException.class, () -> handle.fetchAdd("a", 1));
                    expectThrows(ObjectDestroyedException.class, handle::size);
                    expectThrows(ObjectDestroyedException.class, handle::stats);
                }
                expectEquals(0, Process.start(() -> expectThrows(ObjectDestroyedException.class,
                    () -> dict.get("a"))).join(), "exit code of a process using the destroyed dictionary");
                dict.destroy();
                DDict<String, Long> again = DDict.create("doomed");
                expectEquals(null, again.get("a"), "a key of a new dictionary of the released name");
                again.destroy();
            });
        map.destroy();
        finish();
    }

    /** Empties {@code map} and puts 1 to 5, as the JDK's tests' map5: A to E. */
    private static void fill(ConcurrentMap<Integer, String> map) {
        map.clear();
        for (int i = 1; i <= 5; i++) {
            map.put(i, letter(i));
        }
    }

    private static String letter(int i) {
        return String.valueOf((char) ('A' + i - 1));
    }

    /** 1 to {@code n}, mapped as {@link #fill} does. */
    private static Map<Integer, String> expected(int n) {
        Map<Integer, String> map = new TreeMap<>();
        for (int i = 1; i <= n; i++) {
            map.put(i, letter(i));
        }
        return map;
    }

    /** The entries iterated, sorted: an entry seen twice fails. */
    private static Map<Integer, String> snapshot(Map<Integer, String> map) {
        Map<Integer, String> copy = new TreeMap<>();
        for (Map.Entry<Integer, String> entry : map.entrySet()) {
            expect(copy.put(entry.getKey(), entry.getValue()) == null, "key " + entry.getKey() + " once");
        }
        return copy;
    }

    /** A function that must not run; throws IllegalStateException. */
    private static <T> T fail() {
        throw new IllegalStateException("called on purpose");
    }

    /** {@code function} as it is (Serializable: it runs on the manager) or {@link Unserializable} (it runs here). */
    private static <T, U, R> BiFunction<T, U, R> fn(boolean travels, SerializableBiFunction<T, U, R> function) {
        return travels ? function : new Unserializable<>(function);
    }

    /** {@code function} as it is (Serializable: it runs on the manager) or wrapped (it runs here). */
    private static <T, R> Function<T, R> fn(boolean travels, SerializableFunction<T, R> function) {
        return travels ? function : new Function<>() { // an anonymous class that is not Serializable
            @Override
            public R apply(T t) {
                return function.apply(t);
            }
        };
    }

    /** A function that cannot travel, so DDict runs it in the caller. */
    private record Unserializable<T, U, R>(BiFunction<T, U, R> function) implements BiFunction<T, U, R> {
        @Override
        public R apply(T t, U u) {
            return function.apply(t, u);
        }
    }
}
