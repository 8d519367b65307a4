package io.dragon.bench;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent.LifecycleState;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * The peer of {@link DDictRates}: the same {@link MapRates} on a Hazelcast IMap, from threads of an embedded
 * member. {@code HazelcastRates get|put|putall members=A[,B...] [MapRates arguments]} starts a member, waits until
 * the cluster has one member per address of {@code members}, runs the op on IMap "bench" and shuts the whole cluster
 * down; {@code HazelcastRates member members=A,B,...} starts a member on another node and exits once the cluster shuts
 * down.
 *
 * <p>Members: the IMap's defaults but no backups (DDict keeps one copy), TCP-IP join to the addresses of
 * {@code members} (each member binds the one of them that is its own), multicast and auto-detection off, logging off,
 * phone-home off.
 */
public final class HazelcastRates {
    private static final String MAP = "bench";
    private static final long JOIN_TIMEOUT_MS = 120_000;

    private HazelcastRates() {
    }

    public static void main(String[] args) throws Exception {
        // before any Hazelcast class logs (some do before an instance has its configuration)
        System.setProperty("hazelcast.logging.type", "none");
        Options options = Options.parse(args, 1);
        List<String> members = Arrays.asList(options.get("members").split(","));
        HazelcastInstance member = Hazelcast.newHazelcastInstance(config(members));
        if (args[0].equals("member")) {
            CountDownLatch down = new CountDownLatch(1);
            member.getLifecycleService().addLifecycleListener(event -> {
                if (event.getState() == LifecycleState.SHUTDOWN) {
                    down.countDown();
                }
            });
            if (member.getLifecycleService().isRunning()) {
                down.await();
            }
            System.exit(0);
        }
        long deadline = System.currentTimeMillis() + JOIN_TIMEOUT_MS;
        while (member.getCluster().getMembers().size() < members.size()) {
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("only " + member.getCluster().getMembers().size() + " of "
                    + members.size() + " members joined");
            }
            Thread.sleep(100);
        }
        System.err.println("  hazelcast: " + member.getCluster().getMembers());
        MapRates.run(args[0], member.getMap(MAP), options);
        member.getCluster().shutdown();
        System.exit(0);
    }

    private static Config config(List<String> members) {
        Config config = new Config().setClusterName("dragon-bench");
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.getMapConfig(MAP).setBackupCount(0).setAsyncBackupCount(0);
        NetworkConfig network = config.getNetworkConfig();
        network.getInterfaces().setEnabled(true).setInterfaces(members);
        JoinConfig join = network.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true).setMembers(members);
        return config;
    }
}
