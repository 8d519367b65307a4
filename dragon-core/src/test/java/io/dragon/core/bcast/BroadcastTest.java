package io.dragon.core.bcast;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dragon.core.infrastructure.CorruptDescriptorException;
import io.dragon.core.memory.MemoryPool;
import io.dragon.core.shm.ObjectGoneException;
import io.dragon.core.sync.WaitMode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class BroadcastTest {
    private static final AtomicInteger POOLS = new AtomicInteger();

    private MemoryPool pool;
    private ExecutorService executor;

    @BeforeEach
    void setUp() {
        pool = MemoryPool.create("t" + ProcessHandle.current().pid() + "_b" + POOLS.incrementAndGet(), 1, 1 << 20);
        executor = Executors.newCachedThreadPool();
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        executor.shutdownNow();
        // Waiters must be gone before the pool is unmapped under them.
        assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        pool.destroy();
    }

    @Test
    void shouldReturnZeroWhenNobodyWaits() throws Exception {
        Broadcast broadcast = Broadcast.create(pool, 64);

        assertThat(broadcast.triggerOne(bytes("x"), 1, TimeUnit.SECONDS)).isZero();
        assertThat(broadcast.triggerAll(bytes("x"), 1, TimeUnit.SECONDS)).isZero();
        assertThat(broadcast.waiters()).isZero();
    }

    @Test
    void shouldWakeExactlyOneWaiterOnTriggerOne() throws Exception {
        Broadcast broadcast = Broadcast.create(pool, 64);
        List<Future<byte[]>> waiters = startWaiters(broadcast, 4, WaitMode.ADAPTIVE);

        assertThat(broadcast.triggerOne(bytes("one"), 5, TimeUnit.SECONDS)).isEqualTo(1);

        assertThat(broadcast.waiters()).isEqualTo(3);
        awaitCondition(() -> waiters.stream().anyMatch(Future::isDone));
        Thread.sleep(100); // a second wrongly released waiter would have finished by now
        assertThat(waiters.stream().filter(Future::isDone).count()).isEqualTo(1);
        assertThat(broadcast.triggerAll(bytes("rest"), 5, TimeUnit.SECONDS)).isEqualTo(3);
        List<String> received = new ArrayList<>();
        for (Future<byte[]> f : waiters) {
            received.add(new String(f.get(5, TimeUnit.SECONDS), UTF_8));
        }
        assertThat(received).containsExactlyInAnyOrder("one", "rest", "rest", "rest");
    }

    @Test
    void shouldWakeAllWaitersOnTriggerAll() throws Exception {
        Broadcast broadcast = Broadcast.create(pool, 64);
        List<Future<byte[]>> waiters = startWaiters(broadcast, 3, WaitMode.ADAPTIVE);
        waiters.addAll(startWaiters(broadcast, 2, WaitMode.SLEEP));
        awaitCondition(() -> broadcast.waiters() == 5);

        assertThat(broadcast.triggerAll(bytes("go"), 5, TimeUnit.SECONDS)).isEqualTo(5);

        for (Future<byte[]> f : waiters) {
            assertThat(f.get(5, TimeUnit.SECONDS)).isEqualTo(bytes("go"));
        }
        assertThat(broadcast.waiters()).isZero();
    }

    @Test
    void shouldGiveEachTriggerOneToADifferentWaiter() throws Exception {
        Broadcast broadcast = Broadcast.create(pool, 64);
        List<Future<byte[]>> waiters = startWaiters(broadcast, 3, WaitMode.SPIN);

        for (int i = 1; i <= 3; i++) {
            assertThat(broadcast.triggerOne(bytes("p" + i), 5, TimeUnit.SECONDS)).isEqualTo(1);
        }

        Set<String> received = new HashSet<>();
        for (Future<byte[]> f : waiters) {
            received.add(new String(f.get(5, TimeUnit.SECONDS), UTF_8));
        }
        assertThat(received).containsExactlyInAnyOrder("p1", "p2", "p3");
    }

    @Test
    void shouldTimeOutWhenNoTriggerComes() throws Exception {
        Broadcast broadcast = Broadcast.create(pool, 64);
        long start = System.nanoTime();

        assertThatThrownBy(() -> broadcast.await(50, TimeUnit.MILLISECONDS))
            .isInstanceOf(BroadcastTimeoutException.class).hasMessageContaining("no trigger released this waiter");

        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(50));
        assertThat(broadcast.waiters()).isZero();
        assertThat(broadcast.triggerAll(bytes("late"), 1, TimeUnit.SECONDS)).isZero();
    }

    @Test
    void shouldNotDeliverEarlierTriggerToLateWaiter() throws Exception {
        Broadcast broadcast = Broadcast.create(pool, 64);
        assertThat(broadcast.triggerAll(bytes("nobody"), 1, TimeUnit.SECONDS)).isZero();
        List<Future<byte[]>> early = startWaiters(broadcast, 1, WaitMode.ADAPTIVE);
        assertThat(broadcast.triggerAll(bytes("early"), 5, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(early.get(0).get(5, TimeUnit.SECONDS)).isEqualTo(bytes("early"));

        assertThatThrownBy(() -> broadcast.await(100, TimeUnit.MILLISECONDS))
            .isInstanceOf(BroadcastTimeoutException.class);
    }

    @Test
    void shouldDeliverEveryGrantedPayloadExactlyOnce() throws Exception {
        Broadcast broadcast = Broadcast.create(pool, 64);
        Set<String> received = ConcurrentHashMap.newKeySet();
        AtomicInteger duplicates = new AtomicInteger();
        List<Future<?>> loops = new ArrayList<>();
        for (int w = 0; w < 3; w++) {
            loops.add(executor.submit(() -> {
                for (;;) {
                    String payload = new String(broadcast.await(10, TimeUnit.SECONDS), UTF_8);
                    if (payload.equals("end")) {
                        return null;
                    }
                    if (!received.add(payload)) {
                        duplicates.incrementAndGet();
                    }
                }
            }));
        }
        int granted = 0;
        for (int i = 0; i < 500; i++) {
            granted += i % 5 == 0 ? broadcast.triggerAll(bytes("all" + i), 5, TimeUnit.SECONDS)
                : broadcast.triggerOne(bytes("one" + i), 5, TimeUnit.SECONDS);
        }
        awaitCondition(() -> broadcast.waiters() == 3);
        assertThat(broadcast.triggerAll(bytes("end"), 5, TimeUnit.SECONDS)).isEqualTo(3);
        for (Future<?> f : loops) {
            f.get(10, TimeUnit.SECONDS);
        }

        // a triggerAll payload reaches several waiters, each of which counts it once
        assertThat(duplicates.get() + received.size()).isEqualTo(granted);
        assertThat(received).allMatch(p -> p.startsWith("all") || p.startsWith("one"));
        assertThat(granted).isPositive();
    }

    @Test
    void shouldCopyPayloadIntoCallerBuffer() throws Exception {
        Broadcast broadcast = Broadcast.create(pool, 16);
        ByteBuffer dst = ByteBuffer.allocateDirect(20).position(2);
        Future<Integer> waiter = executor.submit(() -> broadcast.await(dst, WaitMode.ADAPTIVE, 5, TimeUnit.SECONDS));
        awaitCondition(() -> broadcast.waiters() == 1);

        assertThat(broadcast.triggerOne(bytes("hello"), 5, TimeUnit.SECONDS)).isEqualTo(1);

        assertThat(waiter.get(5, TimeUnit.SECONDS)).isEqualTo(5);
        assertThat(dst.position()).isEqualTo(7);
        byte[] copy = new byte[5];
        dst.get(2, copy);
        assertThat(copy).isEqualTo(bytes("hello"));
        assertThatThrownBy(() -> broadcast.await(ByteBuffer.allocate(15), WaitMode.SPIN, 1, TimeUnit.SECONDS))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maximum payload");
    }

    @Test
    void shouldRejectPayloadLargerThanMaximum() throws Exception {
        Broadcast broadcast = Broadcast.create(pool, 8);

        assertThatThrownBy(() -> broadcast.triggerAll(new byte[9], 1, TimeUnit.SECONDS))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("9 bytes exceeds the maximum of 8");
        assertThat(broadcast.triggerAll(new byte[8], 1, TimeUnit.SECONDS)).isZero();
    }

    @Test
    void shouldLeaveCleanlyWhenInterrupted() throws Exception {
        Broadcast broadcast = Broadcast.create(pool, 8);
        Future<byte[]> waiter = executor.submit(() -> broadcast.await(WaitMode.SLEEP, 10, TimeUnit.SECONDS));
        awaitCondition(() -> broadcast.waiters() == 1);

        waiter.cancel(true);

        awaitCondition(() -> broadcast.waiters() == 0);
        assertThat(broadcast.triggerOne(bytes("x"), 1, TimeUnit.SECONDS)).isZero();
    }

    @Test
    void shouldDeliverGrantedPayloadToWaiterInterruptedBeforeCollecting() throws Exception {
        Broadcast broadcast = Broadcast.create(pool, 8);
        AtomicReference<Object> outcome = new AtomicReference<>();
        Thread waiter = new Thread(() -> {
            try {
                byte[] payload = broadcast.await(WaitMode.SLEEP, 10, TimeUnit.SECONDS);
                outcome.set(new String(payload, UTF_8) + (Thread.currentThread().isInterrupted() ? "+interrupt" : ""));
            } catch (Exception e) {
                outcome.set(e);
            }
        });
        waiter.start();
        awaitCondition(() -> broadcast.waiters() == 1);

        assertThat(broadcast.triggerOne(bytes("mine"), 5, TimeUnit.SECONDS)).isEqualTo(1);
        waiter.interrupt(); // usually lands before the sleeping waiter has collected its grant
        waiter.join(5_000);

        assertThat(outcome.get()).isIn("mine+interrupt", "mine");
        assertThat(broadcast.waiters()).isZero();
        assertThat(broadcast.triggerAll(bytes("next"), 1, TimeUnit.SECONDS)).isZero(); // nothing left uncollected
    }

    @Test
    void shouldWakeWaitersWithErrorOnDestroy() throws Exception {
        Broadcast broadcast = Broadcast.create(pool, 8);
        List<Future<byte[]>> waiters = startWaiters(broadcast, 2, WaitMode.SLEEP);
        byte[] descriptor = broadcast.serialize();
        long allocations = pool.allocationCount();

        broadcast.destroy();

        for (Future<byte[]> f : waiters) {
            assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(ObjectGoneException.class);
        }
        assertThat(pool.allocationCount()).isEqualTo(allocations - 1);
        assertThatThrownBy(() -> Broadcast.attach(descriptor)).isInstanceOf(ObjectGoneException.class)
            .hasMessageContaining("destroyed");
        assertThatThrownBy(() -> broadcast.triggerAll(bytes("x"), 1, TimeUnit.SECONDS))
            .isInstanceOf(ObjectGoneException.class);
    }

    @Test
    void shouldRejectCorruptDescriptor() {
        Broadcast broadcast = Broadcast.create(pool, 8);
        byte[] descriptor = broadcast.serialize();
        descriptor[descriptor.length - 6] ^= 1;

        assertThatThrownBy(() -> Broadcast.attach(descriptor)).isInstanceOf(CorruptDescriptorException.class)
            .hasMessageContaining("checksum");
        assertThatThrownBy(() -> Broadcast.attach(pool.descriptor().serialize()))
            .isInstanceOf(CorruptDescriptorException.class).hasMessageContaining("expected a broadcast descriptor");
        assertThat(Broadcast.attach(broadcast.serialize()).maxPayload()).isEqualTo(8);
    }

    @Test
    void shouldReleaseChildProcessesWithTriggerAllAndTriggerOne() throws Exception {
        Broadcast broadcast = Broadcast.create(pool, 64);
        String descriptor = Base64.getEncoder().encodeToString(broadcast.serialize());
        int children = 3;
        List<Process> processes = new ArrayList<>();
        List<Path> logs = new ArrayList<>();
        try {
            for (int c = 0; c < children; c++) {
                Path log = Files.createTempFile("bcast-child", ".log");
                logs.add(log);
                processes.add(spawn(Child.class, log, descriptor, "2"));
            }
            awaitCondition(() -> broadcast.waiters() == children, processes);
            assertThat(broadcast.triggerAll(bytes("all"), 10, TimeUnit.SECONDS)).isEqualTo(children);
            awaitCondition(() -> broadcast.waiters() == children, processes);
            for (int i = 1; i <= children; i++) {
                assertThat(broadcast.triggerOne(bytes("one-" + i), 10, TimeUnit.SECONDS)).isEqualTo(1);
            }

            Set<String> ones = new HashSet<>();
            for (int c = 0; c < children; c++) {
                Process p = processes.get(c);
                assertThat(p.waitFor(20, TimeUnit.SECONDS)).as("child %d finished", c).isTrue();
                String output = Files.readString(logs.get(c)).trim();
                assertThat(p.exitValue()).as("child %d exit code; output:%n%s", c, output).isZero();
                assertThat(output).startsWith("all,one-");
                ones.add(output.substring("all,".length()));
            }
            assertThat(ones).containsExactlyInAnyOrder("one-1", "one-2", "one-3");
        } finally {
            processes.forEach(Process::destroyForcibly);
            for (Path log : logs) {
                Files.deleteIfExists(log);
            }
        }
    }

    @Test
    void shouldTimeOutTriggerWhileAReleasedWaiterIsStopped() throws Exception {
        Broadcast broadcast = Broadcast.create(pool, 64);
        String descriptor = Base64.getEncoder().encodeToString(broadcast.serialize());
        Path log = Files.createTempFile("bcast-child", ".log");
        Process child = spawn(Child.class, log, descriptor, "1");
        try {
            awaitCondition(() -> broadcast.waiters() == 1, List.of(child));
            Thread.sleep(50); // let it release the lock it registered under before stopping it
            signal("STOP", child);
            awaitCondition(() -> isStopped(child)); // kill returns before every thread has stopped
            // Released, but it cannot collect the payload while stopped.
            assertThat(broadcast.triggerAll(bytes("first"), 1, TimeUnit.SECONDS)).isEqualTo(1);

            assertThatThrownBy(() -> broadcast.triggerAll(bytes("second"), 200, TimeUnit.MILLISECONDS))
                .isInstanceOf(BroadcastTimeoutException.class)
                .hasMessageContaining("1 waiter(s) released by the previous trigger had not collected");

            signal("CONT", child);
            assertThat(child.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(Files.readString(log).trim()).isEqualTo("first");
            assertThat(broadcast.triggerAll(bytes("third"), 1, TimeUnit.SECONDS)).isZero();
        } finally {
            child.destroyForcibly();
            Files.deleteIfExists(log);
        }
    }

    /** A child process: attaches and waits for {@code args[1]} triggers, printing their payloads joined by ','. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            Broadcast broadcast = Broadcast.attach(Base64.getDecoder().decode(args[0]));
            int rounds = Integer.parseInt(args[1]);
            StringBuilder out = new StringBuilder();
            for (int i = 0; i < rounds; i++) {
                out.append(i == 0 ? "" : ",").append(new String(broadcast.await(15, TimeUnit.SECONDS), UTF_8));
            }
            System.out.println(out);
            System.exit(0);
        }
    }

    private List<Future<byte[]>> startWaiters(Broadcast broadcast, int count, WaitMode mode) throws Exception {
        int before = broadcast.waiters();
        List<Future<byte[]>> futures = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            futures.add(executor.submit(() -> broadcast.await(mode, 10, TimeUnit.SECONDS)));
        }
        awaitCondition(() -> broadcast.waiters() == before + count);
        return futures;
    }

    private static void awaitCondition(BooleanSupplier condition) throws InterruptedException {
        awaitCondition(condition, List.of());
    }

    /** Polls until the condition holds; fails early if one of the child processes has died. */
    private static void awaitCondition(BooleanSupplier condition, List<Process> children) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            for (Process p : children) {
                assertThat(p.isAlive()).as("child process %d is alive", p.pid()).isTrue();
            }
            assertThat(System.nanoTime() - until).as("condition met within 10 s").isNegative();
            Thread.sleep(1);
        }
    }

    private static void signal(String name, Process process) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start();
        assertThat(kill.waitFor(5, TimeUnit.SECONDS) && kill.exitValue() == 0).as("kill -%s", name).isTrue();
    }

    /** Whether every thread of the process is in the stopped state ('T' in /proc/pid/task/tid/stat). */
    private static boolean isStopped(Process process) {
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(process.pid()), "task"))) {
            return tasks.allMatch(task -> {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    return stat.charAt(stat.lastIndexOf(')') + 2) == 'T';
                } catch (IOException e) {
                    return true; // the thread has ended
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Process spawn(Class<?> main, Path log, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
            .toString(), "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
            main.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }
}
