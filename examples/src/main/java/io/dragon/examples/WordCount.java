package io.dragon.examples;

import io.dragon.Pool;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Data-parallel work over the files of a directory, like {@code wc}: a {@link Pool} of worker processes counts the
 * lines, words and bytes of each file ({@code imap}, one file per task), and the head prints the counts in file
 * order as they come, then the total. Run it with
 * {@code dragon examples/target/examples-wordcount.jar DIRECTORY [workers]}; on several nodes the directory must
 * be on a file system they share.
 */
public final class WordCount {
    private WordCount() {
    }

    /** What a worker sends back for one file: a record is Serializable once it says so. */
    record Counts(long lines, long words, long bytes) implements Serializable {
        Counts plus(Counts other) {
            return new Counts(lines + other.lines, words + other.words, bytes + other.bytes);
        }

        String row(String name) {
            return String.format("%8d %8d %8d %s", lines, words, bytes, name);
        }
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length < 1) {
            System.err.println("usage: WordCount DIRECTORY [workers]");
            System.exit(2);
        }
        Path directory = Path.of(args[0]).toAbsolutePath();
        List<String> files; // a Path is not Serializable: tasks get names
        try (Stream<Path> listing = Files.list(directory)) {
            files = listing.filter(Files::isRegularFile).map(Path::toString).sorted().toList();
        }
        // Pool.create(): a worker per CPU of all nodes; close() waits for the workers to exit
        try (Pool pool = args.length > 1 ? Pool.create(Integer.parseInt(args[1])) : Pool.create()) {
            Counts total = new Counts(0, 0, 0);
            // one file per task (chunk size 1): files may be large, and a big one then holds up no others
            Iterator<Counts> counts = pool.imap(WordCount::count, files, 1);
            for (String file : files) {
                Counts each = counts.next();
                System.out.println(each.row(directory.relativize(Path.of(file)).toString()));
                total = total.plus(each);
            }
            System.out.println(total.row("total (" + files.size() + " files, " + pool.workers() + " workers)"));
        }
    }

    /** Runs in a worker: words are runs of bytes that are not ASCII white space, as {@code wc} counts them. */
    static Counts count(String file) {
        long lines = 0;
        long words = 0;
        long bytes = 0;
        boolean inWord = false;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(Path.of(file)))) {
            for (int b = in.read(); b >= 0; b = in.read()) {
                bytes++;
                if (b == '\n') {
                    lines++;
                }
                boolean space = b == ' ' || b == '\n' || b == '\t' || b == '\r' || b == '\f' || b == 0x0b;
                if (!space && !inWord) {
                    words++;
                }
                inWord = !space;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e); // the head's next() says so
        }
        return new Counts(lines, words, bytes);
    }
}
