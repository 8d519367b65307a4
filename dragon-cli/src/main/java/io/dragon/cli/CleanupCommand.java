package io.dragon.cli;

import io.dragon.backend.cleanup.NodeCleanup;
import io.dragon.backend.cleanup.NodeCleanup.Leftovers;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code dragon-cleanup}: removes what dead runtimes left on this node; never touches a live runtime. */
@Command(name = "dragon-cleanup", mixinStandardHelpOptions = true, versionProvider = DragonCommand.Version.class,
    description = {"Kills the processes and removes the /dev/shm segments of Dragon runtimes on this node whose",
        "Local Services is no longer running. Live runtimes are listed and left alone."})
public final class CleanupCommand implements Callable<Integer> {
    @Option(names = {"-n", "--dry-run"}, description = "Only list what would be removed.")
    boolean dryRun;

    public static void main(String[] argv) {
        System.exit(DragonCommand.withShortUsageErrors(new CommandLine(new CleanupCommand())).execute(argv));
    }

    @Override
    public Integer call() {
        List<Leftovers> runtimes = NodeCleanup.scan();
        int cleaned = 0;
        for (Leftovers runtime : runtimes) {
            if (runtime.alive()) {
                System.out.println("runtime " + runtime.runtimeId() + " is running (" + runtime.pids().size()
                    + " processes, " + runtime.segments().size() + " segments): left alone");
            } else if (dryRun) {
                System.out.println("would clean runtime " + runtime.runtimeId() + ": processes " + runtime.pids()
                    + ", segments " + runtime.segments());
            } else {
                NodeCleanup.remove(runtime, System.out::println);
                cleaned++;
            }
        }
        if (runtimes.stream().noneMatch(r -> !r.alive())) {
            System.out.println("nothing to clean");
        } else if (!dryRun) {
            System.out.println("cleaned " + cleaned + " runtime(s)");
        }
        return 0;
    }
}
