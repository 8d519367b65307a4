package io.dragon.it.api;

import io.dragon.DragonException;
import io.dragon.Process;
import io.dragon.ProcessTemplate;
import io.dragon.Queue;
import io.dragon.Redirect;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Where the standard streams of processes go (Redirect), with real processes. */
public final class ProcessIoChecks extends Checks {
    private static final int PATTERN_BYTES = 8 << 20;

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
                Process both = ProcessTemplate.exec("/bin/sh", "-c", "echo out; echo err >&2; echo out")
                    .withStdout(Redirect.file(dir + "/both.txt")).withStderr(Redirect.file(dir + "/both.txt"))
                    .start();
                expectEquals(0, both.join(), "exit code");
                expectEquals("out\nerr\nout\n", Files.readString(dir.resolve("both.txt")), "one file for both");
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
            Path fifo = dir.resolve("fifo");
            expectEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor(), "mkfifo");
            DragonException toFifo = expectThrows(DragonException.class, () -> ProcessTemplate.exec("/bin/true")
                .withStdout(Redirect.file(fifo.toString())).start());
            expect(toFifo.getMessage().contains(fifo + " for stdout: a FIFO"), "the message names the FIFO: " + toFifo);
            expectEquals(0, ProcessTemplate.exec("/bin/true").start().join(), "the node starts processes on");
        });
        check("stdout and stderr piped to the parent, which reads them to their end", () -> {
            Process process = ProcessTemplate.exec("/bin/sh", "-c", "echo out; echo err >&2; exit 3")
                .withStdout(Redirect.PIPE).withStderr(Redirect.PIPE).start();
            expectEquals("out\n", new String(process.stdout().readAllBytes()), "stdout");
            expectEquals("err\n", new String(process.stderr().readAllBytes()), "stderr");
            expectEquals(3, process.join(), "exit code");
            expectThrows(IllegalStateException.class, () -> Process.current().stdout());
        });
        check("stdin from the parent, ended by close; writes fail once the process has exited", () -> {
            Process cat = ProcessTemplate.exec("/bin/cat").withStdin(Redirect.PIPE).withStdout(Redirect.PIPE).start();
            try (OutputStream in = cat.stdin()) {
                in.write("line 1\nline 2\n".getBytes());
            }
            expectEquals("line 1\nline 2\n", new String(cat.stdout().readAllBytes()), "what cat echoed");
            expectEquals(0, cat.join(), "exit code");
            Process head = ProcessTemplate.exec("/usr/bin/head", "-c", "1").withStdin(Redirect.PIPE)
                .withStdout(Redirect.DISCARD).start();
            OutputStream in = head.stdin();
            in.write('x');
            in.flush();
            expectEquals(0, head.join(), "head exit code");
            expectThrows(IOException.class, () -> {
                for (long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60); System.nanoTime() < end; ) {
                    in.write(new byte[1000]);
                    in.flush();
                    Thread.sleep(20);
                }
                return null;
            });
        });
        check("several MiB through the pipe whole and in order; the writer waits while the parent does not read",
            () -> {
                Process writer = ProcessTemplate.of(ProcessIoChecks::writePattern).withStdout(Redirect.PIPE).start();
                Thread.sleep(1000);
                expect(writer.isAlive(), "the writer waits: the pipe holds far less than it writes");
                byte[] all = writer.stdout().readAllBytes();
                expectEquals(PATTERN_BYTES, all.length, "bytes read");
                for (int i = 0; i < all.length; i++) {
                    if (all[i] != (byte) (i % 251)) {
                        throw new AssertionError("byte " + i + " is " + all[i]);
                    }
                }
                expectEquals(0, writer.join(), "exit code");
            });
        check("a parent that never reads and exits, or closes early: the writer's writes fail, nothing hangs", () -> {
            Queue<Process> children = Queue.create(2);
            Process parent = Process.start(() -> putQuietly(children,
                ProcessTemplate.exec("/usr/bin/yes").withStdout(Redirect.PIPE).start()));
            Process orphan = children.take();
            expectEquals(0, parent.join(), "parent exit code");
            expect(orphan.join(60, TimeUnit.SECONDS), "yes to end once its reader is gone");
            expectEquals(128 + 13, orphan.exitCode().getAsInt(), "yes killed by SIGPIPE");
            children.destroy();
            Process yes = ProcessTemplate.exec("/usr/bin/yes").withStdout(Redirect.PIPE).start();
            expectEquals((int) 'y', yes.stdout().read(), "first byte");
            yes.stdout().close();
            expectEquals(128 + 13, yes.join(), "yes killed by SIGPIPE once the parent closed");
        });
        try (var files = Files.list(dir)) {
            for (Path file : files.toList()) {
                Files.delete(file);
            }
        }
        Files.delete(dir);
        finish();
    }

    /** Writes {@link #PATTERN_BYTES} bytes, byte i being i % 251, to stdout (unbuffered, past System.out). */
    private static void writePattern() {
        byte[] chunk = new byte[251 * 64];
        for (int i = 0; i < chunk.length; i++) {
            chunk[i] = (byte) (i % 251);
        }
        try (FileOutputStream out = new FileOutputStream(FileDescriptor.out)) {
            for (int left = PATTERN_BYTES; left > 0; left -= chunk.length) {
                out.write(chunk, 0, Math.min(left, chunk.length));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
