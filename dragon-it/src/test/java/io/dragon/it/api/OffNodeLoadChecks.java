package io.dragon.it.api;

/**
 * Streaming between nodes under load (run by SlurmClusterIT on 3 nodes, the head on node 0): 1 GiB in elements of
 * random lengths, a third longer than a slot of the queue and some longer than the gateway's frame limit, from
 * senders on nodes 0 and 1 through one queue of 8 elements owned by node 2 to two receivers there
 * ({@link LoadStream}): nothing is lost, duplicated, reordered per sender or corrupt while the queue fills and
 * drains. {@code OffNodeLoadChecks [seed]}: the lengths are drawn from the seed, printed, so that a failure can be
 * run again.
 */
public final class OffNodeLoadChecks extends Checks {
    private static final long GIB = 1L << 30;

    public static void main(String[] args) {
        new OffNodeLoadChecks().run(args.length > 0 ? Long.parseLong(args[0]) : System.nanoTime());
    }

    private void run(long seed) {
        System.out.println("seed " + seed);
        check("1 GiB from nodes 0 and 1 through a queue of node 2 to two receivers there, in elements of random"
            + " lengths, arrives whole, once and in each sender's order", () -> {
            LoadStream load = new LoadStream(seed, GIB / LoadStream.SENDERS, false);
            load.checkToTheEnd();
            System.out.println(load.reported() + " elements");
        });
        finish();
    }
}
