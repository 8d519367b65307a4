package io.dragon.it.api;

import io.dragon.DragonException;
import io.dragon.Process;
import io.dragon.ProcessTemplate;
import io.dragon.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where the standard streams of processes go (Redirect), with real processes. */
public final class ProcessIoChecks extends Checks {
    public static void main(String[] args) throws Exception {
        new ProcessIoChecks().run();
    }

    private void run() throws Exception {
        Path dir = Files.createTempDirectory("dragon-io-checks");
        check("stdout and stderr to a file per process, named by p_uid and host, relative to the working directory",
            () -> {
                Process process = ProcessTemplate.exec("/bin/sh", "-c", "echo out; echo err >&2")
                    .withWorkingDirectory(dir.toString()).withStdout(Redirect.file("out-{puid}-{host}.txt"))
                    .withStderr(Redirect.file(dir + "/err-{puid}.txt")).start();
                expectEquals(0, process.join(), "exit code");
                expectEquals("out\n", Files.readString(dir.resolve("out-" + process.puid() + "-"
                    + process.hostname() + ".txt")), "stdout file");
                expectEquals("err\n", Files.readString(dir.resolve("err-" + process.puid() + ".txt")), "stderr file");
            });
        check("stdout and stderr discarded; stdin from a file, or nothing", () -> {
            Files.writeString(dir.resolve("in.txt"), "from a file\n");
            Process reader = ProcessTemplate.exec("/bin/sh", "-c", "read line; echo \"read: $line\" >out.txt")
                .withWorkingDirectory(dir.toString()).withStdin(Redirect.file("in.txt")).start();
            expectEquals(0, reader.join(), "exit code");
            expectEquals("read: from a file\n", Files.readString(dir.resolve("out.txt")), "what it read");
            Process quiet = ProcessTemplate.exec("/bin/sh", "-c", "echo discarded-out; echo discarded-err >&2")
                .withStdout(Redirect.DISCARD).withStderr(Redirect.DISCARD).start();
            expectEquals(0, quiet.join(), "discarding exit code");
            Process empty = ProcessTemplate.exec("/bin/cat").withStdin(Redirect.DISCARD).start();
            expectEquals(0, empty.join(), "cat of nothing");
            Process noInput = ProcessTemplate.exec("/bin/cat").start();
            expectEquals(0, noInput.join(), "a process other than the head reads nothing by default");
        });
        check("a file that cannot be opened fails the start, naming the file and the node", () -> {
            DragonException out = expectThrows(DragonException.class, () -> ProcessTemplate.exec("/bin/true")
                .withStdout(Redirect.file("/no/such/dir/out-{puid}.txt")).start());
            expect(out.getMessage().contains("/no/such/dir/out-") && out.getMessage().contains("stdout")
                && out.getMessage().contains(" on "), "the message names the file, stream and node: " + out);
            DragonException in = expectThrows(DragonException.class, () -> ProcessTemplate.exec("/bin/cat")
                .withStdin(Redirect.file(dir + "/missing.txt")).start());
            expect(in.getMessage().contains(dir + "/missing.txt") && in.getMessage().contains("stdin"),
                "the message names the file: " + in);
        });
        try (var files = Files.list(dir)) {
            for (Path file : files.toList()) {
                Files.delete(file);
            }
        }
        Files.delete(dir);
        finish();
    }
}
