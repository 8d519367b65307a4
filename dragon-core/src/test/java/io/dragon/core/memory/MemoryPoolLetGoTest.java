package io.dragon.core.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dragon.core.channels.ChannelDestroyedException;
import io.dragon.core.channels.LocalChannel;
import io.dragon.core.sync.WaitMode;
import io.dragon.core.testing.ChildJvm;
import io.dragon.core.testing.LeakCheck;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A destroyed pool is let go of by every process that mapped it, and letting go is safe while threads still use it:
 * its memory is freed, and they find their structures destroyed instead of crashing on unmapped memory.
 */
@ExtendWith(LeakCheck.class)
class MemoryPoolLetGoTest {
    private static final Duration CHILD_TIMEOUT = Duration.ofSeconds(60);

    @Test
    void shouldWakeAWaiterOfAPoolDestroyedUnderItWithoutCrashing() throws Exception {
        MemoryPool pool = MemoryPool.create(ChildJvm.uniqueRuntimeId(), 1, 1 << 20);
        LocalChannel channel = LocalChannel.create(pool, 1, 4, 64);
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            Future<byte[]> waiter = executor.submit(() -> channel.recv(WaitMode.ADAPTIVE, Long.MAX_VALUE));
            Thread.sleep(200); // asleep in the channel, reading its ring
            pool.destroy();
            assertThat(isMapped(ProcessHandle.current().pid(), pool)).as("mapped after destroy").isFalse();
            assertThatThrownBy(() -> waiter.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(
                ChannelDestroyedException.class);
            assertThat(channel.isDestroyed()).isTrue();
            assertThat(channel.size()).as("a view of a pool let go of reads zeros").isZero();
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void shouldLetGoOfADestroyedPoolWhenTheProcessNextMapsAPool() throws Exception {
        MemoryPool destroyed = MemoryPool.create(ChildJvm.uniqueRuntimeId(), 1, 1 << 20);
        MemoryPool next = MemoryPool.create(ChildJvm.uniqueRuntimeId(), 2, 1 << 20);
        Path go = Files.createTempFile("dragon-letgo", ".go");
        Files.delete(go);
        try (ChildJvm child = ChildJvm.start(Child.class, hex(destroyed), hex(next), go.toString())) {
            assertThat(child.awaitOutput("attached", CHILD_TIMEOUT)).as("child output: %s", child.output()).isTrue();
            assertThat(isMapped(child.pid(), destroyed)).isTrue();
            destroyed.destroy();
            assertThat(isMapped(child.pid(), destroyed)).as("mapped until the child next maps a pool").isTrue();
            Files.createFile(go);
            assertThat(child.awaitOutput("attached next", CHILD_TIMEOUT)).as("child output: %s", child.output())
                .isTrue();
            assertThat(isMapped(child.pid(), destroyed)).as("mapped after the child mapped another pool").isFalse();
            assertThat(isMapped(child.pid(), next)).isTrue();
        } finally {
            next.destroy();
            Files.deleteIfExists(go);
        }
    }

    /** Whether process {@code pid} maps {@code pool}'s segment (the kernel lists it under its /dev/shm name). */
    private static boolean isMapped(long pid, MemoryPool pool) throws IOException {
        String segment = "/dev/shm/" + pool.descriptor().segmentName().substring(1);
        // A segment whose name was removed is listed as "NAME (deleted)".
        return Files.readAllLines(Path.of("/proc/" + pid + "/maps")).stream().anyMatch(l -> l.contains(segment));
    }

    private static String hex(MemoryPool pool) {
        return HexFormat.of().formatHex(pool.descriptor().serialize());
    }

    /** Maps pool args[0], says "attached", waits for file args[2], maps pool args[1], says "attached next", waits. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            ChildJvm.exitWithParent();
            MemoryPool.attach(HexFormat.of().parseHex(args[0]));
            System.out.println("attached");
            while (!Files.exists(Path.of(args[2]))) {
                Thread.sleep(10);
            }
            MemoryPool.attach(HexFormat.of().parseHex(args[1]));
            System.out.println("attached next");
            Thread.sleep(Long.MAX_VALUE);
        }
    }
}
