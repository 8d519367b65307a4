package io.dragon.examples;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * Reads lines from stdin (which the launcher forwards to the head process) and writes them back numbered, and a
 * count on stderr. Run it with {@code echo hi | dragon examples/target/examples-echo.jar}.
 */
public final class Echo {
    private Echo() {
    }

    public static void main(String[] args) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        int lines = 0;
        for (String line; (line = in.readLine()) != null; ) {
            System.out.println(++lines + ": " + line);
        }
        System.err.println("read " + lines + " lines");
    }
}
