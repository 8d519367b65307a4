package io.dragon.it.api;

import io.dragon.Process;
import io.dragon.ProcessTemplate;
import io.dragon.Queue;
import io.dragon.core.infrastructure.Settings;
import java.util.concurrent.TimeUnit;

/**
 * Run by UserApiIT with {@code dragon --bringup-timeout 90s} and {@code DRAGON_HEARTBEAT_TIMEOUT=8s}: the runtime's
 * settings that options and variables give reach the head and the Java processes it starts, as they reach every
 * JVM of the runtime (InheritedProperties).
 */
public final class SettingsChecks extends Checks {
    public static void main(String[] args) {
        new SettingsChecks().run();
    }

    private void run() {
        check("the head has the settings of the command line and the environment", () ->
            expectEquals("90000 8000", describe(), "bringup and heartbeat timeouts (ms)"));
        check("a Java process the head starts has them too", () -> {
            Queue<String> said = Queue.create(2);
            Process process = ProcessTemplate.of(() -> Checks.putQuietly(said, describe())).start();
            expectEquals("90000 8000", said.poll(60, TimeUnit.SECONDS), "its bringup and heartbeat timeouts (ms)");
            expectEquals(0, process.join(), "its exit code");
            said.destroy();
        });
        finish();
    }

    private static String describe() {
        return Settings.bringupTimeoutMs() + " " + Settings.heartbeatTimeoutMs();
    }
}
