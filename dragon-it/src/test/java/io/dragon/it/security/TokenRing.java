package io.dragon.it.security;

import io.dragon.ObjectNotFoundException;
import io.dragon.Machine;
import io.dragon.Policy;
import io.dragon.Process;
import io.dragon.ProcessTemplate;
import io.dragon.Queue;
import io.dragon.core.infrastructure.HostId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * The job that SecurityIT attacks: a token passes once round a ring of one process per node (each node's process
 * puts into a queue of the next node, so every transport agent accepts a link); once the file named by its first
 * argument appears, a token passes round the other way (so that new links open, while the stranger floods the
 * ports); it ends once the file named by its second argument appears. It prints what each round did and exits 0.
 */
public final class TokenRing {
    private static final long WAIT_SECONDS = 120;
    /** A token takes well under a second; a process gives up waiting for one after this. */
    private static final long TOKEN_SECONDS = 30;

    private TokenRing() {
    }

    public static void main(String[] args) throws Exception {
        int nodes = Machine.current().nodes().size();
        round(1, nodes, 1);
        await(Path.of(args[0]));
        round(2, nodes, nodes - 1);
        await(Path.of(args[1]));
    }

    /** Waits for {@code file} to exist; exits 3 if it does not within {@link #WAIT_SECONDS}. */
    private static void await(Path file) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (!Files.exists(file)) {
            if (System.nanoTime() > deadline) {
                System.out.println("no " + file + " after " + WAIT_SECONDS + " s");
                System.exit(3);
            }
            Thread.sleep(50);
        }
    }

    /**
     * One token round the ring, each node passing to the node {@code step} after it; the results come back on a
     * queue of the head's node.
     */
    private static void round(int round, int nodes, int step) throws InterruptedException {
        Queue<String> results = Queue.create(nodes);
        List<Process> processes = new ArrayList<>();
        for (int node = 0; node < nodes; node++) {
            String mine = "ring-" + round + "-" + node;
            String next = "ring-" + round + "-" + (node + step) % nodes;
            processes.add(Process.start(ProcessTemplate.of(() -> pass(mine, next, results))
                .withPolicy(Policy.node(node))));
        }
        TreeSet<String> passed = new TreeSet<>();
        for (Process process : processes) {
            if (process.join() != 0) {
                throw new IllegalStateException("round " + round + ": " + process + " failed");
            }
            passed.add(results.take());
        }
        results.destroy();
        System.out.println("ring " + round + ": " + String.join(", ", passed));
        System.out.println("ring " + round + " done");
    }

    /**
     * Makes this node's queue, puts a token into the next node's, takes the one the previous node put here (or
     * fails, so that the head does not wait forever when another node's process failed).
     */
    private static void pass(String mine, String next, Queue<String> results) {
        try {
            Queue<String> own = Queue.create(mine, 2);
            lookup(next).put(HostId.hostname());
            String token = own.poll(TOKEN_SECONDS, TimeUnit.SECONDS);
            if (token == null) {
                throw new IllegalStateException("no token from the previous node within " + TOKEN_SECONDS + " s");
            }
            results.put(HostId.hostname() + "<-" + token);
            own.destroy();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The queue named {@code name}, once the process of its node has made it. */
    private static Queue<String> lookup(String name) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (;;) {
            try {
                return Queue.lookup(name);
            } catch (ObjectNotFoundException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(20);
            }
        }
    }
}
