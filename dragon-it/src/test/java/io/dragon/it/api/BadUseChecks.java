package io.dragon.it.api;

import io.dragon.DragonException;
import io.dragon.Lock;
import io.dragon.ObjectDestroyedException;
import io.dragon.ObjectNotFoundException;
import io.dragon.Policy;
import io.dragon.Process;
import io.dragon.ProcessTemplate;
import io.dragon.Queue;
import io.dragon.Semaphore;
import io.dragon.SharedLongArray;

/** Wrong uses of the API, each a clear exception. */
public final class BadUseChecks extends Checks {
    public static void main(String[] args) {
        new BadUseChecks().run();
    }

    private void run() {
        check("looking up a name that does not exist", () -> {
            ObjectNotFoundException e = expectThrows(ObjectNotFoundException.class, () -> Queue.lookup("missing"));
            expect(e.getMessage().contains("'missing'"), "the name in: " + e.getMessage());
            expectThrows(ObjectNotFoundException.class, () -> Process.lookup("missing"));
        });
        check("looking up a name of another kind", () -> {
            Queue<Integer> queue = Queue.create("a-queue", 2);
            DragonException e = expectThrows(DragonException.class, () -> Lock.lookup("a-queue"));
            expect(e.getMessage().contains("names a Queue, not a Lock"), "the kinds in: " + e.getMessage());
            queue.destroy();
        });
        check("a name taken twice", () -> {
            Lock lock = Lock.create("taken");
            DragonException e = expectThrows(DragonException.class, () -> Semaphore.create("taken", 1));
            expect(e.getMessage().contains("taken already"), "the reason in: " + e.getMessage());
            lock.destroy();
            Semaphore.create("taken", 1).destroy(); // free again once destroyed
        });
        check("using destroyed objects", () -> {
            Lock lock = Lock.create();
            lock.destroy();
            lock.destroy(); // twice is harmless
            expectThrows(ObjectDestroyedException.class, () -> {
                lock.lock();
                return null;
            });
            SharedLongArray array = SharedLongArray.create("gone", 4);
            array.destroy();
            expectThrows(ObjectDestroyedException.class, () -> array.get(0));
            expect(!array.isAlive(), "not alive");
            expectThrows(ObjectNotFoundException.class, () -> SharedLongArray.lookup("gone"));
        });
        check("a lambda that captures something not Serializable", () -> {
            Object notSerializable = new Object();
            DragonException e = expectThrows(DragonException.class,
                () -> Process.start(() -> System.out.println(notSerializable)));
            expect(e.getMessage().contains("java.lang.Object") && e.getMessage().contains("not Serializable"),
                "the culprit in: " + e.getMessage());
        });
        check("a target too large to pass to a new process", () -> {
            byte[] huge = new byte[200_000];
            DragonException e = expectThrows(DragonException.class, () -> Process.start(() -> huge.clone()));
            expect(e.getMessage().contains("Queue"), "advice in: " + e.getMessage());
        });
        check("placement on a node or host that does not exist", () -> {
            ObjectNotFoundException e = expectThrows(ObjectNotFoundException.class,
                () -> ProcessTemplate.exec("true").withPolicy(Policy.node(5)).start());
            expect(e.getMessage().contains("no node 5"), "the node in: " + e.getMessage());
            expectThrows(ObjectNotFoundException.class,
                () -> ProcessTemplate.exec("true").withPolicy(Policy.host("no-such-host")).start());
        });
        check("an executable that does not exist", () -> {
            DragonException e = expectThrows(DragonException.class,
                () -> ProcessTemplate.exec("/no/such/program").start());
            expect(e.getMessage().contains("/no/such/program"), "the program in: " + e.getMessage());
        });
        check("a queue larger than the pool", () -> {
            DragonException e = expectThrows(DragonException.class, () -> Queue.create(1 << 30));
            expect(e.getMessage().toLowerCase().contains("pool"), "the pool in: " + e.getMessage());
        });
        finish();
    }
}
