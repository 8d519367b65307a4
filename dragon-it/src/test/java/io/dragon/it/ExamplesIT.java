package io.dragon.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The examples users copy (examples/, issue 20) run under the real {@code bin/dragon} on one node, with their
 * output checked exactly where it is deterministic (DragonCommandIT runs Hello and Echo; SlurmClusterIT runs the
 * heat stencil and the sweep on three nodes).
 */
class ExamplesIT {
    private final DragonRuns runs = new DragonRuns();

    @AfterEach
    void nothingLeft() throws InterruptedException {
        runs.assertNothingLeft();
    }

    @Test
    void sweepRunsEveryPointRestartsTheOneThatFailsAndTabulatesTheResults(@TempDir Path results) throws IOException {
        DragonRun.Result run = example("examples/target/examples-sweep.jar", results.toString());
        assertThat(ExampleOutputs.withoutNodeColumn(run.stdout())).as(run::toString)
            .isEqualTo(ExampleOutputs.SWEEP_TABLE + "9 points, results in " + results + "\n");
        assertThat(Files.readString(results.resolve("alpha2-beta20.out"))).isEqualTo("80\n");
        try (var files = Files.list(results)) {
            assertThat(files.map(f -> f.getFileName().toString())).as("nine results and nothing else").hasSize(9)
                .allMatch(name -> name.endsWith(".out"));
        }
    }

    @Test
    void wordCountCountsEveryFileOfTheDirectoryInOrderAsWcDoes(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("a.txt"), "one two\nthree\n");
        Files.writeString(dir.resolve("b.txt"), "  lead  and trail  \n\n\tx\n");
        Files.writeString(dir.resolve("c.txt"), "no newline, été", StandardCharsets.UTF_8);
        Files.createFile(dir.resolve("empty"));
        Files.createDirectory(dir.resolve("skipped"));
        DragonRun.Result run = example("examples/target/examples-wordcount.jar", dir.toString(), "3");
        assertThat(run.stdout()).as(run::toString).isEqualTo("""
                   2        3       14 a.txt
                   3        4       24 b.txt
                   0        3       17 c.txt
                   0        0        0 empty
                   5       10       55 total (4 files, 3 workers)
            """);
    }

    @Test
    void dictWordCountGathersEveryFilesWordsInOneDictionaryAsASerialCountDoes(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("a.txt"), "The cat sat on the mat.\nThe dog sat on the log.\n");
        Files.writeString(dir.resolve("b.txt"), "A cat, a dog, and THE bird: don't panic!\n\n42 cats\n");
        Files.writeString(dir.resolve("c.txt"), "Été, été: café au lait.\nthe end", StandardCharsets.UTF_8);
        Files.createFile(dir.resolve("empty"));
        Files.createDirectory(dir.resolve("skipped"));
        DragonRun.Result run = example("examples/target/examples-dictwordcount.jar", dir.toString(), "3");
        // ties in the order of the words; "don't" is two words
        assertThat(run.stdout()).as(run::toString).isEqualTo("""
            31 words, 20 distinct, in 4 files (3 workers, 1 dictionary manager)
            top 10:
                   6 the
                   2 a
                   2 cat
                   2 dog
                   2 on
                   2 sat
                   2 été
                   1 42
                   1 and
                   1 au
            check: matches a serial count
            """);
    }

    @Test
    void heatStencilGivesTheSerialResultBitForBit() {
        DragonRun.Result run = example("examples/target/examples-heat.jar");
        assertThat(run.stdout()).as(run::toString).matches(ExampleOutputs.HEAT);
    }

    @Test
    void kotlinProgramSendsThroughAQueueAndMapsOverAPool() {
        DragonRun.Result run = example("examples/kotlin/target/examples-kotlin.jar");
        assertThat(run.stdout()).as(run::toString).isEqualTo("longest Collatz chain from 1..10000: 6171, 261 steps"
            + " (numbers from another process through a queue, chains on 2 workers)\n");
    }

    @Test
    void monteCarloPiAndProducerConsumerGiveTheirKnownResults() {
        // the darts are the same every run: each task's seed is its index
        assertThat(example("-cp", "examples/target/examples.jar", "io.dragon.examples.MonteCarloPi", "2", "4")
            .stdout()).isEqualTo("pi is about 3.14187 (8000000 darts, 4 tasks on 2 workers)\n");
        assertThat(example("-cp", "examples/target/examples.jar", "io.dragon.examples.ProducerConsumer", "2", "2",
            "10000").stdout()).isEqualTo("sum of squares of 0..9999 = 333283335000 (correct)\n");
    }

    /** Runs {@code bin/dragon COMMAND} and expects exit code 0 and no stderr but the launcher's summary. */
    private DragonRun.Result example(String... command) {
        DragonRun.Result run = runs.dragon(command).timeout(Duration.ofMinutes(3)).run();
        assertThat(run.exitCode()).as(run::toString).isZero();
        assertThat(run.programStderr()).as(run::toString).isEmpty();
        return run;
    }
}
