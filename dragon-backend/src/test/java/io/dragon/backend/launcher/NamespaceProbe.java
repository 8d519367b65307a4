package io.dragon.backend.launcher;

import io.dragon.core.channels.Channel;
import io.dragon.core.client.GlobalServicesClient;
import io.dragon.core.client.GlobalServicesException;
import io.dragon.core.infrastructure.LaunchParameters;
import io.dragon.core.messages.Messages.ChannelInfo;
import io.dragon.core.messages.Messages.ObjectState;
import io.dragon.core.messages.Messages.PoolInfo;
import io.dragon.core.messages.Messages.ProcessInfo;
import io.dragon.core.messages.Messages.ProcessSpec;
import io.dragon.core.messages.Messages.ProcessState;
import io.dragon.core.messages.Response;
import io.dragon.core.shm.Signals;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A head process that exercises Global Services' namespace through the real runtime and reports each check on
 * stdout ("ok ..." or "FAILED ..."); it exits 0 only if every check passed. Run by {@link LauncherTest}.
 */
public final class NamespaceProbe {
    private static final List<String> FAILURES = new ArrayList<>();

    private NamespaceProbe() {
    }

    public static void main(String[] args) throws Exception {
        GlobalServicesClient gs = GlobalServicesClient.get();
        survivesGarbage(gs);
        pools(gs);
        channels(gs);
        processes(gs);
        System.out.println(FAILURES.isEmpty() ? "all checks passed" : "failed: " + FAILURES);
        System.exit(FAILURES.isEmpty() ? 0 : 1);
    }

    /** Malformed bytes on the services' channels are dropped with an error in their logs; they keep serving. */
    private static void survivesGarbage(GlobalServicesClient gs) throws InterruptedException {
        LaunchParameters params = gs.launchParameters();
        for (byte[] descriptor : List.of(params.globalServicesChannel(), params.localServicesChannel())) {
            Channel channel = Channel.attach(descriptor);
            channel.send(ByteBuffer.wrap(new byte[] {(byte) 0x93, 0x7f, 1, 2}), 5, TimeUnit.SECONDS);
            channel.send(ByteBuffer.wrap("not msgpack at all".getBytes(StandardCharsets.UTF_8)), 5, TimeUnit.SECONDS);
        }
        check("services survive malformed messages", () -> gs.processes() != null);
    }

    private static void pools(GlobalServicesClient gs) {
        PoolInfo pool = gs.createPool(8 << 20, "probe-pool");
        check("pool created", () -> pool.state() == ObjectState.ACTIVE && pool.size() == 8 << 20);
        check("pool by name", () -> gs.queryPool("probe-pool").muid() == pool.muid());
        check("pool list has the node pools", () -> gs.pools().stream().map(PoolInfo::name).toList()
            .containsAll(List.of("infrastructure-0", "default-0", "probe-pool")));
        checkError("duplicate pool name", () -> gs.createPool(1 << 20, "probe-pool"), Response.ALREADY,
            "exists already");
        ChannelInfo inPool = gs.createChannel(pool.muid(), 4, 64, "in-probe-pool");
        gs.destroyPool(pool.muid());
        check("destroyed pool's state", () -> gs.queryPool(pool.muid()).state() == ObjectState.DESTROYED);
        check("channel of a destroyed pool", () -> gs.queryChannel(inPool.cuid()).state() == ObjectState.DESTROYED);
        checkError("runtime pools cannot be destroyed", () -> {
            gs.destroyPool(1);
            return null;
        }, Response.NOT_FOUND, "belongs to the runtime");
    }

    private static void channels(GlobalServicesClient gs) throws InterruptedException {
        ChannelInfo info = gs.createChannel(0, 16, 256, "probe-channel");
        Channel channel = Channel.attach(info.descriptor());
        channel.send("ping".getBytes(StandardCharsets.UTF_8));
        check("channel works", () -> new String(channel.tryRecv(), StandardCharsets.UTF_8).equals("ping"));
        check("channel by name", () -> gs.queryChannel("probe-channel").cuid() == info.cuid());
        check("channel list", () -> gs.channels().stream().anyMatch(c -> c.cuid() == info.cuid()));
        checkError("duplicate channel name", () -> gs.createChannel(0, 4, 64, "probe-channel"), Response.ALREADY,
            "exists already");
        checkError("channel larger than the pool", () -> gs.createChannel(0, 1 << 20, 1 << 20, null), Response.FAIL,
            "--pool-size");
        gs.destroyChannel(info.cuid());
        check("destroyed channel is gone", () -> channel.isDestroyed()
            && gs.queryChannel(info.cuid()).state() == ObjectState.DESTROYED);
        checkError("destroyed channel's name is free", () -> gs.queryChannel("probe-channel"), Response.NOT_FOUND,
            "no channel named");
    }

    private static void processes(GlobalServicesClient gs) {
        ProcessInfo three = gs.createProcess(spec("exit 3", "three"));
        check("join returns the exit code", () -> gs.join(three.puid(), -1).exitCode() == 3);
        check("process by name", () -> gs.query("three").puid() == three.puid());
        ProcessInfo sleeper = gs.createProcess(spec("sleep 30", "sleeper"));
        check("join times out on a live process", () -> gs.join(sleeper.puid(), 100).state() == ProcessState.ACTIVE);
        check("kill a live process", () -> {
            gs.kill(sleeper.puid(), Signals.SIGTERM);
            return true;
        });
        check("killed process ends", () -> gs.join(sleeper.puid(), 10_000).state() == ProcessState.EXITED);
        check("process list", () -> gs.processes().size() >= 3);
        checkError("missing executable", () -> gs.createProcess(new ProcessSpec("/no/such/program", List.of(),
            Map.of(), null, null, false, -1)), Response.FAIL, "/no/such/program");
        checkError("unknown process", () -> gs.query(12345), Response.NOT_FOUND, "no process with p_uid 12345");
    }

    private static ProcessSpec spec(String script, String name) {
        return new ProcessSpec("/bin/sh", List.of("-c", script), Map.of(), null, name, false, -1);
    }

    private static void check(String what, Supplier<Boolean> condition) {
        boolean ok;
        try {
            ok = condition.get();
        } catch (RuntimeException e) {
            ok = false;
            what += " (" + e + ")";
        }
        System.out.println((ok ? "ok " : "FAILED ") + what);
        if (!ok) {
            FAILURES.add(what);
        }
    }

    private static void checkError(String what, Supplier<?> call, int err, String text) {
        check(what, () -> {
            try {
                call.get();
                return false;
            } catch (GlobalServicesException e) {
                return e.err() == err && e.getMessage().contains(text);
            }
        });
    }
}
