package io.dragon.cli;

import io.dragon.backend.cleanup.NodeCleanup;
import io.dragon.backend.cleanup.NodeCleanup.Leftovers;
import io.dragon.backend.cleanup.NodeCleanup.Removal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code dragon-cleanup}: removes what dead runtimes of this user left on this node; never touches a live runtime,
 * nor anything of another user.
 */
@Command(name = "dragon-cleanup", mixinStandardHelpOptions = true, versionProvider = DragonCommand.Version.class,
    description = {"Kills the processes and removes the /dev/shm segments of your Dragon runtimes on this node whose",
        "Local Services is no longer running. Live runtimes, and whatever belongs to other users, are left alone.",
        "Exit code 1 if something could not be removed (each such thing is named on stderr)."})
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
        int othersSegments = 0;
        List<String> failures = new ArrayList<>();
        for (Leftovers runtime : runtimes) {
            if (runtime.isEmpty()) {
                othersSegments += runtime.othersSegments().size();
            } else if (runtime.alive()) {
                System.out.println("runtime " + runtime.runtimeId() + " is running (" + runtime.pids().size()
                    + " processes, " + runtime.segments().size() + " segments): left alone");
            } else if (dryRun) {
                System.out.println("would clean runtime " + runtime.runtimeId() + ": processes " + runtime.pids()
                    + ", segments " + runtime.segments());
            } else {
                Removal removal = NodeCleanup.remove(runtime);
                removal.done().forEach(System.out::println);
                removal.leftAlone().forEach(System.out::println);
                failures.addAll(removal.failures());
                cleaned++;
            }
        }
        if (othersSegments > 0) {
            System.out.println("left alone " + othersSegments + " segment(s) of other users' runtimes");
        }
        if (runtimes.stream().noneMatch(r -> !r.isEmpty() && !r.alive())) {
            System.out.println("nothing to clean");
        } else if (!dryRun) {
            System.out.println("cleaned " + cleaned + " runtime(s)" + (failures.isEmpty() ? ""
                : ", " + failures.size() + " thing(s) could not be removed"));
        }
        failures.forEach(failure -> System.err.println("dragon-cleanup: " + failure));
        return failures.isEmpty() ? 0 : 1;
    }
}
