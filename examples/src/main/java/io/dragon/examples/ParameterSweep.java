package io.dragon.examples;

import io.dragon.Machine;
import io.dragon.ProcessGroup;
import io.dragon.ProcessGroup.Member;
import io.dragon.ProcessTemplate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A parameter sweep: one process per point of a grid runs an executable with the point's parameters as arguments,
 * and writes its result to a file of its own; a {@link ProcessGroup} runs them all, anywhere in the runtime, and
 * starts a failed one again ({@code restartFailed}); the head then prints a table of the results. Run it with
 * {@code dragon examples/target/examples-sweep.jar [results-directory]}; on several nodes the directory must be on
 * a file system they share (the default, {@code sweep-results}, is in the working directory).
 */
public final class ParameterSweep {
    /**
     * The program to sweep, a stand-in for a real simulation: it computes a result from its arguments (alpha,
     * beta) and writes it to a file (its third argument) through a temporary file, so that a half-written result is
     * never read. Like real codes on busy nodes it sometimes fails: here the first try at alpha 2, beta 20. To sweep
     * your own program, exec it in {@link Point#template}.
     */
    private static final String SIMULATION = """
        alpha=$1 beta=$2 out=$3
        if [ "$alpha.$beta" = 2.20 ] && [ ! -e "$out.tried" ]; then : > "$out.tried"; exit 75; fi
        rm -f "$out.tried"
        echo $((alpha * alpha * beta)) > "$out.tmp" && mv "$out.tmp" "$out"
        """;
    private static final int[] ALPHAS = {1, 2, 3};
    private static final int[] BETAS = {10, 20, 30};
    /** How often a failed point is run again before the sweep gives up on it. */
    private static final int RESTARTS = 2;

    private ParameterSweep() {
    }

    /** One point of the grid, and where its result goes. */
    private record Point(int alpha, int beta) {
        Path result(Path directory) {
            return directory.resolve("alpha" + alpha + "-beta" + beta + ".out");
        }

        ProcessTemplate template(Path directory) {
            return ProcessTemplate.exec("/bin/sh", "-c", SIMULATION, "simulation", Integer.toString(alpha),
                Integer.toString(beta), result(directory).toString());
        }
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        Path directory = Files.createDirectories(Path.of(args.length > 0 ? args[0] : "sweep-results"))
            .toAbsolutePath();
        List<Point> points = new ArrayList<>();
        for (int alpha : ALPHAS) {
            for (int beta : BETAS) {
                points.add(new Point(alpha, beta));
            }
        }
        boolean allSucceeded;
        // try-with-resources: if the head fails, no point outlives it
        try (ProcessGroup sweep = new ProcessGroup().restartFailed(RESTARTS)) {
            points.forEach(point -> sweep.add(point.template(directory), 1));
            allSucceeded = sweep.start().join();
            printTable(points, sweep.members(), directory);
        }
        System.out.println(points.size() + " points, results in " + directory
            + (allSucceeded ? "" : "; some points failed"));
        System.exit(allSucceeded ? 0 : 1);
    }

    /** Members are in the order they were added: one per point. */
    private static void printTable(List<Point> points, List<Member> members, Path directory) throws IOException {
        System.out.printf("%5s %5s %8s %8s  %s%n", "alpha", "beta", "result", "restarts", "node");
        for (int i = 0; i < points.size(); i++) {
            Point point = points.get(i);
            Member member = members.get(i);
            String result = member.exitCode() == 0 ? Files.readString(point.result(directory)).trim()
                : "exit " + member.exitCode();
            // Process.hostname() is empty (the runtime does not fill it in yet): the node's index names it
            System.out.printf("%5d %5d %8s %8d  %s%n", point.alpha(), point.beta(), result, member.restarts(),
                Machine.current().node(member.process().node()).hostname());
        }
    }
}
