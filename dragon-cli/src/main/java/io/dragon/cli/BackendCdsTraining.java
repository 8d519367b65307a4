package io.dragon.cli;

import io.dragon.backend.ClassDataSharing;
import io.dragon.backend.ServiceLogging;
import io.dragon.backend.net.LinkSecurity;
import io.dragon.backend.transport.TcpTransportAgent;
import io.dragon.backend.tree.TreeNode;
import io.dragon.backend.tree.TreeShape;
import io.dragon.core.channels.Channel;
import io.dragon.core.infrastructure.Ids;
import io.dragon.core.infrastructure.RuntimeIds;
import io.dragon.core.memory.MemoryPool;
import io.dragon.core.messages.Messages.GSIsUp;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * The build's training run for the launcher backend's class-data-sharing archive (see dragon-cli's pom and
 * {@link ClassDataSharing}): without a Slurm cluster at build time, it does on loopback what a backend does at
 * bringup (logging, a tree of a root and one backend, a reduction, a transport agent on a gateway channel), so
 * that the archive holds the classes a backend loads.
 */
public final class BackendCdsTraining {
    private BackendCdsTraining() {
    }

    public static void main(String[] args) throws Exception {
        ServiceLogging.configureService(args[0], "backend-training", "INFO");
        LinkSecurity security = LinkSecurity.plain("training");
        TreeShape shape = new TreeShape(1, 32);
        MemoryPool pool = MemoryPool.create(RuntimeIds.next(), Ids.infraPoolMuid(0), 1 << 20);
        try (TreeNode root = TreeNode.root(shape, security, "127.0.0.1", new TreeNode.Listener() { });
             TreeNode backend = TreeNode.backend(shape, 1, security, new InetSocketAddress("127.0.0.1",
                 root.address().getPort()), "127.0.0.1", "training", new TreeNode.Listener() { })) {
            root.awaitReduction(TreeNode.JOINED, Duration.ofSeconds(30));
            backend.contribute(1, new GSIsUp(1));
            root.awaitReduction(1, Duration.ofSeconds(30));
            Channel gateway = Channel.create(pool, Ids.GATEWAY_CUID, 4, 1024);
            try (TcpTransportAgent agent = TcpTransportAgent.start(security, "127.0.0.1")) {
                agent.connect(gateway.serialize(), List.of(), List.of(), List.of());
            }
        } finally {
            pool.destroy();
        }
        System.exit(0); // writes the archive
    }
}
