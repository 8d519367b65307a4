package io.dragon.it.api;

import io.dragon.Pool;
import io.dragon.Process;
import io.dragon.ProcessTemplate;
import io.dragon.Queue;
import io.dragon.SerializableCallable;
import java.util.concurrent.TimeUnit;

/**
 * Run by UserApiIT with {@code dragon --jvm-opt=-Dexample.flag=head --jvm-opt=-Xmx200m}: the head has both, a Java
 * process it starts inherits them, and one whose template names its own, or a pool's worker given its own, has
 * those instead.
 */
public final class JvmOptionChecks extends Checks {
    public static void main(String[] args) {
        new JvmOptionChecks().run();
    }

    private void run() {
        check("the head process has the options of --jvm-opt", () -> {
            expectEquals("head", System.getProperty("example.flag"), "example.flag");
            expect(maxHeapMiB() <= 200, "a heap of at most 200 MiB, got " + maxHeapMiB());
        });
        check("a Java process the head starts inherits them, unless its template names its own", () -> {
            Queue<String> said = Queue.create(4);
            Process inherits = ProcessTemplate.of(() -> Checks.putQuietly(said, describe())).start();
            expectEquals("head " + true, said.poll(60, TimeUnit.SECONDS), "what the inheriting process has");
            expectEquals(0, inherits.join(), "its exit code");
            Process own = ProcessTemplate.of(() -> Checks.putQuietly(said, describe()))
                .withJvmOptions("-Dexample.flag=own", "-Xmx900m").start();
            expectEquals("own " + false, said.poll(60, TimeUnit.SECONDS), "what the process with its own has");
            expectEquals(0, own.join(), "its exit code");
            said.destroy();
        });
        check("a pool's workers inherit them, unless the pool is given its own", () -> {
            try (Pool inheriting = Pool.create(1); Pool own = Pool.create(1, "-Dexample.flag=pool")) {
                SerializableCallable<String> describe = JvmOptionChecks::describe;
                expectEquals("head " + true, inheriting.submit(describe).get(), "inheriting worker");
                expectEquals("pool " + false, own.submit(describe).get(), "worker with its own");
            }
        });
        finish();
    }

    /** This JVM's example.flag, and whether its heap is at most 200 MiB. */
    private static String describe() {
        return System.getProperty("example.flag") + " " + (maxHeapMiB() <= 200);
    }

    private static long maxHeapMiB() {
        return Runtime.getRuntime().maxMemory() >> 20;
    }
}
