package io.dragon.it.api;

import io.dragon.DragonException;
import io.dragon.Pool;
import io.dragon.Process;
import io.dragon.Queue;
import io.dragon.SerializableCallable;
import java.io.Serializable;
import java.net.URL;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * The deserialization filter seen from a program: a class it refuses (java.net.URL, a known gadget) fails the one
 * element, process or task that holds it with a message naming the class and the option, and the program goes on;
 * run with {@code dragon --serial-filter java.net.URL} and argument {@code allowed}, the same all work.
 */
public final class DeserializationChecks extends Checks {
    private static final String OPTION = "--serial-filter 'java.net.URL'";

    /** A class of the program: always accepted. */
    record Reading(String sensor, double value) implements Serializable {
    }

    private final boolean allowed;

    private DeserializationChecks(boolean allowed) {
        this.allowed = allowed;
    }

    public static void main(String[] args) {
        new DeserializationChecks(args.length > 0 && args[0].equals("allowed")).run();
    }

    private void run() {
        URL url = url();
        check("a queue element of a refused class fails alone; the queue goes on", () -> {
            Queue<Object> queue = Queue.create(4);
            queue.put(url);
            queue.put(new Reading("t1", 21.5));
            if (allowed) {
                expectEquals(url.toString(), queue.take().toString(), "the URL");
            } else {
                DragonException e = expectThrows(DragonException.class, queue::take);
                expect(e.getMessage().contains("class java.net.URL is refused") && e.getMessage().contains(OPTION),
                    "the class and the option in: " + e.getMessage());
            }
            expectEquals(new Reading("t1", 21.5), queue.take(), "the next element");
            queue.destroy();
        });
        check("a process whose target holds a refused class exits 1 saying why; the next one runs", () -> {
            int code = Process.start(() -> System.out.println("the target ran with " + url)).join();
            expectEquals(allowed ? 0 : 1, code, "its exit code");
            Reading reading = new Reading("t2", 3.0);
            expectEquals(reading, Process.call(() -> reading).get(), "what the next process returned");
        });
        check("a pool task whose result is refused fails its future; the pool goes on", () -> {
            try (Pool pool = Pool.create(1)) {
                Future<URL> future = pool.submit((SerializableCallable<URL>) DeserializationChecks::url);
                if (allowed) {
                    expectEquals(url.toString(), future.get().toString(), "the URL");
                } else {
                    ExecutionException e = expectThrows(ExecutionException.class, future::get);
                    expect(e.getCause().getMessage().contains("class java.net.URL is refused"),
                        "the class in: " + e.getCause().getMessage());
                }
                expectEquals(6, pool.submit((SerializableCallable<Integer>) () -> 2 * 3).get(), "the next task");
            }
        });
        finish();
    }

    private static URL url() {
        try {
            return new URL("file:/tmp/dragon-checks"); // a file URL: no host to resolve
        } catch (java.net.MalformedURLException e) {
            throw new AssertionError(e);
        }
    }
}
