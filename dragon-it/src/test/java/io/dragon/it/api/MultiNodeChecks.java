package io.dragon.it.api;

import io.dragon.Barrier;
import io.dragon.DragonException;
import io.dragon.Event;
import io.dragon.JoinableQueue;
import io.dragon.Lock;
import io.dragon.LockOwnerDeadException;
import io.dragon.Machine;
import io.dragon.Node;
import io.dragon.ObjectNotFoundException;
import io.dragon.Policy;
import io.dragon.Pool;
import io.dragon.Process;
import io.dragon.ProcessGroup;
import io.dragon.ProcessTemplate;
import io.dragon.Queue;
import io.dragon.Redirect;
import io.dragon.Semaphore;
import io.dragon.SharedByteArray;
import io.dragon.SharedDoubleArray;
import io.dragon.SharedIntArray;
import io.dragon.SharedLongArray;
import io.dragon.SharedObject;
import io.dragon.core.infrastructure.HostId;
import io.dragon.core.messages.Messages.ChannelInfo;
import io.dragon.internal.Services;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.IntStream;

/**
 * The user API across the nodes of a multi-node runtime (run by SlurmClusterIT on 3 nodes, the head on node 0):
 * objects made here are used by processes of the other nodes, with no change to the code.
 */
public final class MultiNodeChecks extends Checks {
    private static final int ROUNDS = 200;

    public static void main(String[] args) {
        new MultiNodeChecks().run();
    }

    private void run() {
        int nodes = Machine.current().nodes().size();
        check("processes go round-robin over the " + nodes + " nodes", () -> {
            Queue<String> hosts = Queue.create(16);
            List<Process> processes = new ArrayList<>();
            for (int i = 0; i < nodes; i++) {
                processes.add(Process.start(() -> putQuietly(hosts, HostId.hostname())));
            }
            Set<String> seen = new TreeSet<>();
            for (Process process : processes) {
                expectEquals(0, process.join(), "exit code of " + process);
                seen.add(hosts.take());
            }
            expectEquals(nodes, seen.size(), "distinct hosts in " + seen);
            hosts.destroy();
        });
        check("a Queue of node 0 carries items from producers on node 1 to consumers on node 2", () -> {
            Queue<Integer> work = Queue.create(8);
            Queue<Long> sums = Queue.create(4);
            List<Process> processes = new ArrayList<>();
            for (int p = 0; p < 2; p++) {
                int first = p * 1000;
                processes.add(Process.start(ProcessTemplate.of(() -> {
                    for (int n = first; n < first + 1000; n++) {
                        putQuietly(work, n);
                    }
                }).withPolicy(Policy.node(1))));
            }
            for (int c = 0; c < 2; c++) {
                processes.add(Process.start(ProcessTemplate.of(() -> {
                    long sum = 0;
                    try {
                        for (int n = work.take(); n >= 0; n = work.take()) {
                            sum += n;
                        }
                        sums.put(sum);
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }).withPolicy(Policy.node(2))));
            }
            expectEquals(0, processes.get(0).join(), "producer exit code");
            expectEquals(0, processes.get(1).join(), "producer exit code");
            work.put(-1);
            work.put(-1);
            expectEquals(1999L * 2000 / 2, sums.take() + sums.take(), "sum of all items taken");
            for (Process process : processes) {
                expectEquals(0, process.join(), "exit code of " + process);
            }
            work.destroy();
            sums.destroy();
        });
        check("peek, contains, iteration and remove(Object) on a Queue of node 0 from a process of node 1", () -> {
            Queue<Integer> queue = Queue.create(600);
            for (int i = 0; i < 600; i++) {
                queue.put(i); // more than a look's batch: the iterator looks on node 0 again
            }
            Process remote = Process.start(ProcessTemplate.of(() -> {
                expectEquals(0, queue.peek(), "peek");
                expect(queue.contains(599) && !queue.contains(600), "contains");
                expectEquals(600, queue.size(), "size");
                expect(queue.remove((Object) 300) && !queue.remove((Object) 300), "remove(Object), once");
                Iterator<Integer> it = queue.iterator();
                for (int i = 0; i < 600; i++) {
                    if (i != 300) {
                        expectEquals(i, it.next(), "iterated");
                        if (i % 100 == 1) {
                            it.remove();
                        }
                    }
                }
                expect(!it.hasNext(), "the end");
                expect(queue.removeIf(i -> i >= 500), "removeIf");
                expectEquals(IntStream.range(0, 500).filter(i -> i != 300 && i % 100 != 1).boxed().toList(),
                    List.copyOf(queue), "what is left");
            }).withPolicy(Policy.node(1)));
            expectEquals(0, remote.join(), "exit code of the process of node 1");
            expectEquals(494, queue.size(), "size seen on node 0");
            expectEquals(0, queue.take(), "head");
            expectEquals(2, queue.take(), "next, after the removal of 1 on node 1");
            queue.destroy();
        });
        check("join of a JoinableQueue of node 0 waits for the taskDone of consumers on nodes 1 and 2", () -> {
            JoinableQueue<Integer> queue = JoinableQueue.create(16);
            List<Process> consumers = new ArrayList<>();
            for (int node = 1; node <= 2; node++) {
                consumers.add(Process.start(ProcessTemplate.of(() -> {
                    try {
                        for (int e = queue.take(); e >= 0; e = queue.take()) {
                            queue.taskDone();
                        }
                        queue.taskDone();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }).withPolicy(Policy.node(node))));
            }
            for (int i = 0; i < 100; i++) {
                queue.put(i);
            }
            queue.join();
            expectEquals(0L, queue.unfinishedTasks(), "unfinished tasks after join");
            queue.put(-1);
            queue.put(-1);
            for (Process consumer : consumers) {
                expectEquals(0, consumer.join(), "consumer exit code");
            }
            expect(queue.join(30, TimeUnit.SECONDS), "join of the stop elements");
            queue.destroy();
        });
        check("Pool.map runs on every node and returns every result in order", () -> {
            try (Pool pool = Pool.create(2 * nodes)) {
                List<Integer> inputs = new ArrayList<>();
                for (int i = 0; i < 300; i++) {
                    inputs.add(i);
                }
                // Tasks of 10 ms, so that every worker, however late it started, gets some.
                List<String> results = pool.map(i -> {
                    LockSupport.parkNanos(10_000_000);
                    return i * i + "@" + HostId.hostname();
                }, inputs);
                Set<String> hosts = new TreeSet<>();
                for (int i = 0; i < inputs.size(); i++) {
                    String[] parts = results.get(i).split("@");
                    expectEquals(Integer.toString(i * i), parts[0], "result " + i);
                    hosts.add(parts[1]);
                }
                expectEquals(nodes, hosts.size(), "hosts that ran tasks " + hosts);
            }
        });
        check("a group's copies go round-robin or in blocks of each node's CPUs, as their policy says", () -> {
            List<Node> all = Machine.current().nodes();
            int copies = all.stream().mapToInt(Node::cpus).sum() + 1; // every CPU, and one more: back to node 0
            List<Integer> blocks = new ArrayList<>();
            while (blocks.size() < copies) {
                for (Node node : all) {
                    for (int cpu = 0; cpu < node.cpus() && blocks.size() < copies; cpu++) {
                        blocks.add(node.index());
                    }
                }
            }
            expectEquals(blocks, placed(Policy.anywhere().withDistribution(Policy.Distribution.BLOCK), copies),
                "nodes of the copies in blocks");
            List<Integer> roundRobin = placed(Policy.anywhere(), nodes);
            for (int i = 1; i < nodes; i++) {
                expectEquals((roundRobin.get(i - 1) + 1) % nodes, roundRobin.get(i), "node after the node of copy "
                    + (i - 1) + " in " + roundRobin);
            }
        });
        check("a Pool's workers go in blocks or round-robin, as its policy says", () -> {
            Node first = Machine.current().node(0);
            try (Pool pool = Pool.create(first.cpus(), Policy.anywhere().withDistribution(
                Policy.Distribution.BLOCK))) {
                expectEquals(Set.of(first.hostname()), new TreeSet<>(pool.map(i -> HostId.hostname(),
                    List.of(1, 2, 3, 4, 5, 6))), "hosts of the workers of a block as large as node 0's CPUs");
            }
            try (Pool pool = Pool.create(nodes, Policy.anywhere())) {
                List<Integer> inputs = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    inputs.add(i);
                }
                // Tasks of 10 ms, so that every worker, however late it started, gets some.
                expectEquals(nodes, new TreeSet<>(pool.map(i -> {
                    LockSupport.parkNanos(10_000_000);
                    return HostId.hostname();
                }, inputs)).size(), "hosts of " + nodes + " workers round-robin");
            }
        });
        check("a process on node 1 starts one confined to a core on its own node; one asking for GPUs of a node"
            + " without any is refused, naming the node", () -> {
            Queue<String> seen = Queue.create(2);
            Process starter = Process.start(ProcessTemplate.of(() -> {
                Process local = Process.start(ProcessTemplate.of(() -> putQuietly(seen, HostId.hostname() + " "
                    + PolicyChecks.cpusAllowed())).withPolicy(Policy.local().withCpus(0)));
                try {
                    System.exit(local.join() == 0 ? 0 : 1);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }).withPolicy(Policy.node(1)));
            expectEquals(0, starter.join(), "exit code of the starter");
            expectEquals(Machine.current().node(1).hostname() + " 0", seen.take(), "host and cores of the process");
            seen.destroy();
            Node third = Machine.current().node(2);
            expectEquals(List.of(), third.gpus(), "GPUs of node 2");
            DragonException refused = expectThrows(DragonException.class, () -> ProcessTemplate.of(() -> { })
                .withPolicy(Policy.node(2).withGpus(0)).start());
            expect(refused.getMessage().contains("node 2 (" + third.hostname() + ") has no GPUs"), "the node in: "
                + refused.getMessage());
        });
        check("a Queue placed on node 2 by its policy lives there and carries items from node 1 to node 0", () -> {
            Set<Long> before = new TreeSet<>();
            Services.globalServices().channels().forEach(channel -> before.add(channel.cuid()));
            Queue<Integer> items = Queue.create(8, Policy.node(2));
            List<Integer> added = Services.globalServices().channels().stream()
                .filter(channel -> !before.contains(channel.cuid())).map(ChannelInfo::node).toList();
            expectEquals(List.of(2), added, "node of the queue's channel");
            Process producer = Process.start(ProcessTemplate.of(() -> {
                for (int i = 1; i <= 100; i++) {
                    putQuietly(items, i);
                }
            }).withPolicy(Policy.node(1)));
            long sum = 0;
            for (int i = 0; i < 100; i++) {
                sum += items.take();
            }
            expectEquals(5050L, sum, "sum of the items taken");
            expectEquals(0, producer.join(), "exit code of the producer");
            items.destroy();
        });
        check("a Lock, Semaphore, Barrier, Event and long array placed on node 2 by their policy, named or not, live"
            + " in node 2's pool and coordinate processes of nodes 1 and 2; destroyed, their names are free", () -> {
            Policy third = Policy.node(2);
            Lock lock = Lock.create(third);
            Semaphore permits = Semaphore.create(0, third);
            Barrier barrier = Barrier.create(3, third);
            Event go = Event.create(third);
            SharedLongArray counter = SharedLongArray.create(1, third);
            List<SharedObject> named = List.of(Lock.create("placed-lock", third),
                Semaphore.create("placed-permits", 0, third), Barrier.create("placed-barrier", 3, third),
                Event.create("placed-go", third), SharedLongArray.create("placed-counter", 1, third));
            List<Process> processes = new ArrayList<>();
            for (int node = 1; node <= 2; node++) {
                processes.add(Process.start(ProcessTemplate.of(() -> {
                    try {
                        lockedIncrements(lock, counter, ROUNDS).run();
                        lockedIncrements(Lock.lookup("placed-lock"), SharedLongArray.lookup("placed-counter"),
                            ROUNDS).run();
                        permits.release();
                        Semaphore.lookup("placed-permits").release();
                        go.await();
                        Event.lookup("placed-go").await();
                        barrier.await();
                        Barrier.lookup("placed-barrier").await();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }).withPolicy(Policy.node(node))));
            }
            Semaphore namedPermits = Semaphore.lookup("placed-permits");
            expect(permits.tryAcquire(2, 60, TimeUnit.SECONDS) && namedPermits.tryAcquire(2, 60, TimeUnit.SECONDS),
                "a permit of each semaphore from each process");
            go.set();
            Event.lookup("placed-go").set();
            barrier.await(60, TimeUnit.SECONDS);
            Barrier.lookup("placed-barrier").await(60, TimeUnit.SECONDS);
            for (Process process : processes) {
                expectEquals(0, process.join(), "exit code of " + process);
            }
            expectEquals(2L * ROUNDS, counter.get(0), "counter");
            expectEquals(2L * ROUNDS, SharedLongArray.lookup("placed-counter").get(0), "named counter");
            // on node 2 they are local: destroying them there frees their allocations in node 2's default pool
            Process destroyer = Process.start(ProcessTemplate.of(() -> {
                long before = Services.defaultPool().allocationCount();
                for (SharedObject object : List.of(lock, permits, barrier, go, counter)) {
                    object.destroy();
                }
                System.exit((int) (before - Services.defaultPool().allocationCount()));
            }).withPolicy(third));
            expectEquals(5, destroyer.join(), "allocations freed in node 2's default pool by the destroys there");
            expect(!lock.isAlive() && !counter.isAlive(), "the unnamed objects gone, seen from node 0");
            for (SharedObject object : named) {
                object.destroy(); // from node 0: on node 2 by its agent, the name released here
                expectThrows(ObjectNotFoundException.class, () -> Services.lookup(object.name(), object.getClass()));
            }
            Lock.create("placed-lock", third).destroy();
        });
        check("creation on node 2 under a taken name fails and leaks nothing there; a bad node or cores are refused",
            () -> {
                Policy third = Policy.node(2);
                Lock taken = Lock.create("placed-taken", third);
                Event ready = Event.create(third);
                Event done = Event.create(third);
                Process watcher = Process.start(ProcessTemplate.of(() -> {
                    try {
                        long before = Services.defaultPool().allocationCount();
                        ready.set();
                        done.await();
                        System.exit((int) (Services.defaultPool().allocationCount() - before));
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }).withPolicy(third));
                ready.await();
                expectThrows(DragonException.class, () -> Lock.create("placed-taken", third));
                expectThrows(DragonException.class, () -> SharedLongArray.create("placed-taken", 64, third));
                done.set();
                expectEquals(0, watcher.join(), "allocations left in node 2's default pool by the refused creations");
                expect(taken.tryLock(), "the lock that has the name still works");
                expectEquals(taken.toString(), Lock.lookup("placed-taken").toString(), "the name's object");
                taken.unlock();
                for (SharedObject object : List.of(taken, ready, done)) {
                    object.destroy();
                }
                ObjectNotFoundException noNode = expectThrows(ObjectNotFoundException.class,
                    () -> Event.create(Policy.node(nodes)));
                expect(noNode.getMessage().contains("no node " + nodes + ": the runtime has " + nodes + " nodes"),
                    "the node and the runtime's nodes in: " + noNode.getMessage());
                expectThrows(IllegalArgumentException.class, () -> Barrier.create(2, Policy.node(1).withCpus(0)));
            });
        check("a Lock of node 0 excludes processes of nodes 1 and 2", () -> {
            Lock lock = Lock.create();
            SharedLongArray counter = SharedLongArray.create(1);
            List<Process> processes = new ArrayList<>();
            for (int node = 1; node <= 2; node++) {
                for (int p = 0; p < 2; p++) {
                    processes.add(Process.start(ProcessTemplate.of(lockedIncrements(lock, counter, ROUNDS))
                        .withPolicy(Policy.node(node))));
                }
            }
            for (Process process : processes) {
                expectEquals(0, process.join(), "exit code of " + process);
            }
            expectEquals(4L * ROUNDS, counter.get(0), "counter");
            expect(!lock.isLocked(), "the lock to be free");
            lock.destroy();
            counter.destroy();
        });
        check("unlock of a Lock of node 0 held on node 1 is refused to processes of nodes 0, 1 and 2; the holder"
            + " keeps it and a waiter on node 2 stays out", () -> NonHolderUnlock.run(Policy.node(1), Policy.node(2),
            Policy.node(1), Policy.node(2)));
        check("a Lock whose holder on node 1 died is reported to the next waiter, here and on node 2", () -> {
            Lock lock = Lock.create();
            Process holder = Process.start(ProcessTemplate.of(() -> {
                lock.lock();
                Runtime.getRuntime().halt(3); // dies holding it
            }).withPolicy(Policy.node(1)));
            expectEquals(3, holder.join(), "exit code of the holder");
            Process waiter = Process.start(ProcessTemplate.of(() -> {
                try {
                    lock.tryLock(60, TimeUnit.SECONDS);
                } catch (LockOwnerDeadException e) {
                    System.exit(42);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }).withPolicy(Policy.node(2)));
            expectEquals(42, waiter.join(), "exit code of the waiter on node 2 (42: told the holder died)");
            LockOwnerDeadException dead = expectThrows(LockOwnerDeadException.class,
                () -> lock.tryLock(60, TimeUnit.SECONDS));
            lock.recover(dead.deadPid());
            expect(lock.tryLock(), "the lock free again after recover");
            lock.unlock();
            lock.destroy();
        });
        check("a Semaphore, an Event and a Barrier of node 0 coordinate processes of nodes 1 and 2", () -> {
            Semaphore permits = Semaphore.create(0);
            Event go = Event.create();
            Barrier barrier = Barrier.create(3);
            SharedByteArray seen = SharedByteArray.create(2);
            List<Process> processes = new ArrayList<>();
            for (int node = 1; node <= 2; node++) {
                int index = node - 1;
                processes.add(Process.start(ProcessTemplate.of(() -> {
                    try {
                        permits.release();
                        go.await();
                        seen.set(index, (byte) 1);
                        barrier.await();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }).withPolicy(Policy.node(node))));
            }
            expect(permits.tryAcquire(2, 60, TimeUnit.SECONDS), "a permit from each process");
            expect(!go.isSet(), "the event still clear");
            go.set();
            barrier.await(60, TimeUnit.SECONDS);
            byte[] both = new byte[2];
            seen.get(0, both, 0, 2);
            expectEquals("[1, 1]", Arrays.toString(both), "what the processes marked before the barrier");
            for (Process process : processes) {
                expectEquals(0, process.join(), "exit code of " + process);
            }
            for (SharedObject object : List.of(permits, go, barrier, seen)) {
                object.destroy();
            }
        });
        check("a process of another node destroys a named object of node 0 and frees its name", () -> {
            Event.create("remote-destroy");
            Process destroyer = Process.start(ProcessTemplate.of(() -> Event.lookup("remote-destroy").destroy())
                .withPolicy(Policy.node(2)));
            expectEquals(0, destroyer.join(), "exit code of the destroyer on node 2");
            try {
                Event.lookup("remote-destroy");
                expect(false, "the name released");
            } catch (ObjectNotFoundException expected) {
                // the name is free again
            }
            Event.create("remote-destroy").destroy();
        });
        check("a process of another node exits with its own code", () -> {
            Process failing = Process.start(ProcessTemplate.of(() -> System.exit(7)).withPolicy(Policy.node(2)));
            expectEquals(7, failing.join(), "exit code");
            expectEquals(2, failing.node(), "node");
        });
        check("the head on node 0 writes the stdin and reads the stdout of a process on node 2, 3 MiB each way",
            () -> {
                Process cat = ProcessTemplate.exec("/bin/cat").withPolicy(Policy.node(2)).withStdin(Redirect.PIPE)
                    .withStdout(Redirect.PIPE).start();
                expectEquals(2, cat.node(), "node");
                byte[] sent = new byte[3 << 20];
                new Random(2).nextBytes(sent);
                CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                    try (OutputStream in = cat.stdin()) {
                        in.write(sent);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
                expect(Arrays.equals(sent, cat.stdout().readAllBytes()), "what came back is what was sent");
                writer.get(60, TimeUnit.SECONDS);
                expectEquals(0, cat.join(), "exit code");
            });
        check("a ProcessGroup across nodes 1 and 2 restarts a member as it fails and ends one at the walltime", () -> {
            SharedLongArray attempts = SharedLongArray.create(1);
            ProcessGroup group = new ProcessGroup().add(ProcessTemplate.of(() -> {
                if (attempts.getAndAdd(0, 1) == 0) {
                    System.exit(3); // the first attempt fails
                }
            }).withPolicy(Policy.node(2)), 1).add(ProcessTemplate.exec("sleep", "300").withPolicy(Policy.node(1)), 1)
                .restartFailed(1).walltime(Duration.ofSeconds(30), Duration.ofSeconds(5)).start();
            try {
                ProcessGroup.Member flaky = group.members().get(0);
                ProcessGroup.Member sleeper = group.members().get(1);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (flaky.exitCode() == null && System.nanoTime() - deadline < 0) {
                    Thread.sleep(10);
                }
                expectEquals(0, flaky.exitCode(), "the flaky member's final code, before join");
                expectEquals(1, flaky.restarts(), "its restarts");
                expectEquals(2, flaky.process().node(), "the node of its restarted process");
                expectEquals(2L, attempts.get(0), "its attempts");
                expect(!group.join(120, TimeUnit.SECONDS), "the walltime to fail the group");
                expect(sleeper.hitWalltime() && sleeper.exitCode() == 128 + 15, "the sleeper on node 1 ended by"
                    + " SIGTERM at the walltime: " + sleeper);
                expectEquals(1, sleeper.process().node(), "the sleeper's node");
            } finally {
                group.close();
                attempts.destroy();
            }
        });
        check("arrays of node 0: a range read from nodes 1 and 2 in one call, puts and atomics from there", () -> {
            int n = 1000;
            SharedDoubleArray values = SharedDoubleArray.create("multi-node-doubles", n);
            SharedDoubleArray written = SharedDoubleArray.create(4);
            SharedDoubleArray sum = SharedDoubleArray.create(1);
            SharedIntArray count = SharedIntArray.create(1);
            double[] halves = new double[n];
            for (int i = 0; i < n; i++) {
                halves[i] = i * 0.5;
            }
            values.put(0, halves, 0, n);
            List<Process> processes = new ArrayList<>();
            for (int node = 1; node <= 2; node++) {
                int slot = 2 * (node - 1);
                double mark = node;
                processes.add(Process.start(ProcessTemplate.of(() -> {
                    double[] copy = new double[n + 2];
                    SharedDoubleArray.lookup("multi-node-doubles").get(0, copy, 1, n);
                    for (int i = 0; i < n; i++) {
                        if (copy[i + 1] != i * 0.5) {
                            throw new IllegalStateException("element " + i + " read as " + copy[i + 1]);
                        }
                    }
                    written.put(slot, new double[] {0, mark, mark}, 1, 2);
                    for (int i = 0; i < ROUNDS; i++) {
                        count.incrementAndGet(0);
                        sum.getAndAdd(0, 0.5);
                    }
                }).withPolicy(Policy.node(node))));
            }
            for (Process process : processes) {
                expectEquals(0, process.join(), "exit code of " + process);
            }
            double[] marks = new double[4];
            written.get(0, marks, 0, 4);
            expectEquals("[1.0, 1.0, 2.0, 2.0]", Arrays.toString(marks), "what the remote puts wrote");
            expectEquals(2 * ROUNDS, count.get(0), "int increments from nodes 1 and 2");
            expectEquals(ROUNDS * 1.0, sum.get(0), "double additions of 0.5 from nodes 1 and 2");
            for (SharedObject object : List.of(values, written, sum, count)) {
                object.destroy();
            }
        });
        finish();
    }

    /** The nodes of the members of a group of {@code copies} copies of a process with {@code policy}. */
    private static List<Integer> placed(Policy policy, int copies) throws InterruptedException {
        try (ProcessGroup group = new ProcessGroup()) {
            group.add(ProcessTemplate.of(() -> { }).withPolicy(policy), copies).start();
            expect(group.join(), "every copy to exit with 0: " + group.members());
            return group.members().stream().map(member -> member.process().node()).toList();
        }
    }
}
