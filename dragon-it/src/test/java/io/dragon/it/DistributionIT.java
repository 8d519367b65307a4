package io.dragon.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution's tarball, unpacked as a site installs it into a path with a space: its bin/dragon runs
 * programs on its own lib/, also through a symbolic link; its man pages, completions and Lmod module file are there
 * and say what they should; and class-data-sharing archives made by bin/dragon-cds for another path or for other
 * jars never change what a program prints. (SlurmClusterIT runs it on the nodes of a Slurm job.)
 */
class DistributionIT {
    private static final String HELLO = "examples/target/examples-hello.jar";
    /** Where Debian's lmod package has its shell initialization. */
    private static final Path LMOD = Path.of("/usr/share/lmod/lmod/init/bash");

    private final DragonRuns runs = new DragonRuns();

    @AfterEach
    void nothingLeft() throws InterruptedException {
        runs.assertNothingLeft();
    }

    @Test
    void shouldRunAProgramFromTheUnpackedTarballAlsoThroughASymbolicLink(@TempDir Path dir) throws Exception {
        Path home = Distribution.unpack(dir);
        assertThat(home.resolve("cds")).as("no archives prebuilt for the build's paths").doesNotExist();
        Path link = Files.createDirectories(dir.resolve("my bin")).resolve("dragon");
        Files.createSymbolicLink(link, home.resolve("bin/dragon"));

        DragonCommandIT.assertHelloRan(runs.script(home.resolve("bin/dragon").toString(), HELLO, "3").run());
        DragonCommandIT.assertHelloRan(runs.script(link.toString(), HELLO, "3").run());
    }

    /**
     * bin/dragon-cds writes the archives into the installed tree. Moved elsewhere, or with its jars changed since,
     * the tree runs as before: the JVM checks an archive against the jars (sizes and times, and on JDK 17 paths)
     * and ignores one that does not match, without a word (JDK 25 uses a moved tree's, rightly). In a path without
     * a space: from one with, JDK 17 archives only its own classes, and has nothing to say about the jars.
     */
    @Test
    void shouldRunRightAndQuietlyWithArchivesOfAnotherPathOrOtherJars(@TempDir Path dir) throws Exception {
        Path home = Distribution.unpackInto(dir.resolve("apps"));
        DragonRun.Result cds = runs.script(home.resolve("bin/dragon-cds").toString()).run();
        assertThat(cds.exitCode()).as(cds::toString).isZero();
        assertThat(cds.stderr()).as(cds::toString).isEmpty();
        assertThat(cds.stdout()).as(cds::toString).startsWith("dragon-cds: archives for ")
            .contains(home.resolve("cds").toString());
        try (Stream<Path> archives = Files.walk(home.resolve("cds"))) {
            assertThat(archives.map(Path::getFileName).map(Path::toString))
                .contains("DragonCommand.jsa", "BackendMain.jsa");
        }

        Path moved = Files.move(home, home.resolveSibling("moved"));
        DragonCommandIT.assertHelloRan(runs.script(moved.resolve("bin/dragon").toString(), HELLO, "3").run());

        try (Stream<Path> jars = Files.list(moved.resolve("lib"))) {
            for (Path jar : jars.toList()) {
                Files.setLastModifiedTime(jar, FileTime.from(Instant.now()));
            }
        }
        DragonCommandIT.assertHelloRan(runs.script(moved.resolve("bin/dragon").toString(), HELLO, "3").run());
    }

    @Test
    void shouldInstallManPagesCompletionsDocsAndAModuleFile(@TempDir Path dir) throws Exception {
        Path home = Distribution.unpack(dir);
        assertThat(home.resolve("README.md")).isRegularFile();
        assertThat(home.resolve("LICENSE")).isRegularFile();
        assertThat(home.resolve("docs/single-node.md")).isRegularFile();

        assertThat(command(home, "man", "-l", "share/man/man1/dragon.1"))
            .contains("dragon - Runs PROGRAM under the Dragon runtime", "--label-output", "--wlm=WLM", "/dragon-$USER")
            .doesNotContain("/dragon-" + System.getProperty("user.name")); // the reader's logs, not the builder's
        assertThat(command(home, "man", "-l", "share/man/man1/dragon-cleanup.1")).contains("--dry-run");

        // what bash offers for "dragon --lab<TAB>" and "dragon-cleanup --dr<TAB>"
        for (String[] completion : new String[][] {{"dragon", "--lab", "--label-output"},
            {"dragon-cleanup", "--dr", "--dry-run"}}) {
            String function = "_complete_" + completion[0];
            assertThat(command(home, "bash", "-c", ". \"share/bash-completion/completions/$1\"; COMP_WORDS=($1 $2);"
                + " COMP_CWORD=1; " + function + " 2>/dev/null; printf '%s\\n' \"${COMPREPLY[@]}\"", "bash",
                completion[0], completion[1])).isEqualTo(completion[2] + "\n");
        }

        Path modules = home.resolve("etc/modulefiles/dragon");
        List<Path> files;
        try (Stream<Path> list = Files.list(modules)) {
            files = list.toList();
        }
        assertThat(files).as("one module file, named after the version").singleElement()
            .satisfies(file -> assertThat(file.getFileName().toString()).matches("[0-9][^/]*\\.lua")
                .isEqualTo(home.getFileName().toString().substring("dragon-".length()) + ".lua"));
        String module = Files.readString(files.get(0));
        // the install is what precedes etc/modulefiles/dragon/<version>.lua in the file's own path
        assertThat(module).contains("myFileName():match(\"^(.*)/etc/modulefiles/dragon/[^/]+$\")",
            "setenv(\"DRAGON_HOME\", root)", "append_path(\"MANPATH\", \"\")");
        Matcher paths = Pattern.compile("prepend_path\\(\"([A-Z]+)\", pathJoin\\(root, \"([^\"]+)\"\\)\\)")
            .matcher(module);
        StringBuilder found = new StringBuilder();
        while (paths.find()) {
            found.append(paths.group(1)).append('=').append(paths.group(2)).append(' ');
            assertThat(home.resolve(paths.group(2))).as(paths.group()).isDirectory();
        }
        assertThat(found.toString()).isEqualTo("PATH=bin MANPATH=share/man ");
    }

    /** Where Lmod is installed, loading the module file puts dragon and its man page within reach, and others'. */
    @Test
    void shouldLoadTheModuleWithLmod(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isRegularFile(LMOD), "Lmod is not installed (apt-get install lmod, as .ci/run does)");
        Path home = Distribution.unpack(dir);

        String loaded = command(home, "bash", "-c", ". \"$1\"; module use \"$2/etc/modulefiles\" && module load dragon"
            + " && printf '%s\\n' \"$DRAGON_HOME\" \"$(command -v dragon)\" \"$(man -w dragon)\" \"$(man -w ls)\"",
            "bash", LMOD.toString(), home.toString());

        assertThat(loaded).isEqualTo(home + "\n" + home.resolve("bin/dragon") + "\n"
            + home.resolve("share/man/man1/dragon.1") + "\n" + command(home, "man", "-w", "ls"));
    }

    /** Runs {@code command} in {@code home}; its stdout, after checking it exited 0. */
    private static String command(Path home, String... command) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(home.toFile());
        builder.environment().put("MANWIDTH", "200");
        builder.redirectError(ProcessBuilder.Redirect.DISCARD);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("%s ended", List.of(command)).isTrue();
        assertThat(process.exitValue()).as("%s exited, printing:%n%s", List.of(command), output).isZero();
        return output;
    }
}
