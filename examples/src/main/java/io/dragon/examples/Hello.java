package io.dragon.examples;

import io.dragon.core.client.GlobalServicesClient;
import io.dragon.core.infrastructure.HostId;
import io.dragon.core.messages.Messages.ProcessInfo;
import io.dragon.core.messages.Messages.ProcessSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The head process asks Global Services for a few worker processes; each prints a greeting; the head waits for
 * them all. Run it with {@code dragon examples/target/examples-hello.jar [workers]}.
 */
public final class Hello {
    private Hello() {
    }

    public static void main(String[] args) {
        if (args.length == 2 && args[0].equals("--worker")) {
            System.out.println("hello from worker " + args[1] + " (pid " + ProcessHandle.current().pid() + " on "
                + HostId.hostname() + ")");
            return;
        }
        int workers = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        GlobalServicesClient gs = GlobalServicesClient.get();
        System.out.println("head process " + gs.launchParameters().puid() + " starts " + workers + " workers");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<ProcessInfo> started = new ArrayList<>();
        for (int i = 0; i < workers; i++) {
            started.add(gs.createProcess(new ProcessSpec(java, List.of("-cp", System.getProperty("java.class.path"),
                Hello.class.getName(), "--worker", Integer.toString(i)), Map.of(), null, "worker-" + i, false,
                -1)));
        }
        int failed = 0;
        for (ProcessInfo worker : started) {
            ProcessInfo done = gs.join(worker.puid(), -1);
            failed += done.exitCode() == 0 ? 0 : 1;
        }
        System.out.println("all " + workers + " workers done" + (failed == 0 ? "" : ", " + failed + " failed"));
        System.exit(failed == 0 ? 0 : 1);
    }
}
