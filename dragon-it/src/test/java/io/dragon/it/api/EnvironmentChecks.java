package io.dragon.it.api;

import io.dragon.Machine;
import io.dragon.Policy;
import io.dragon.Process;
import io.dragon.ProcessTemplate;
import io.dragon.core.infrastructure.HostId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The job's secret and TLS key never reach a user's process (run by UserApiIT on one node and by SlurmClusterIT on
 * three, with --tls): in the head and in a process on every node, neither {@code System.getenv()} nor
 * {@code /proc/self/environ} has one of their variables, nor the value of any of them. The values are read from
 * the nearest ancestor that has them (the node's runtime JVM, whose Local Services starts the process; on one node
 * the launcher's, to which the test gives them), as the job's owner may; every process in between must have none
 * of them. Each process prints
 * where it found them: {@code kept out of pid P on HOST: VARIABLES of pid A (MAIN CLASS)}.
 */
public final class EnvironmentChecks extends Checks {
    /** Their names, as io.dragon.backend.net.LinkSecurity has them (not on a user program's classpath). */
    private static final Pattern VARIABLE = Pattern.compile("DRAGON_TREE_SECRET|DRAGON_TLS_.*");
    private static final String SECRET = "DRAGON_TREE_SECRET";

    public static void main(String[] args) {
        new EnvironmentChecks().run();
    }

    private void run() {
        check("the head has neither the secret nor the key", EnvironmentChecks::keptOut);
        int nodes = Machine.current().nodes().size();
        check("a process on each of the " + nodes + " nodes has neither", () -> {
            List<Process> processes = new ArrayList<>();
            for (int node = 0; node < nodes; node++) {
                processes.add(Process.start(ProcessTemplate.of(() -> {
                    try {
                        keptOut();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }).withPolicy(Policy.node(node))));
            }
            for (Process process : processes) {
                expectEquals(0, process.join(), "exit code of " + process + " (its error is above)");
            }
        });
        finish();
    }

    private static void keptOut() throws IOException {
        long self = ProcessHandle.current().pid();
        expectEquals(Set.of(), ours(System.getenv()).keySet(), "the secret's and key's variables in System.getenv()");
        expectEquals(Set.of(), ours(environment(self)).keySet(),
            "the secret's and key's variables in /proc/self/environ");
        ProcessHandle ancestor = ProcessHandle.current();
        Map<String, String> theirs;
        do {
            ancestor = ancestor.parent().orElseThrow(() -> new AssertionError("no ancestor of pid " + self
                + " has " + SECRET));
            theirs = ours(environment(ancestor.pid()));
            expect(theirs.isEmpty() || theirs.containsKey(SECRET), "pid " + ancestor.pid() + " ("
                + mainClass(ancestor.pid()) + ") to have none of " + theirs.keySet() + " without " + SECRET);
        } while (theirs.isEmpty());
        String own = Files.readString(Path.of("/proc/self/environ"), StandardCharsets.ISO_8859_1);
        for (Map.Entry<String, String> variable : theirs.entrySet()) {
            expect(!own.contains(variable.getValue()) && System.getenv().values().stream()
                .noneMatch(value -> value.contains(variable.getValue())), "the value of " + variable.getKey()
                + " nowhere in the environment");
        }
        System.out.println("kept out of pid " + self + " on " + HostId.hostname() + ": "
            + String.join(" ", theirs.keySet()) + " of pid " + ancestor.pid() + " (" + mainClass(ancestor.pid())
            + ")");
    }

    /** The secret's and key's variables of {@code environment}, in order of their names. */
    private static Map<String, String> ours(Map<String, String> environment) {
        Map<String, String> variables = new TreeMap<>(environment);
        variables.keySet().removeIf(name -> !VARIABLE.matcher(name).matches());
        return variables;
    }

    /** A process's environment as it started, which the same user may read. */
    private static Map<String, String> environment(long pid) throws IOException {
        Map<String, String> variables = new HashMap<>();
        for (String entry : proc(pid, "environ")) {
            String[] nameAndValue = entry.split("=", 2);
            variables.put(nameAndValue[0], nameAndValue.length < 2 ? "" : nameAndValue[1]);
        }
        return variables;
    }

    /** The first argument naming a class of the runtime (the launcher's or a backend's main class), or argv[0]. */
    private static String mainClass(long pid) throws IOException {
        List<String> argv = proc(pid, "cmdline");
        return argv.stream().filter(arg -> arg.startsWith("io.dragon.")).findFirst().orElse(argv.get(0));
    }

    private static List<String> proc(long pid, String file) throws IOException {
        String text = Files.readString(Path.of("/proc", Long.toString(pid), file), StandardCharsets.ISO_8859_1);
        return Arrays.stream(text.split("\0")).filter(entry -> !entry.isEmpty()).toList();
    }
}
