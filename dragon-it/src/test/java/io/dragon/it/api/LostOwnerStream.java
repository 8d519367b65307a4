package io.dragon.it.api;

import java.util.concurrent.TimeUnit;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * The head of SlurmFaultsIT's lost-owner test, on 3 nodes: the stream of {@link LoadStream}, 1 GiB from senders on
 * nodes 0 and 1 through a queue of node 2 to receivers there. Once half of the elements have arrived it says so, and
 * the test stops every process of node 2 (a hung node), so that the owner's node is lost while the queue fills and
 * drains. Each sender's put must then fail naming node 2, which the sender prints; what arrived before must be whole,
 * once each, in order and with none lost, which the head checks as it comes and prints once no report has come for
 * a second. The head and the senders ignore SIGTERM, so that the runtime's teardown (the frontend loses node 2 at
 * about the same time) leaves them the 2 s before SIGKILL to print. {@code LostOwnerStream [seed]}, as
 * {@link OffNodeLoadChecks}.
 */
public final class LostOwnerStream {
    private static final long GIB = 1L << 30;

    private LostOwnerStream() {
    }

    public static void main(String[] args) throws Exception {
        Signal.handle(new Signal("TERM"), SignalHandler.SIG_IGN);
        long seed = args.length > 0 ? Long.parseLong(args[0]) : System.nanoTime();
        System.out.println("seed " + seed);
        LoadStream load = new LoadStream(seed, GIB / LoadStream.SENDERS, true);
        while (load.reported() < load.total() / 2) {
            load.checkReports(100);
        }
        System.out.println("halfway: " + load.reported() + " of " + load.total() + " elements received");
        System.out.flush();
        while (load.checkReports(1_000)) {
            load.checkNoneLostSoFar();
        }
        System.out.println("received before the loss, whole, once each, in order, none lost: "
            + load.checkNoneLostSoFar());
        System.out.flush();
        Thread.sleep(TimeUnit.MINUTES.toMillis(5)); // until the teardown ends it
    }
}
