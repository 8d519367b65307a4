package io.dragon.it.api;

import io.dragon.Policy;
import io.dragon.Process;
import io.dragon.ProcessTemplate;
import io.dragon.Queue;
import io.dragon.core.channels.Channel;
import io.dragon.core.channels.ChannelDestroyedException;
import io.dragon.core.channels.ChannelFullException;
import io.dragon.core.channels.SendReturn;
import io.dragon.core.client.GlobalServicesClient;
import io.dragon.core.messages.Messages.ChannelInfo;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * Sends that return once buffered ({@link SendReturn#WHEN_BUFFERED}, on the runtime's channels; {@link Queue} does
 * not use them) from node 1 to channels of node 0, run by SlurmClusterIT on 3 nodes: they arrive whole and in
 * order, {@code flush()} returns once all are in the channel, and a failure at the owner (the channel destroyed,
 * full past a send's deadline) reaches the sender at its next operation.
 */
public final class BufferedSendChecks extends Checks {
    private static final int SENDER = 1;

    public static void main(String[] args) {
        new BufferedSendChecks().run();
    }

    private void run() {
        GlobalServicesClient services = GlobalServicesClient.get();
        check("256 MiB of buffered sends of random lengths from node 1 reach a channel of node 0 whole and in order",
            () -> {
                Channel mine = channel(services, 8);
                long seed = System.nanoTime();
                int[] lengths = StreamElements.lengths(seed, SENDER, 256L << 20);
                Process sender = startSender(mine, head -> {
                    for (int i = 0; i < lengths.length; i++) {
                        head.send(ByteBuffer.wrap(StreamElements.create(SENDER, i, lengths[i])));
                    }
                    head.flush();
                    return "flushed";
                }, null);
                for (int i = 0; i < lengths.length; i++) {
                    StreamElements.verify(mine.recv(60, TimeUnit.SECONDS), SENDER, i, lengths[i]);
                }
                expectEquals(0, sender.join(), "exit code of the sender (seed " + seed + ")");
                services.destroyChannel(mine.cuid());
            });
        check("flush() of a sender of node 1 returns once every message it sent is in the channel of node 0", () -> {
            Channel mine = channel(services, 64);
            Queue<String> said = Queue.create(2);
            Process sender = startSender(mine, head -> {
                for (int i = 0; i < 50; i++) {
                    head.send(ByteBuffer.wrap(StreamElements.create(SENDER, i, 64)));
                }
                head.flush();
                return "flushed";
            }, said);
            expectEquals("flushed", said.poll(60, TimeUnit.SECONDS), "the sender's word");
            expectEquals(50, mine.size(), "messages in the channel once flush() returned");
            expectEquals(0, sender.join(), "exit code of the sender");
            services.destroyChannel(mine.cuid());
            said.destroy();
        });
        check("a channel of node 0 destroyed under buffered sends fails the sender's flush() on node 1", () -> {
            Channel mine = channel(services, 2);
            Queue<String> said = Queue.create(2);
            Process sender = startSender(mine, head -> {
                for (int i = 0; i < 10; i++) { // 2 go in, the others wait at the owner
                    head.send(ByteBuffer.wrap(new byte[100]));
                }
                said.put("sent");
                try {
                    head.flush();
                    return "flushed";
                } catch (ChannelDestroyedException e) {
                    return "destroyed";
                }
            }, said);
            expectEquals("sent", said.poll(60, TimeUnit.SECONDS), "the sender's word");
            services.destroyChannel(mine.cuid());
            expectEquals("destroyed", said.poll(60, TimeUnit.SECONDS), "what the sender's flush() threw");
            expectEquals(0, sender.join(), "exit code of the sender");
            said.destroy();
        });
        check("a buffered send that finds the channel full past its deadline fails the sender's next operation", () -> {
            Channel mine = channel(services, 2);
            Queue<String> said = Queue.create(2);
            Process sender = startSender(mine, head -> {
                for (int i = 0; i < 4; i++) { // nobody receives: the last 2 stay out past their 200 ms
                    head.send(ByteBuffer.wrap(new byte[100]), 200, TimeUnit.MILLISECONDS);
                }
                try {
                    head.flush();
                    return "flushed";
                } catch (ChannelFullException e) {
                    return "full";
                }
            }, said);
            expectEquals("full", said.poll(60, TimeUnit.SECONDS), "what the sender's flush() threw");
            expectEquals(2, mine.size(), "messages in the channel");
            expectEquals(0, sender.join(), "exit code of the sender");
            services.destroyChannel(mine.cuid());
            said.destroy();
        });
        finish();
    }

    private static Channel channel(GlobalServicesClient services, int capacity) {
        ChannelInfo info = services.createChannel(0, capacity, 256, null);
        return Channel.attach(info.descriptor());
    }

    /** What a sender does with the head's channel, with WHEN_BUFFERED; its word for the head. */
    @FunctionalInterface
    private interface Sends extends java.io.Serializable {
        String run(Channel head) throws Exception;
    }

    /** Starts {@code sends} on node 1, on the channel {@code target}; its word goes to {@code said} (if not null). */
    private static Process startSender(Channel target, Sends sends, Queue<String> said) {
        byte[] where = target.serialize();
        return Process.start(ProcessTemplate.of(() -> {
            try {
                String word = sends.run(Channel.attach(where).sendReturn(SendReturn.WHEN_BUFFERED));
                if (said != null) {
                    said.put(word);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).withPolicy(Policy.node(SENDER)));
    }
}
