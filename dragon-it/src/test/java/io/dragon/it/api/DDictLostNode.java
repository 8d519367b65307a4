package io.dragon.it.api;

import io.dragon.DDict;
import io.dragon.DragonException;
import io.dragon.Policy;
import io.dragon.Process;
import io.dragon.ProcessTemplate;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * The head of SlurmFaultsIT's lost-node test of a {@link DDict}, on 3 nodes: a dictionary with one manager per node
 * and keys on each (found by a compute, which runs on the key's manager). A process of node 2 works on the keys of
 * the managers of nodes 0 and 1; a process of node 1 works from two threads, one on the keys of node 2's manager,
 * one on the others'. It says when they are under way; the test then stops every process of node 2 (as a hung node,
 * maybe in the middle of a call to another manager). The call to node 2's manager must fail naming it and its node,
 * and the other managers go on answering the other thread meanwhile (its calls that ended in the last 2 s of the
 * wait are counted). The process ignores SIGTERM, so that the teardown leaves it the 2 s before SIGKILL to print.
 */
public final class DDictLostNode {
    private static final int NODES = 3;
    private static final int KEYS_PER_NODE = 8;
    /** The end of the failed call's wait in which the other managers' answers are counted. */
    private static final long LAST_NANOS = 2_000_000_000L;

    private DDictLostNode() {
    }

    public static void main(String[] args) throws Exception {
        DDict<String, Integer> dict = DDict.<String, Integer>builder().name("spread").create();
        List<List<String>> keys = new ArrayList<>();
        for (int node = 0; node < NODES; node++) {
            keys.add(new ArrayList<>());
        }
        for (int i = 0; keys.stream().anyMatch(k -> k.size() < 2 * KEYS_PER_NODE); i++) {
            String key = "key-" + i;
            int node = dict.compute(key, (k, v) -> Process.current().node());
            if (keys.get(node).size() < 2 * KEYS_PER_NODE) { // the first half for node 1, the rest for node 2
                keys.get(node).add(key);
            }
        }
        System.out.println("keys on nodes 0, 1, 2: " + keys);
        Process.start(ProcessTemplate.of(() -> {
            for (int round = 0; ; round++) {
                work(dict, keys.get(round % 2).get(KEYS_PER_NODE + round / 2 % KEYS_PER_NODE), round);
            }
        }).withPolicy(Policy.node(2)));
        Process user = Process.start(ProcessTemplate.of(() -> {
            Signal.handle(new Signal("TERM"), SignalHandler.SIG_IGN);
            use(dict, keys);
        }).withPolicy(Policy.node(1)));
        user.join();
    }

    /**
     * Works on node 2's keys in this thread, on the others' in another, and says how each fared: the others' calls
     * that ended in the last {@link #LAST_NANOS} of the failed call's wait, when node 2 had hung for some seconds.
     */
    private static void use(DDict<String, Integer> dict, List<List<String>> keys) {
        Deque<Long> answered = new ConcurrentLinkedDeque<>();
        Thread others = new Thread(() -> {
            for (int round = 0; ; round++) {
                String key = keys.get(round % 2).get(round / 2 % KEYS_PER_NODE);
                try {
                    work(dict, key, round);
                    answered.add(System.nanoTime());
                } catch (RuntimeException e) {
                    say("a call to the manager of node " + round % 2 + " failed: " + e.getMessage());
                    return;
                }
            }
        });
        others.setDaemon(true);
        others.start();
        say("working on the keys of every manager");
        for (int round = 0; ; round++) {
            long start = System.nanoTime();
            try {
                work(dict, keys.get(2).get(round % KEYS_PER_NODE), round);
            } catch (DragonException e) {
                long failed = System.nanoTime();
                say("a call to the manager of node 2 failed after " + (failed - start) / 1_000_000 + " ms: "
                    + e.getMessage());
                say("in the last " + LAST_NANOS / 1_000_000 + " ms of its wait, the managers of nodes 0 and 1"
                    + " answered " + answered.stream().filter(t -> t - (failed - LAST_NANOS) > 0).count() + " calls");
                sleep(300_000); // until the runtime, which has lost node 2, ends
                return;
            }
        }
    }

    /** A put, a get and a merge (which runs on the manager) of {@code key}. */
    private static void work(DDict<String, Integer> dict, String key, int round) {
        dict.put(key, round);
        Integer read = dict.get(key);
        if (read == null || read != round) {
            throw new IllegalStateException(key + " read as " + read + ", not " + round);
        }
        dict.merge(key, 1, Integer::sum);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static synchronized void say(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
