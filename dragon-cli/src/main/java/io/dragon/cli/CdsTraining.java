package io.dragon.cli;

import io.dragon.core.channels.Channel;
import io.dragon.core.client.GlobalServicesClient;
import io.dragon.core.messages.Messages.ChannelInfo;
import io.dragon.core.messages.Messages.PoolInfo;
import io.dragon.core.messages.Messages.ProcessInfo;
import io.dragon.core.messages.Messages.ProcessSpec;
import java.util.List;
import java.util.Map;

/**
 * The head program of the build's training run (see dragon-cli's pom and {@code ClassDataSharing}): it makes the
 * launcher, Local Services and Global Services do what they do in a typical run, so that each JVM's class-data
 * sharing archive holds the classes it needs.
 */
public final class CdsTraining {
    private CdsTraining() {
    }

    public static void main(String[] args) throws InterruptedException {
        GlobalServicesClient gs = GlobalServicesClient.get();
        ProcessInfo process = gs.createProcess(new ProcessSpec("/bin/echo", List.of("trained"), Map.of(), null,
            "training", false, -1));
        gs.join(process.puid(), 10_000);
        gs.query("training");
        gs.processes();
        ChannelInfo info = gs.createChannel(0, 4, 64, "training");
        Channel channel = Channel.attach(info.descriptor());
        channel.send(new byte[8]);
        channel.tryRecv();
        gs.channels();
        gs.destroyChannel(info.cuid());
        PoolInfo pool = gs.createPool(1 << 20, null);
        gs.pools();
        gs.destroyPool(pool.muid());
    }
}
