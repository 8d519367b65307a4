package io.dragon.cli;

import io.dragon.backend.LogDirectory;
import io.dragon.backend.ServiceLogging;
import io.dragon.backend.launcher.LaunchOptions;
import io.dragon.backend.launcher.Launcher;
import io.dragon.backend.launcher.SlurmRuntime;
import io.dragon.backend.launcher.Transport;
import io.dragon.backend.net.NetworkPrefix;
import io.dragon.backend.wlm.SlurmAllocation;
import io.dragon.core.infrastructure.Facts;
import io.dragon.core.infrastructure.LaunchParameters;
import io.dragon.core.infrastructure.RuntimeIds;
import io.dragon.core.infrastructure.Settings;
import io.dragon.core.infrastructure.Settings.Property;
import io.dragon.core.memory.MemoryPool;
import io.dragon.core.messages.Messages.ProcessSpec;
import io.dragon.core.serialization.SerialFilter;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code dragon [options] PROGRAM [ARGS...]}: runs a program under the Dragon runtime. */
@Command(name = "dragon", mixinStandardHelpOptions = true, versionProvider = DragonCommand.Version.class,
    sortOptions = false, usageHelpAutoWidth = true,
    description = {"Runs PROGRAM under the Dragon runtime: a .jar file, a main class with -cp, or any executable.",
        "The exit code is the program's; 125 means the runtime failed, 126 that the program could not start,",
        "2 a bad command line."},
    footer = {"", "Examples:", "  dragon my.jar arg1 arg2", "  dragon -cp app.jar:lib/* com.example.Main",
        "  dragon --label-output ./simulate --steps 10"})
public final class DragonCommand implements Callable<Integer> {
    static final int EXIT_USAGE = CommandLine.ExitCode.USAGE;

    @Spec
    CommandSpec spec;

    /** Workload managers, as {@code --wlm} takes them (in any case). */
    enum Wlm {
        SINGLE, SLURM
    }

    /** Levels of the runtime's logs, as {@code -l} takes them (in any case). */
    enum LogLevel {
        ERROR, WARN, INFO, DEBUG, TRACE
    }

    @Option(names = "--wlm", paramLabel = "WLM", description = "Workload manager: single (this node only) or slurm."
        + " Default: slurm inside a Slurm allocation, otherwise single.")
    Wlm wlm;

    @Option(names = {"-N", "--nodes"}, paramLabel = "N", description = "Number of nodes to use. Default: all of the"
        + " allocation (1 in single-node mode).")
    Integer nodes;

    @Option(names = {"-cp", "--classpath"}, paramLabel = "CLASSPATH",
        description = "Run PROGRAM as a main class on this classpath.")
    String classpath;

    @Option(names = "--jvm-opt", paramLabel = "OPTION", description = "A JVM option of a Java PROGRAM's head"
        + " process (repeatable: --jvm-opt=-Xmx8g --jvm-opt=-Dkey=value); the Java processes it starts get the same"
        + " unless their template names its own.")
    List<String> jvmOptions = new ArrayList<>();

    @Option(names = {"-l", "--log-level"}, paramLabel = "LEVEL", defaultValue = "INFO",
        description = "Level of the runtime's logs: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
    LogLevel logLevel;

    @Option(names = "--log-dir", paramLabel = "DIR", description = "Directory for the runtime's log files, yours"
        + " alone (made 0700 if missing); multi-node, where every node's logs are gathered at the end (the nodes"
        + " log to ${java.io.tmpdir}/dragon-${user.name} on their own disks). Default: a new directory under"
        + " $SLURM_SUBMIT_DIR/dragon-logs multi-node, under ${java.io.tmpdir}/dragon-${user.name} on one node.")
    Path logDir;

    @Option(names = "--label-output", description = "Prefix each output line with its hostname and p_uid.")
    boolean labelOutput;

    @Option(names = {"-q", "--quiet"}, description = "Say nothing on stderr but problems: no summary lines, no"
        + " progress of a slow bringup.")
    boolean quiet;

    @Option(names = "--trace", paramLabel = "FILE", description = "Write the run's timeline to FILE, in Chrome's"
        + " Trace Event Format (open it in https://ui.perfetto.dev): bringup and teardown of every node, every"
        + " managed process from start to exit, channel and pool creations.")
    Path trace;

    @Option(names = "--network-prefix", paramLabel = "PREFIX", description = "Multi-node: the nodes talk over the"
        + " interface whose IPv4 address starts with PREFIX (for example 10.1.). Default:"
        + " $DRAGON_NETWORK_PREFIX, else the first address that is not loopback.")
    String networkPrefix;

    @Option(names = "--fanout", paramLabel = "K", defaultValue = Settings.TREE_FANOUT_DEFAULT,
        description = "Multi-node: fan-out of the tree that links the launcher to the nodes (default"
            + " ${DEFAULT-VALUE}).")
    int fanout;

    @Option(names = "--tls", description = "Multi-node: mutual TLS, with a certificate made for this run, on every"
        + " link between the nodes (they always need the run's secret).")
    boolean tls;

    @Option(names = "--transport", paramLabel = "KIND",
        defaultValue = "${env:DRAGON_TRANSPORT:-" + Settings.TRANSPORT_DEFAULT + "}",
        description = "Multi-node: how the nodes' transport agents reach each other: tcp, ofi (libfabric:"
            + " InfiniBand, Slingshot, EFA ..., or its tcp provider), or auto: ofi where every node has a fabric"
            + " other than the IP stack's, else tcp. Default: $DRAGON_TRANSPORT, else auto (--tls makes it tcp).")
    Transport transport;

    @Option(names = "--provider", paramLabel = "NAME", defaultValue = "${env:FI_PROVIDER:-}", description =
        "Multi-node, with libfabric: the provider to use (for example verbs, cxi, efa, tcp). Default: $FI_PROVIDER,"
            + " else the first fabric that libfabric finds (with --transport ofi: else its tcp provider).")
    String provider;

    @Option(names = "--bringup-timeout", paramLabel = "TIME", converter = DurationConverter.class,
        defaultValue = "${env:DRAGON_BRINGUP_TIMEOUT}", description = "How long each step of bringup that waits for"
        + " every node (or service) may take before the runtime fails, naming who did not answer: 90s, 2m, or ms."
        + " Default: $DRAGON_BRINGUP_TIMEOUT, else " + Settings.BRINGUP_TIMEOUT_DEFAULT_MS + " ms.")
    Long bringupTimeout;

    @Option(names = "--heartbeat-timeout", paramLabel = "TIME", converter = DurationConverter.class,
        defaultValue = "${env:DRAGON_HEARTBEAT_TIMEOUT}", description = "Multi-node: how long a link between the"
        + " launcher and the nodes may stay silent before the node counts as lost (each end sends a heartbeat after"
        + " a fifth of it). Default: $DRAGON_HEARTBEAT_TIMEOUT, else " + Settings.HEARTBEAT_TIMEOUT_DEFAULT_MS
        + " ms.")
    Long heartbeatTimeout;

    @Option(names = "--pool-size", paramLabel = "SIZE", converter = ByteSizeConverter.class,
        description = "Size of each node's default memory pool (default 1G).")
    Long poolSize;

    @Option(names = "--infra-pool-size", paramLabel = "SIZE", converter = ByteSizeConverter.class,
        description = "Size of each node's infrastructure pool (default 64M).")
    Long infraPoolSize;

    @Option(names = "--serial-filter", paramLabel = "PATTERN", description = "What Java deserialization also"
        + " accepts, in jdk.serialFilter's syntax: classes (com.example.Point), packages (com.example.*,"
        + " com.example.**), ! to refuse, or a limit (maxdepth=, maxrefs=, maxarray=, maxbytes=). Repeatable. By"
        + " default the program's own classes and the common JDK ones are accepted; see the README.")
    List<String> serialFilter = new ArrayList<>();

    @Parameters(index = "0", paramLabel = "PROGRAM", description = "A .jar file, a main class (with -cp), or an"
        + " executable.")
    String program;

    @Parameters(index = "1..*", paramLabel = "ARGS", description = "Arguments of PROGRAM.")
    List<String> args = new ArrayList<>();

    public static void main(String[] argv) {
        System.exit(commandLine().execute(argv));
    }

    static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new DragonCommand());
        commandLine.setCaseInsensitiveEnumValuesAllowed(true); // -l debug, --wlm SLURM, --transport OFI
        commandLine.setStopAtPositional(true); // everything after PROGRAM belongs to it, options included
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("dragon: " + e.getMessage());
            return Launcher.EXIT_RUNTIME_FAILED;
        });
        return withShortUsageErrors(commandLine);
    }

    /** A bad command line gets one line saying what is wrong and where to look, not the whole help. */
    static CommandLine withShortUsageErrors(CommandLine commandLine) {
        String name = commandLine.getCommandName();
        return commandLine.setParameterExceptionHandler((e, argv) -> {
            e.getCommandLine().getErr().println(name + ": " + e.getMessage());
            e.getCommandLine().getErr().println("Try '" + name + " --help' for more information.");
            return EXIT_USAGE;
        });
    }

    /**
     * The nodes of the Slurm allocation to run on; throws {@link Refusal} inside an srun step (the runtime starts
     * its own, on every node: only the frontend, this command, runs in the allocation's shell or batch script) or if
     * -N asks for more nodes than the allocation has.
     */
    private SlurmRuntime.Nodes slurmNodes() throws Refusal {
        Optional<String> step = SlurmAllocation.srunStep(System.getenv());
        if (step.isPresent()) {
            throw new Refusal(usage("runs in srun step " + step.get() + ": run dragon in the allocation's shell"
                + " (salloc) or batch script (sbatch), not under srun; it starts its own step on the nodes (or use"
                + " --wlm single to run on this node only)"));
        }
        SlurmAllocation allocation;
        try {
            allocation = SlurmAllocation.fromEnvironment(System.getenv()).orElse(null);
        } catch (IllegalStateException e) {
            err().println("dragon: " + e.getMessage());
            throw new Refusal(Launcher.EXIT_RUNTIME_FAILED);
        }
        if (allocation == null) {
            throw new Refusal(usage("--wlm slurm: not inside a Slurm allocation; run it under salloc or in an sbatch"
                + " script"));
        }
        try {
            int allocated = allocation.hostnames().size();
            return new SlurmRuntime.Nodes(allocation.jobId(), allocation.first(nodes != null ? nodes : allocated),
                allocated, fanout, networkPrefix != null ? networkPrefix
                : System.getenv(NetworkPrefix.VARIABLE), tls, transport(), provider);
        } catch (IllegalArgumentException e) {
            throw new Refusal(usage(e.getMessage()));
        }
    }

    /** --transport, which --tls makes tcp when left to auto. */
    private Transport transport() {
        return tls && transport == Transport.AUTO ? Transport.TCP : transport;
    }

    /** The command cannot go on; the exit code says why. */
    private static final class Refusal extends Exception {
        private final int exitCode;

        Refusal(int exitCode) {
            super(null, null, false, false);
            this.exitCode = exitCode;
        }
    }

    /**
     * The runtime's settings that options give (else their environment variables), by property: each JVM of the
     * runtime reads them, this one first, and passes them on to the JVMs it starts (InheritedProperties).
     */
    Map<Property, Long> settings() {
        Map<Property, Long> settings = new EnumMap<>(Property.class);
        if (bringupTimeout != null) {
            settings.put(Property.BRINGUP_TIMEOUT_MS, bringupTimeout);
        }
        if (heartbeatTimeout != null) {
            settings.put(Property.HEARTBEAT_TIMEOUT_MS, heartbeatTimeout);
        }
        return settings;
    }

    @Override
    public Integer call() {
        // before any class of the runtime reads them
        settings().forEach((property, value) -> System.setProperty(property.key(), Long.toString(value)));
        String level = logLevel.name();
        Wlm mode = wlm != null ? wlm : System.getenv("SLURM_JOB_ID") != null ? Wlm.SLURM : Wlm.SINGLE;
        SlurmRuntime.Nodes slurm = null;
        if (mode == Wlm.SLURM) {
            try {
                slurm = slurmNodes();
            } catch (Refusal refusal) {
                return refusal.exitCode;
            }
        } else if (nodes != null && nodes != 1) {
            return usage("-N " + nodes + ": single-node mode runs on exactly 1 node");
        }
        if (transport == Transport.OFI && tls) {
            return usage("--tls with --transport ofi: fabric links are not encrypted; use --transport tcp (or"
                + " auto, which --tls makes tcp)");
        }
        if (fanout < 2) {
            return usage("--fanout " + fanout + ": the tree needs a fan-out of at least 2");
        }
        if (poolSize != null && poolSize < MemoryPool.MIN_SIZE) {
            return poolTooSmall("--pool-size", poolSize);
        }
        if (infraPoolSize != null && infraPoolSize < MemoryPool.MIN_SIZE) {
            return poolTooSmall("--infra-pool-size", infraPoolSize);
        }
        String filter = serialFilter.isEmpty() ? null : String.join(";", serialFilter);
        try {
            SerialFilter.of(SerialFilter.Scope.PROGRAM, filter);
        } catch (IllegalArgumentException e) {
            return usage("--serial-filter: " + e.getMessage());
        }
        ProcessSpec head;
        try {
            head = ProgramResolver.resolve(program, args, classpath, jvmOptions,
                warning -> err().println("dragon: warning: " + warning)); // even with -q: it is a problem
        } catch (ProgramResolver.BadProgramException e) {
            return usage(e.getMessage());
        }
        if (trace != null && !Files.isDirectory(trace.toAbsolutePath().getParent())) {
            return usage("--trace " + trace + ": no directory " + trace.toAbsolutePath().getParent() + " to write it"
                + " in");
        }
        String runtimeId = RuntimeIds.next();
        Path logs = logDir != null ? logDir.toAbsolutePath() : slurm != null
            ? LogDirectory.gatheredFor(runtimeId, System.getenv()) : LogDirectory.defaultFor(runtimeId);
        try {
            LogDirectory.prepare(logs);
        } catch (IOException e) {
            System.err.println("dragon: " + e.getMessage());
            return Launcher.EXIT_RUNTIME_FAILED;
        }
        LaunchParameters params = LaunchParameters.initial(runtimeId, 0, slurm == null ? 1 : slurm.hostnames().size(),
            infraPoolSize != null ? infraPoolSize : Facts.DEFAULT_INFRA_POOL_SIZE,
            poolSize != null ? poolSize : Facts.DEFAULT_POOL_SIZE, level, logs.toString(), filter);
        ServiceLogging.configureLauncher(logs, level);
        LaunchOptions options = new LaunchOptions(head, labelOutput, quiet, trace == null ? null
            : trace.toAbsolutePath());
        return (slurm != null ? Launcher.slurm(options, params, slurm) : Launcher.local(options, params)).run();
    }

    /** A pool size that Local Services would fail to make at bringup, refused before. */
    private int poolTooSmall(String option, long size) {
        return usage(option + " " + size + " bytes: a pool needs at least " + MemoryPool.MIN_SIZE + " bytes to hold"
            + " any block; give " + ((MemoryPool.MIN_SIZE + 1023) >> 10) + "K or more");
    }

    private int usage(String message) {
        err().println("dragon: " + message);
        err().println("Try 'dragon --help' for more information.");
        return EXIT_USAGE;
    }

    /** Where the command's messages go: stderr, unless a caller (a test) gave the command line another writer. */
    private PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** The version, from the build. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties properties = new Properties();
            try (InputStream in = DragonCommand.class.getResourceAsStream("/dragon-version.properties")) {
                if (in != null) {
                    properties.load(in);
                }
            }
            return new String[] {"dragon " + properties.getProperty("version", "unknown") + " (Java "
                + System.getProperty("java.version") + ")"};
        }
    }
}
