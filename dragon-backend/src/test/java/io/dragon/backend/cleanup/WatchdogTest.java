package io.dragon.backend.cleanup;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The watchdog of this JVM; its cleanup after a death is run for real by DragonCommandIT and SlurmFaultsIT. */
class WatchdogTest {
    @Test
    void shouldExitWithoutCleaningOnceReleased() throws Exception {
        Watchdog watchdog = Watchdog.start("rnone", "the test");
        ProcessHandle shell = ProcessHandle.current().children().filter(p -> p.info().commandLine().orElse("")
            .contains("clean")).findFirst().orElseThrow();

        watchdog.release();

        assertThat(shell.onExit().get(10, TimeUnit.SECONDS).isAlive()).isFalse();
        assertThat(watchdog.isAlive()).as("released: not a death").isTrue();
    }

    @Test
    void shouldSayItDiedWhenKilled() throws Exception {
        Watchdog watchdog = Watchdog.start("rnone", "the test");
        ProcessHandle shell = ProcessHandle.current().children().filter(p -> p.info().commandLine().orElse("")
            .contains("clean")).findFirst().orElseThrow();
        assertThat(watchdog.isAlive()).isTrue();

        shell.destroyForcibly();
        shell.onExit().get(10, TimeUnit.SECONDS);

        assertThat(watchdog.isAlive()).isFalse();
        assertThat(watchdog.death()).isEqualTo("the watchdog of the test (pid " + shell.pid() + ") died");
        watchdog.release(); // its pipe is closed already: nothing happens
    }
}
