package io.dragon.examples;

import io.dragon.DDict;
import io.dragon.Pool;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Word frequencies of the files of a directory, gathered in one distributed dictionary ({@link DDict}): a
 * {@link Pool} of worker processes counts the words of one file per task and adds its counts to the dictionary
 * ({@code fetchAdd(word, n)}, atomic on the word's node), then the head prints the total and the 10 most
 * frequent words, and checks the dictionary against a count of its own. Run it with
 * {@code dragon examples/target/examples-dictwordcount.jar DIRECTORY [workers]}; on several nodes the directory
 * must be on a file system they share.
 */
public final class DictWordCount {
    /** Words are runs of letters and digits, lower-cased: "Don't" is "don" and "t". */
    private static final Pattern NOT_WORD = Pattern.compile("[^\\p{L}\\p{N}]+");
    private static final int TOP = 10;
    /** Most frequent first, ties in the order of the words, so that the top 10 is the same every run. */
    private static final Comparator<Map.Entry<String, Long>> MOST_FREQUENT_FIRST =
        Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey());

    private DictWordCount() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: DictWordCount DIRECTORY [workers]");
            System.exit(2);
        }
        Path directory = Path.of(args[0]).toAbsolutePath();
        List<String> files; // a Path is not Serializable: tasks get names
        try (Stream<Path> listing = Files.list(directory)) {
            files = listing.filter(Files::isRegularFile).map(Path::toString).sorted().toList();
        }
        // a manager per node, each holding the words whose hash falls to it; the handle is Serializable
        DDict<String, Long> counts = DDict.<String, Long>builder().create();
        boolean matches;
        try {
            int workers;
            long added;
            try (Pool pool = args.length > 1 ? Pool.create(Integer.parseInt(args[1])) : Pool.create()) {
                workers = pool.workers();
                // the lambda captures the dictionary's handle: every worker writes into the same dictionary
                added = pool.map(file -> addTo(counts, file), files, 1).stream().mapToLong(Long::longValue).sum();
            }
            // the workers are done: a local copy, made in one pass over the entries of every manager
            Map<String, Long> words = new HashMap<>(counts);
            long total = words.values().stream().mapToLong(Long::longValue).sum();
            int managers = counts.managers();
            System.out.printf("%d words, %d distinct, in %d files (%d workers, %d dictionary manager%s)%n", total,
                words.size(), files.size(), workers, managers, managers == 1 ? "" : "s");
            System.out.println("top " + TOP + ":");
            words.entrySet().stream().sorted(MOST_FREQUENT_FIRST).limit(TOP)
                .forEach(e -> System.out.printf("%8d %s%n", e.getValue(), e.getKey()));
            Map<String, Long> serial = new HashMap<>();
            files.forEach(file -> wordsOf(file).forEach((word, n) -> serial.merge(word, n, Long::sum)));
            matches = serial.equals(words) && added == total;
            System.out.println(matches ? "check: matches a serial count" : "check: DIFFERS from a serial count");
        } finally {
            counts.destroy(); // its managers free their memory and exit
        }
        if (!matches) {
            System.exit(1);
        }
    }

    /**
     * Runs in a worker: counts the file's words here first, so that each distinct word costs one addition (a
     * message, for a word of another node) rather than one per occurrence, then adds them to the dictionary.
     * Returns the file's number of words.
     */
    static long addTo(DDict<String, Long> counts, String file) {
        Map<String, Long> mine = wordsOf(file);
        // the addition is atomic on the word's node, so two workers adding to one word never lose either's count
        // (fetchAdd is merge(word, n, Long::sum) for Long counters)
        mine.forEach((word, n) -> counts.fetchAdd(word, n));
        return mine.values().stream().mapToLong(Long::longValue).sum();
    }

    /** The words of {@code file} and how often each occurs (bytes that are not UTF-8 count as no letter). */
    static Map<String, Long> wordsOf(String file) {
        Map<String, Long> words = new HashMap<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(Files.newInputStream(Path.of(file)),
            StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                for (String word : NOT_WORD.split(line.toLowerCase(Locale.ROOT))) {
                    if (!word.isEmpty()) {
                        words.merge(word, 1L, Long::sum);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e); // the head's map() says so
        }
        return words;
    }
}
