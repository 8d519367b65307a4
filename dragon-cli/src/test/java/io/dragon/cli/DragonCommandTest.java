package io.dragon.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.dragon.backend.launcher.Transport;
import io.dragon.core.infrastructure.InheritedProperties;
import io.dragon.core.infrastructure.Settings;
import io.dragon.core.infrastructure.Settings.Property;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * dragon's command line up to the point where it starts a runtime: every test here is refused before, with exit
 * code 2 (or 0 for --help and --version) and one line that says why.
 */
class DragonCommandTest {
    private static final String TRY_HELP = "Try 'dragon --help' for more information.";

    @TempDir
    Path dir;

    private final StringWriter err = new StringWriter();
    private final StringWriter out = new StringWriter();

    @Test
    void shouldAskForAProgram() {
        assertThat(run()).isEqualTo(DragonCommand.EXIT_USAGE);
        assertThat(err.toString()).isEqualTo(lines("dragon: Missing required parameter: 'PROGRAM'", TRY_HELP));
    }

    @Test
    void shouldRefuseAnUnknownOptionAndAMissingOrBadValue() {
        assertThat(run("--bogus", "prog")).isEqualTo(DragonCommand.EXIT_USAGE);
        assertThat(run("-N")).isEqualTo(DragonCommand.EXIT_USAGE);
        assertThat(run("-N", "two", "prog")).isEqualTo(DragonCommand.EXIT_USAGE);
        assertThat(run("--fanout", "x", "prog")).isEqualTo(DragonCommand.EXIT_USAGE);

        assertThat(err.toString().lines().filter(line -> line.startsWith("dragon: "))).containsExactly(
            "dragon: Unknown option: '--bogus'",
            "dragon: Missing required parameter for option '--nodes' (N)",
            "dragon: Invalid value for option '--nodes': 'two' is not an int",
            "dragon: Invalid value for option '--fanout': 'x' is not an int");
    }

    @Test
    void shouldRefuseSizesThatAreNotSizes() {
        for (String size : List.of("0", "-1G", "1X", "G", "99999999999T")) {
            assertThat(run("--pool-size", size, "prog")).as(size).isEqualTo(DragonCommand.EXIT_USAGE);
            assertThat(err.toString()).contains("'" + size + "' is not a size (examples: 1G, 512M, 65536)");
        }
    }

    @Test
    void shouldRefusePoolsTooSmallForAnyBlockBeforeBringup() {
        assertThat(run("--wlm", "single", "--pool-size", "1k", "prog")).isEqualTo(DragonCommand.EXIT_USAGE);
        assertThat(run("--wlm", "single", "--infra-pool-size", "4736", "prog")).isEqualTo(DragonCommand.EXIT_USAGE);

        assertThat(err.toString()).isEqualTo(lines(
            "dragon: --pool-size 1024 bytes: a pool needs at least 4737 bytes to hold any block; give 5K or more",
            TRY_HELP, "dragon: --infra-pool-size 4736 bytes: a pool needs at least 4737 bytes to hold any block; give"
                + " 5K or more", TRY_HELP));
    }

    @Test
    void shouldReadSizesWithBinaryUnits() {
        ByteSizeConverter sizes = new ByteSizeConverter();

        assertThat(sizes.convert("65536")).isEqualTo(65536L);
        assertThat(sizes.convert("4k")).isEqualTo(4096L);
        assertThat(sizes.convert("512M")).isEqualTo(512L << 20);
        assertThat(sizes.convert(" 2GiB ")).isEqualTo(2L << 30);
        assertThat(sizes.convert("1TB")).isEqualTo(1L << 40);
    }

    @Test
    void shouldReadDurationsWithUnitsOrInMilliseconds() {
        DurationConverter durations = new DurationConverter();

        assertThat(durations.convert("90s")).isEqualTo(90_000L);
        assertThat(durations.convert("2m")).isEqualTo(120_000L);
        assertThat(durations.convert("1H")).isEqualTo(3_600_000L);
        assertThat(durations.convert("1500ms")).isEqualTo(1500L);
        assertThat(durations.convert(" 1500 ")).isEqualTo(1500L);
        assertThat(durations.convert("5 s")).isEqualTo(5000L);
    }

    @Test
    void shouldRefuseDurationsThatAreNotDurations() {
        for (String option : List.of("--bringup-timeout", "--heartbeat-timeout")) {
            for (String duration : List.of("0", "0s", "-1s", "1.5s", "1x", "s", "ten", "9999999999999h")) {
                assertThat(run(option, duration, "prog")).as(option + " " + duration)
                    .isEqualTo(DragonCommand.EXIT_USAGE);
                assertThat(err.toString()).contains("Invalid value for option '" + option + "': '" + duration
                    + "' is not a duration (examples: 90s, 2m, 1500ms)");
            }
        }
    }

    /** Without the options (nor their variables) the properties keep their own values: DRAGON_JAVA_OPTS's. */
    @Test
    void shouldHandTheTimeoutsToEveryJvmOfTheRuntimeAsItsSettings() {
        assumeTrue(System.getenv(Settings.Variable.DRAGON_BRINGUP_TIMEOUT.name()) == null
            && System.getenv(Settings.Variable.DRAGON_HEARTBEAT_TIMEOUT.name()) == null, "set in this environment");
        assertThat(parse("prog").settings()).isEmpty();
        assertThat(parse("--bringup-timeout", "2m", "--heartbeat-timeout", "1500ms", "prog").settings())
            .containsExactly(Map.entry(Property.BRINGUP_TIMEOUT_MS, 120_000L),
                Map.entry(Property.HEARTBEAT_TIMEOUT_MS, 1500L));
        try {
            // refused after the settings are set, before a runtime starts
            assertThat(run("--bringup-timeout", "2m", "--heartbeat-timeout", "1500ms", "--wlm", "single", "-N", "2",
                "prog")).isEqualTo(DragonCommand.EXIT_USAGE);

            assertThat(Settings.bringupTimeoutMs()).isEqualTo(120_000L);
            assertThat(Settings.heartbeatTimeoutMs()).isEqualTo(1500L);
            assertThat(InheritedProperties.options()).contains("-Ddragon.bringup.timeout.ms=120000",
                "-Ddragon.heartbeat.timeout.ms=1500");
        } finally {
            System.clearProperty(Property.BRINGUP_TIMEOUT_MS.key());
            System.clearProperty(Property.HEARTBEAT_TIMEOUT_MS.key());
        }
    }

    @Test
    void shouldRefuseAnUnknownLogLevelWorkloadManagerOrTransport() {
        assertThat(run("-l", "LOUD", "prog")).isEqualTo(DragonCommand.EXIT_USAGE);
        assertThat(run("--wlm", "pbs", "prog")).isEqualTo(DragonCommand.EXIT_USAGE);
        assertThat(run("--transport", "carrier-pigeon", "prog")).isEqualTo(DragonCommand.EXIT_USAGE);

        assertThat(err.toString()).isEqualTo(lines(
            "dragon: Invalid value for option '--log-level': expected one of [ERROR, WARN, INFO, DEBUG, TRACE]"
                + " (case-insensitive) but was 'LOUD'", TRY_HELP,
            "dragon: Invalid value for option '--wlm': expected one of [SINGLE, SLURM] (case-insensitive) but was"
                + " 'pbs'", TRY_HELP,
            "dragon: Invalid value for option '--transport': expected one of [TCP, OFI, AUTO] (case-insensitive)"
                + " but was 'carrier-pigeon'", TRY_HELP));
    }

    @Test
    void shouldTakeTheNamesOfLevelsWorkloadManagersAndTransportsInAnyCase() {
        DragonCommand lower = parse("-l", "debug", "--wlm", "slurm", "--transport", "ofi", "prog");
        DragonCommand upper = parse("--log-level", "WARN", "--wlm", "SINGLE", "--transport", "TCP", "prog");

        assertThat(List.of(lower.logLevel, lower.wlm, lower.transport)).containsExactly(DragonCommand.LogLevel.DEBUG,
            DragonCommand.Wlm.SLURM, Transport.OFI);
        assertThat(List.of(upper.logLevel, upper.wlm, upper.transport)).containsExactly(DragonCommand.LogLevel.WARN,
            DragonCommand.Wlm.SINGLE, Transport.TCP);
    }

    @Test
    void shouldOfferTheNamesOfLevelsWorkloadManagersAndTransportsForCompletion() {
        CommandLine.Model.CommandSpec spec = DragonCommand.commandLine().getCommandSpec();

        assertThat(spec.findOption("--wlm").completionCandidates()).containsExactly("SINGLE", "SLURM");
        assertThat(spec.findOption("-l").completionCandidates()).containsExactly("ERROR", "WARN", "INFO", "DEBUG",
            "TRACE");
        assertThat(spec.findOption("--transport").completionCandidates()).containsExactly("TCP", "OFI", "AUTO");
        assertThat(DragonCommand.commandLine().getUsageMessage().replaceAll("\\s+", " "))
            .contains("Level of the runtime's logs: ERROR, WARN, INFO, DEBUG, TRACE (default INFO).");
    }

    @Test
    void shouldRunOnExactlyOneNodeInSingleNodeMode() {
        assertThat(run("--wlm", "single", "-N", "2", "prog")).isEqualTo(DragonCommand.EXIT_USAGE);
        assertThat(err.toString()).startsWith("dragon: -N 2: single-node mode runs on exactly 1 node\n");
    }

    @Test
    void shouldRefuseSlurmModeOutsideASlurmJob() {
        assumeTrue(System.getenv("SLURM_JOB_ID") == null, "runs inside a Slurm job");

        assertThat(run("--wlm", "SLURM", "prog")).isEqualTo(DragonCommand.EXIT_USAGE);
        assertThat(err.toString()).startsWith("dragon: --wlm slurm: not inside a Slurm allocation;");
    }

    @Test
    void shouldRefuseTlsOverAFabric() {
        assertThat(run("--wlm", "single", "--tls", "--transport", "ofi", "prog")).isEqualTo(DragonCommand.EXIT_USAGE);

        assertThat(err.toString()).startsWith("dragon: --tls with --transport ofi: fabric links are not encrypted;"
            + " use --transport tcp (or auto, which --tls makes tcp)\n");
    }

    @Test
    void shouldRefuseATreeThatCannotFanOut() {
        assertThat(run("--wlm", "single", "--fanout", "1", "prog")).isEqualTo(DragonCommand.EXIT_USAGE);
        assertThat(err.toString()).startsWith("dragon: --fanout 1: the tree needs a fan-out of at least 2\n");
    }

    @Test
    void shouldRefuseABadSerialFilter() {
        assertThat(run("--wlm", "single", "--serial-filter", "maxdepth=x", "prog"))
            .isEqualTo(DragonCommand.EXIT_USAGE);
        assertThat(err.toString()).startsWith("dragon: --serial-filter: ");
    }

    @Test
    void shouldRefuseJvmOptionsThatAreNotOneOptionOrNotForAJavaProgram() {
        assertThat(run("--wlm", "single", "--jvm-opt", "-Xmx1g -Xms1g", "-cp", ".", "Main"))
            .isEqualTo(DragonCommand.EXIT_USAGE);
        assertThat(run("--wlm", "single", "--jvm-opt=Xmx1g", "-cp", ".", "Main")).isEqualTo(DragonCommand.EXIT_USAGE);
        assertThat(run("--wlm", "single", "--jvm-opt=-Xmx1g", "true")).isEqualTo(DragonCommand.EXIT_USAGE);
        assertThat(err.toString().lines().filter(line -> line.startsWith("dragon: ")).toList()).containsExactly(
            "dragon: --jvm-opt -Xmx1g -Xms1g: give one JVM option, starting with - and without spaces, per --jvm-opt"
                + " (for example --jvm-opt=-Xmx8g)",
            "dragon: --jvm-opt Xmx1g: give one JVM option, starting with - and without spaces, per --jvm-opt"
                + " (for example --jvm-opt=-Xmx8g)",
            "dragon: --jvm-opt is for a Java program (a .jar, or a main class with -cp), not for true");
    }

    @Test
    void shouldRefuseAJarThatIsNotThereOrNamesNoMainClass() throws IOException {
        Path missing = dir.resolve("missing.jar");
        Path noMain = dir.resolve("no-main.jar");
        try (OutputStream file = Files.newOutputStream(noMain); JarOutputStream jar = new JarOutputStream(file,
            new Manifest())) {
            jar.flush();
        }
        Path notAJar = Files.writeString(dir.resolve("text.jar"), "not a zip");

        assertThat(run("--wlm", "single", missing.toString())).isEqualTo(DragonCommand.EXIT_USAGE);
        assertThat(run("--wlm", "single", noMain.toString(), "arg")).isEqualTo(DragonCommand.EXIT_USAGE);
        assertThat(run("--wlm", "single", notAJar.toString())).isEqualTo(DragonCommand.EXIT_USAGE);

        List<String> messages = err.toString().lines().filter(line -> line.startsWith("dragon: ")).toList();
        assertThat(messages).hasSize(3);
        assertThat(messages.get(0)).isEqualTo("dragon: no such jar file: " + missing);
        assertThat(messages.get(1)).isEqualTo("dragon: " + noMain + " names no Main-Class in its manifest; run it"
            + " as: dragon -cp " + noMain + " MAIN_CLASS [ARGS...]");
        assertThat(messages.get(2)).startsWith("dragon: " + notAJar + " is not a valid jar file: ");
    }

    @Test
    void shouldRefuseAProgramThatIsNeitherAJarNorOnPath() {
        assertThat(run("--wlm", "single", "no-such-program-dragon-test")).isEqualTo(DragonCommand.EXIT_USAGE);
        assertThat(err.toString()).startsWith("dragon: command not found: no-such-program-dragon-test");
    }

    @Test
    void shouldGiveEverythingAfterTheProgramToIt() {
        DragonCommand command = parse("-l", "debug", "./simulate", "--fanout", "1", "-N", "3", "--", "x");

        assertThat(command.program).isEqualTo("./simulate");
        assertThat(command.args).containsExactly("--fanout", "1", "-N", "3", "--", "x");
        assertThat(command.logLevel).isEqualTo(DragonCommand.LogLevel.DEBUG);
        assertThat(command.fanout).isEqualTo(Integer.parseInt(Settings.TREE_FANOUT_DEFAULT));
        assertThat(command.nodes).isNull();
    }

    @Test
    void shouldTakeQuietShortAndLongButNotAfterTheProgram() {
        assertThat(parse("-q", "prog").quiet).isTrue();
        assertThat(parse("--quiet", "prog").quiet).isTrue();
        DragonCommand command = parse("prog", "-q");
        assertThat(command.quiet).isFalse();
        assertThat(command.args).containsExactly("-q");
    }

    @Test
    void shouldDefaultToTheDocumentedValues() {
        DragonCommand command = parse("prog");

        assertThat(command.wlm).isNull();
        assertThat(command.nodes).isNull();
        assertThat(command.classpath).isNull();
        assertThat(command.logLevel).isEqualTo(DragonCommand.LogLevel.INFO);
        assertThat(command.logDir).isNull();
        assertThat(command.labelOutput).isFalse();
        assertThat(command.quiet).isFalse();
        assertThat(command.tls).isFalse();
        assertThat(command.poolSize).isNull();
        assertThat(command.infraPoolSize).isNull();
        assertThat(command.serialFilter).isEmpty();
        assertThat(command.args).isEmpty();
        assertThat(command.transport).isEqualTo(Transport.parse(System.getenv().getOrDefault("DRAGON_TRANSPORT",
            Settings.TRANSPORT_DEFAULT)));
    }

    @Test
    void shouldCollectRepeatedSerialFiltersAndSizes() {
        DragonCommand command = parse("--serial-filter", "com.example.*", "--serial-filter", "maxdepth=20",
            "--pool-size", "2G", "--infra-pool-size", "64M", "-cp", "app.jar", "com.example.Main");

        assertThat(command.serialFilter).containsExactly("com.example.*", "maxdepth=20");
        assertThat(command.poolSize).isEqualTo(2L << 30);
        assertThat(command.infraPoolSize).isEqualTo(64L << 20);
        assertThat(command.classpath).isEqualTo("app.jar");
        assertThat(command.program).isEqualTo("com.example.Main");
    }

    @Test
    void shouldPrintHelpAndVersion() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).startsWith("Usage: dragon ").contains("--network-prefix=PREFIX");
        assertThat(run("--version")).isZero();
        assertThat(out.toString()).containsPattern("dragon \\S+ \\(Java ");
        assertThat(err.toString()).isEmpty();
    }

    private int run(String... argv) {
        CommandLine commandLine = DragonCommand.commandLine();
        commandLine.setErr(new PrintWriter(err, true));
        commandLine.setOut(new PrintWriter(out, true));
        return commandLine.execute(argv);
    }

    private static DragonCommand parse(String... argv) {
        CommandLine commandLine = DragonCommand.commandLine();
        commandLine.parseArgs(argv);
        return commandLine.getCommand();
    }

    private static String lines(String... lines) {
        return String.join(System.lineSeparator(), lines) + System.lineSeparator();
    }
}
