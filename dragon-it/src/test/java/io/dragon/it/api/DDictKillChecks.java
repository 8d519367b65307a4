package io.dragon.it.api;

import io.dragon.DDict;
import io.dragon.DragonException;
import io.dragon.Process;
import io.dragon.SharedLongArray;
import io.dragon.core.messages.Messages.ProcessInfo;
import io.dragon.core.messages.Messages.ProcessState;
import io.dragon.internal.Services;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * Processes of a {@link DDict} killed with SIGKILL, on one node (where every process uses the shards directly):
 * clients killed in the middle of a stream of puts, at random moments, leave the dictionary usable by everyone else
 * with a consistent size; its manager killed while a process puts and gets, that process and the head go on using
 * the shard (it lives in the manager's pool), and each call that needs the manager (compute, merge with a
 * Serializable function, fetchAdd, stats, the first write of a new checkpoint) fails naming the manager and node.
 */
public final class DDictKillChecks extends Checks {
    private static final int ROUNDS = 8;
    private static final int KEYS = 200;
    /** How long a call that needs a dead manager may take to fail: it checks the manager each second. */
    private static final long FAIL_WITHIN_MILLIS = 15_000;
    private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(120);

    private final Random random = new Random();

    public static void main(String[] args) {
        new DDictKillChecks().run();
    }

    private void run() {
        long seed = System.nanoTime();
        random.setSeed(seed);
        System.out.println("seed " + seed);
        check(ROUNDS + " writers killed in the middle of their puts: each loses at most the put under way; others"
            + " go on and the size stays consistent", this::killWriters);
        Set<Long> before = livePids();
        DDict<String, Long> dict = DDict.<String, Long>builder().name("orphan").create();
        Set<Long> managers = livePids();
        managers.removeAll(before);
        check("the manager killed while a process puts and gets: it and the head go on with the shard", () ->
            killManager(dict, managers));
        check("compute, merge and fetchAdd of keys of this node run here, on the shard, without the manager", () -> {
            expectEquals(3L, dict.merge("key-1", 1L, Long::sum), "merge");
            expectEquals(7L, dict.compute("key-2", (k, v) -> 7L), "compute");
            expectEquals(7L, dict.computeIfAbsent("absent", k -> 7L), "computeIfAbsent");
            expectEquals(4L, dict.fetchAdd("key-3", 1), "fetchAdd");
            expectEquals(7L, dict.remove("absent"), "remove");
        });
        check("each call that needs the dead manager fails naming it and its node", () -> {
            String named = "manager 0 of dictionary 'orphan' on node 0 failed: its process ";
            expectFailsNaming(named, "stats", dict::stats);
            expectFailsNaming(named, "a put in a new checkpoint", () -> dict.atCheckpoint(1).put("key-1", 1L));
            expectEquals(7L, dict.get("key-2"), "key-2 after the failed calls");
            expectFailsNaming(named, "destroy", () -> {
                dict.destroy();
                return null;
            });
        });
        finish();
    }

    private void killWriters() throws Exception {
        DDict<String, Long> dict = DDict.<String, Long>builder().name("writers").create();
        SharedLongArray progress = SharedLongArray.create(2); // the writer's pid, its puts returned
        long size = 0;
        for (int round = 0; round < ROUNDS; round++) {
            progress.set(0, 0);
            progress.set(1, 0);
            String prefix = "round-" + round + "-";
            Process writer = Process.start(() -> {
                progress.set(0, ProcessHandle.current().pid());
                for (long i = 0; ; i++) {
                    dict.put(prefix + i, i);
                    progress.set(1, i + 1);
                }
            });
            long target = 1 + random.nextInt(5000);
            await(() -> progress.get(1) >= target, "writer of round " + round + " at " + target + " puts");
            ProcessHandle.of(progress.get(0)).orElseThrow().destroyForcibly();
            writer.join();
            long done = progress.get(1);
            for (long i = 0; i < done; i++) {
                expectEquals(i, dict.get(prefix + i), "recorded put " + i + " of round " + round);
            }
            Long underWay = dict.get(prefix + done);
            expect(underWay == null || underWay == done, "the put under way absent or whole, got " + underWay);
            expectEquals(null, dict.get(prefix + (done + 1)), "a put never made");
            size += done + (underWay == null ? 0 : 1);
            expectEquals(size, dict.mappingCount(), "size after round " + round);
            String other = "other-" + round;
            long seen = Process.call(() -> {
                dict.put(other, 1L);
                return dict.mappingCount();
            }).get(DEADLINE_NANOS, TimeUnit.NANOSECONDS);
            size++;
            expectEquals(size, seen, "size seen by another process");
            expectEquals(1L, dict.remove(other), "removed");
            size--;
        }
        expectEquals(size, (long) dict.size(), "size at the end");
        expectEquals(size, (long) dict.keySet().size(), "keys iterated");
        System.out.println(ROUNDS + " writers killed, " + size + " entries left");
        progress.destroy();
        dict.destroy();
    }

    /** The pids of the runtime's live processes, from Global Services. */
    private static Set<Long> livePids() {
        Set<Long> pids = new HashSet<>();
        for (ProcessInfo info : Services.globalServices().processes()) {
            if (info.state() == ProcessState.ACTIVE) {
                pids.add(info.pid());
            }
        }
        return pids;
    }

    private void killManager(DDict<String, Long> dict, Set<Long> managers) throws Exception {
        for (int i = 0; i < KEYS; i++) {
            dict.put("key-" + i, (long) i);
        }
        expectEquals(1, managers.size(), "processes started by the dictionary's creation: " + managers);
        long manager = managers.iterator().next();
        SharedLongArray user = SharedLongArray.create(2); // operations done, stop
        Process busy = Process.start(() -> {
            for (long n = 0; user.get(1) == 0; n++) {
                String key = "busy-" + (n % KEYS);
                dict.put(key, n);
                if (dict.get(key) != n) {
                    throw new IllegalStateException("busy process read another value of " + key);
                }
                user.set(0, n + 1);
            }
        });
        await(() -> user.get(0) > 1000, "the busy process under way");
        ProcessHandle handle = ProcessHandle.of(manager).orElseThrow();
        handle.destroyForcibly();
        handle.onExit().get(DEADLINE_NANOS, TimeUnit.NANOSECONDS);
        long atKill = user.get(0);
        await(() -> user.get(0) > atKill + 1000, "the busy process on after the kill");
        user.set(1, 1);
        expectEquals(0, busy.join(), "the busy process's exit code");
        for (int i = 0; i < KEYS; i++) {
            expectEquals((long) i, dict.put("key-" + i, i + 1L), "put of key-" + i);
            expectEquals(i + 1L, dict.get("key-" + i), "key-" + i);
        }
        expectEquals(null, dict.putIfAbsent("new", 1L), "putIfAbsent");
        expect(dict.replace("new", 1L, 2L), "replace");
        expect(dict.containsKey("new"), "containsKey");
        expectEquals(2L, dict.remove("new"), "remove");
        expectEquals(Map.of("key-1", 2L, "key-2", 3L), dict.getAll(List.of("key-1", "key-2", "none")), "getAll");
        expectEquals(2L * KEYS, dict.mappingCount(), "size");
        expectEquals(2L * KEYS, (long) dict.entrySet().size(), "entries iterated");
        expectEquals(3L, Process.call(() -> dict.get("key-2")).get(DEADLINE_NANOS, TimeUnit.NANOSECONDS),
            "key-2 read by another process");
        user.destroy();
    }

    private static void expectFailsNaming(String named, String call, Callable<?> body) {
        long start = System.nanoTime();
        DragonException e = expectThrows(DragonException.class, body);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        System.out.println(call + " failed after " + millis + " ms: " + e.getMessage());
        expect(e.getMessage().contains(named), "'" + named + "' in: " + e.getMessage());
        expect(millis < FAIL_WITHIN_MILLIS, call + " to fail within " + FAIL_WITHIN_MILLIS + " ms, took " + millis);
    }

    private static void await(Callable<Boolean> condition, String what) throws Exception {
        long deadline = System.nanoTime() + DEADLINE_NANOS;
        while (!condition.call()) {
            expect(System.nanoTime() - deadline < 0, what + " within " + DEADLINE_NANOS / 1_000_000_000 + " s");
            Thread.sleep(1);
        }
    }
}
