package io.dragon.it.api;

import io.dragon.Policy;
import io.dragon.Process;
import io.dragon.ProcessTemplate;
import io.dragon.Queue;
import java.util.concurrent.TimeUnit;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * The head of SlurmFaultsIT's lost-node test, on 3 nodes: a process of node 2 makes a queue there, a process of
 * node 1 blocks in its take() and says so; the test then stops every process of node 2 (as a hung node), and the
 * take must fail within the heartbeat timeout naming node 2, which the process prints. It ignores SIGTERM, so that
 * the runtime's teardown (the frontend loses node 2 at about the same time) leaves it the 2 s before SIGKILL to
 * print.
 */
public final class LostNodeWait {
    private LostNodeWait() {
    }

    public static void main(String[] args) throws Exception {
        Queue<Queue<String>> handles = Queue.create(2);
        Process.start(ProcessTemplate.of(() -> {
            try {
                handles.put(Queue.create(4));
                Thread.sleep(TimeUnit.MINUTES.toMillis(5));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }).withPolicy(Policy.node(2)));
        Queue<String> onNode2 = handles.take();
        Process requester = Process.start(ProcessTemplate.of(() -> {
            Signal.handle(new Signal("TERM"), SignalHandler.SIG_IGN);
            System.out.println("blocked in take() of a queue of node 2");
            System.out.flush();
            try {
                System.out.println("take() returned " + onNode2.take());
            } catch (RuntimeException | InterruptedException e) {
                System.out.println("take() of a queue of node 2 failed: " + e.getMessage());
            }
            System.out.flush();
        }).withPolicy(Policy.node(1)));
        requester.join();
    }
}
