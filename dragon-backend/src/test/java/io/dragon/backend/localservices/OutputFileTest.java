package io.dragon.backend.localservices;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A file a process's output is redirected to is checked on Local Services' thread without blocking it. */
class OutputFileTest {
    @TempDir
    Path dir;

    @Test
    void refusesAFifoAtOnceNamingItAndTheStream() throws Exception {
        Path fifo = dir.resolve("fifo");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();

        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> assertThatThrownBy(() -> LocalServices.checkWritable(
            fifo.toFile(), "stdout")).isInstanceOf(IOException.class).hasMessage("cannot write " + fifo
                + " for stdout: a FIFO, which would keep Local Services waiting for a reader"));
    }

    @Test
    void createsOrEmptiesAFileAndNamesOneThatCannotBeWritten() throws IOException {
        Path file = Files.writeString(dir.resolve("out.txt"), "old");
        LocalServices.checkWritable(file.toFile(), "stderr");
        LocalServices.checkWritable(dir.resolve("new.txt").toFile(), "stdout");
        LocalServices.checkWritable(new File("/dev/null"), "stdout");

        assertThat(file).isEmptyFile();
        assertThat(dir.resolve("new.txt")).isEmptyFile();
        assertThatThrownBy(() -> LocalServices.checkWritable(dir.resolve("no/such.txt").toFile(), "stderr"))
            .isInstanceOf(IOException.class).hasMessageStartingWith("cannot write " + dir.resolve("no/such.txt")
                + " for stderr: ");
    }
}
