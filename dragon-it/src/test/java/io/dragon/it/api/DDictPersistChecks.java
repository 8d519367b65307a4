package io.dragon.it.api;

import io.dragon.CheckpointRetiredException;
import io.dragon.DDict;
import io.dragon.DragonException;
import io.dragon.Machine;
import io.dragon.ObjectNotFoundException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A {@link DDict} persisted by one run of dragon and restored by a later one: {@code DDictPersistChecks persist DIR
 * MANAGERS_PER_NODE}, then {@code DDictPersistChecks restore DIR MANAGERS_PER_NODE} (any number of nodes and managers
 * each time), then, on one node, {@code DDictPersistChecks bad DIR} (restores from broken copies of DIR).
 *
 * <p>The dictionary keeps 2 checkpoints; 4 are written ({@link #expected}: several thousand keys each, some values of
 * 64 KiB, some keys removed again), so the files hold checkpoints 2 and 3 and the restored dictionary must hold
 * exactly their entries, each in its checkpoint, and have retired 0 and 1 as the persisted one had.
 */
public final class DDictPersistChecks extends Checks {
    private static final int KEYS = 3000;
    private static final int CHECKPOINTS = 4;
    private static final int WORKING_SET = 2;
    private static final int BIG = 64 << 10;
    private static final long SETTLE_NANOS = 20_000_000_000L;

    public static void main(String[] args) throws Exception {
        DDictPersistChecks checks = new DDictPersistChecks();
        Path dir = Path.of(args[1]);
        switch (args[0]) {
            case "persist" -> checks.persist(dir, Integer.parseInt(args[2]));
            case "restore" -> checks.restore(dir, Integer.parseInt(args[2]));
            case "bad" -> checks.badInput(dir);
            default -> throw new IllegalArgumentException("persist, restore or bad, not " + args[0]);
        }
        checks.finish();
    }

    /** The entries of checkpoint {@code c}: most keys, a few removed after their put, 2 values in 100 of 64 KiB. */
    static Map<String, Object> expected(long c) {
        Map<String, Object> entries = new HashMap<>();
        for (int i = 0; i < KEYS; i++) {
            if ((i + c) % 5 != 0 && i % 13 != 0) {
                entries.put("key-" + i, value(c, i));
            }
        }
        return entries;
    }

    private static Object value(long c, int i) {
        if (i % 100 == 7 || i % 100 == 8) {
            byte[] big = new byte[BIG];
            for (int b = 0; b < BIG; b++) {
                big[b] = (byte) (c * 31 + i + b);
            }
            return big;
        }
        return i % 2 == 0 ? (Object) (c * 1_000_000 + i) : "value " + c + "/" + i;
    }

    private void persist(Path dir, int managersPerNode) {
        DDict<String, Object> dict = DDict.<String, Object>builder().name("persisted").managersPerNode(managersPerNode)
            .workingSet(WORKING_SET).create();
        int managers = Machine.current().nodes().size() * managersPerNode;
        check("4 checkpoints written with put, putAll and remove; the first 2 retired", () -> {
            for (long c = 0; c < CHECKPOINTS; c++) {
                DDict<String, Object> at = dict.atCheckpoint(c);
                Map<String, Object> all = new HashMap<>();
                for (int i = 0; i < KEYS; i++) {
                    if ((i + c) % 5 != 0) {
                        all.put("key-" + i, value(c, i));
                    }
                }
                if (c % 2 == 0) {
                    all.forEach(at::put);
                } else {
                    at.putAll(all);
                }
                for (int i = 0; i < KEYS; i += 13) {
                    at.remove("key-" + i);
                }
                expectEquals(expected(c).size(), at.size(), "size of checkpoint " + c);
            }
            expectThrows(CheckpointRetiredException.class, () -> dict.atCheckpoint(1).get("key-1"));
        });
        check("persist writes one whole file per manager, " + managers + " in all", () -> {
            long bytes = dict.persist(dir);
            long big = Stream.of(expected(2), expected(3)).flatMap(m -> m.values().stream())
                .filter(v -> v instanceof byte[]).count();
            expect(bytes > big * BIG, "more bytes than the " + big + " values of 64 KiB, got " + bytes);
            List<String> names = files(dir);
            expectEquals(managers, names.size(), "files in " + dir + ": " + names);
            for (int m = 0; m < managers; m++) {
                expectEquals(String.format("manager-%05d-of-%05d.ddict", m, managers), names.get(m), "file " + m);
            }
            System.out.println("persisted " + bytes + " bytes into " + names.size() + " files");
        });
        dict.destroy();
    }

    private void restore(Path dir, int managersPerNode) {
        int nodes = Machine.current().nodes().size();
        check("restored on " + nodes + " node(s) with " + managersPerNode + " manager(s) each: every entry of"
            + " checkpoints 2 and 3 exactly, each in its checkpoint", () -> {
            DDict<String, Object> dict = DDict.restore(dir, DDict.<String, Object>builder().name("restored")
                .managersPerNode(managersPerNode).workingSet(WORKING_SET));
            expectEquals(nodes * managersPerNode, dict.managers(), "managers");
            for (long c = CHECKPOINTS - WORKING_SET; c < CHECKPOINTS; c++) {
                DDict<String, Object> at = dict.atCheckpoint(c);
                Map<String, Object> expected = expected(c);
                Map<String, Object> seen = new TreeMap<>();
                for (Map.Entry<String, Object> entry : at.entrySet()) {
                    expect(seen.put(entry.getKey(), entry.getValue()) == null, "key " + entry.getKey() + " once");
                }
                expectEquals(new TreeMap<>(expected).keySet(), seen.keySet(), "keys of checkpoint " + c);
                for (Map.Entry<String, Object> entry : expected.entrySet()) {
                    expectSame(entry.getValue(), seen.get(entry.getKey()), entry.getKey() + " iterated in " + c);
                    expectSame(entry.getValue(), at.get(entry.getKey()), entry.getKey() + " read in " + c);
                }
                expectEquals(expected.size(), at.size(), "size of checkpoint " + c);
            }
            expectThrows(CheckpointRetiredException.class, () -> dict.atCheckpoint(1).get("key-1"));
            expectEquals((long) expected(2).size() + expected(3).size(), dict.stats().stream()
                .mapToLong(DDict.ManagerStats::entries).sum(), "entries of the managers' statistics");
            dict.destroy();
        });
    }

    private static void expectSame(Object expected, Object actual, String what) {
        if (expected instanceof byte[] bytes) {
            expect(actual instanceof byte[] got && Arrays.equals(bytes, got), what + ": its 64 KiB value");
        } else {
            expectEquals(expected, actual, what);
        }
    }

    private void badInput(Path good) throws IOException {
        Path root = Files.createTempDirectory("ddict-bad-");
        Path empty = Files.createDirectory(root.resolve("empty"));
        check("a restore from a directory without files fails naming it, and makes nothing", () ->
            expectFailsCleanly(empty, empty.toString(), "no dictionary files"));

        Path cut = copy(good, root.resolve("cut"));
        Path cutFile = cut.resolve(files(cut).get(1));
        try (RandomAccessFile file = new RandomAccessFile(cutFile.toFile(), "rw")) {
            file.setLength(file.length() / 2);
        }
        check("a restore from a truncated file fails naming it; the new dictionary is destroyed", () ->
            expectFailsCleanly(cut, cutFile.toString(), "cut short"));

        Path foreign = copy(good, root.resolve("foreign"));
        Path foreignFile = foreign.resolve(files(foreign).get(0));
        Files.writeString(foreignFile, "this is a text file, not a dictionary's: " + "x".repeat(100));
        check("a restore from a file that is not a dictionary's fails naming it; the new dictionary is destroyed", () ->
            expectFailsCleanly(foreign, foreignFile.toString(), "not a dictionary"));

        Path partial = copy(good, root.resolve("partial"));
        String gone = files(partial).get(1);
        Files.delete(partial.resolve(gone));
        check("a restore from a directory that lacks a manager's file fails naming it, and makes nothing", () ->
            expectFailsCleanly(partial, gone, "missing"));

        check("after the failed restores, a restore under the same name from the whole files works", () -> {
            DDict<String, Object> dict = DDict.restore(good, DDict.<String, Object>builder().name("restored")
                .workingSet(WORKING_SET));
            expectEquals(expected(3).size(), dict.atCheckpoint(3).size(), "size of checkpoint 3");
            dict.destroy();
        });
        try (Stream<Path> files = Files.walk(root)) {
            files.sorted((a, b) -> b.compareTo(a)).forEach(f -> f.toFile().delete());
        }
    }

    /**
     * Restores from {@code dir} under the name "restored", expecting a DragonException that names {@code file} and
     * says {@code why}; then the name must be free and this runtime's segments and processes as many as before.
     */
    private static void expectFailsCleanly(Path dir, String file, String why) throws Exception {
        long segments = segments();
        long processes = processes();
        DragonException e = expectThrows(DragonException.class, () -> DDict.restore(dir,
            DDict.<String, Object>builder().name("restored").workingSet(WORKING_SET)));
        System.out.println("restore from " + dir + " failed: " + e.getMessage());
        expect(e.getMessage().contains(file) && e.getMessage().contains(why), "'" + file + "' and '" + why
            + "' in: " + e.getMessage());
        expectThrows(ObjectNotFoundException.class, () -> DDict.lookup("restored"));
        long deadline = System.nanoTime() + SETTLE_NANOS;
        while ((segments() != segments || processes() != processes) && System.nanoTime() - deadline < 0) {
            Thread.sleep(50);
        }
        expectEquals(segments, segments(), "segments of this runtime in /dev/shm");
        expectEquals(processes, processes(), "processes of this runtime");
    }

    /** This runtime's segments in /dev/shm. */
    private static long segments() throws IOException {
        String prefix = "dragon-" + System.getenv("DRAGON_RUNTIME_ID") + "-";
        try (Stream<Path> shm = Files.list(Path.of("/dev/shm"))) {
            return shm.filter(f -> f.getFileName().toString().startsWith(prefix)).count();
        }
    }

    /** Processes whose environment names this runtime. */
    private static long processes() {
        String mark = "\0DRAGON_RUNTIME_ID=" + System.getenv("DRAGON_RUNTIME_ID") + "\0";
        return ProcessHandle.allProcesses().filter(p -> {
            try {
                return ("\0" + Files.readString(Path.of("/proc", Long.toString(p.pid()), "environ"),
                    StandardCharsets.ISO_8859_1)).contains(mark);
            } catch (IOException | RuntimeException e) {
                return false;
            }
        }).count();
    }

    private static List<String> files(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).sorted().toList();
        }
    }

    private static Path copy(Path from, Path to) throws IOException {
        Files.createDirectory(to);
        for (String name : files(from)) {
            Files.copy(from.resolve(name), to.resolve(name));
        }
        return to;
    }
}
