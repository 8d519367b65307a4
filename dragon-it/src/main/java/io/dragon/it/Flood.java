package io.dragon.it;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes numbered lines of {@link #LINE_LENGTH} bytes to stdout as fast as it can, and every
 * {@link #STDERR_EVERY}th line a note to stderr, to check that large output arrives complete and in order.
 * Run it with {@code dragon dragon-it/target/dragon-it-flood.jar [lines]} (default 81920 lines: 5 MiB).
 */
public final class Flood {
    public static final int LINE_LENGTH = 64;
    public static final int STDERR_EVERY = 1000;
    public static final int DEFAULT_LINES = (5 << 20) / LINE_LENGTH;
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    private Flood() {
    }

    public static void main(String[] args) throws IOException {
        int lines = args.length > 0 ? Integer.parseInt(args[0]) : DEFAULT_LINES;
        OutputStream out = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16);
        for (int i = 0; i < lines; i++) {
            out.write(stdoutLine(i).getBytes(StandardCharsets.US_ASCII));
            if (i % STDERR_EVERY == 0) {
                System.err.print(stderrLine(i));
            }
        }
        out.flush();
        System.err.println("wrote " + (long) lines * LINE_LENGTH + " bytes");
    }

    /** Line {@code i} of stdout: its number, then characters that shift with it, {@link #LINE_LENGTH} bytes. */
    public static String stdoutLine(int i) {
        StringBuilder line = new StringBuilder(LINE_LENGTH).append(String.format("%08d ", i));
        for (int k = line.length(); k < LINE_LENGTH - 1; k++) {
            line.append(ALPHABET.charAt((i + k) % ALPHABET.length()));
        }
        return line.append('\n').toString();
    }

    /** The note on stderr at line {@code i}. */
    public static String stderrLine(int i) {
        return "at line " + i + "\n";
    }
}
