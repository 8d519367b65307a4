package io.dragon.backend.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The C library and its Java binding say the same of what passes between them (see OfiLibrary's constants). */
class OfiLibraryContractTest {
    private static final Path SOURCE = Path.of("src/main/c/dragonofi.c");
    /** {@code #define DOFI_NAME 16} or {@code #define DOFI_NAME (-1)}, with or without a comment after it. */
    private static final Pattern NUMBER = Pattern.compile(
        "^#define\\s+(DOFI_\\w+)\\s+\\(?(-?\\d+)\\)?\\s*(/\\*.*)?$", Pattern.MULTILINE);

    /** The C name of each constant, and its Java value. */
    private static final Map<String, Long> JAVA = Map.ofEntries(
        Map.entry("DOFI_BATCH", (long) OfiLibrary.BATCH),
        Map.entry("DOFI_EVENT_WORDS", (long) OfiLibrary.EVENT_WORDS),
        Map.entry("DOFI_EVENT_TOKEN", (long) OfiLibrary.EVENT_TOKEN),
        Map.entry("DOFI_EVENT_LENGTH", (long) OfiLibrary.EVENT_LENGTH),
        Map.entry("DOFI_EVENT_SOURCE", (long) OfiLibrary.EVENT_SOURCE),
        Map.entry("DOFI_SEND_BLOCK", (long) OfiLibrary.SEND_BLOCK),
        Map.entry("DOFI_RECEIVE_BLOCK", (long) OfiLibrary.RECEIVE_BLOCK),
        Map.entry("DOFI_READ_BLOCK", (long) OfiLibrary.READ_BLOCK),
        Map.entry("DOFI_REGISTRATION_WORDS", (long) OfiLibrary.REGISTRATION_WORDS),
        Map.entry("DOFI_REGISTRATION_KEY", (long) OfiLibrary.REGISTRATION_KEY),
        Map.entry("DOFI_REGISTRATION_ADDRESS", (long) OfiLibrary.REGISTRATION_ADDRESS),
        Map.entry("DOFI_EAGAIN", (long) OfiLibrary.EAGAIN),
        Map.entry("DOFI_NO_SOURCE", OfiLibrary.NO_SOURCE));

    @Test
    void shouldHaveEveryNumberOfTheCLibraryEqualInJava() throws IOException {
        Map<String, Long> c = new HashMap<>();
        Matcher define = NUMBER.matcher(Files.readString(SOURCE));
        while (define.find()) {
            c.put(define.group(1), Long.parseLong(define.group(2)));
        }
        for (Map.Entry<String, Long> constant : c.entrySet()) {
            assertThat(JAVA).as("%s of %s, in OfiLibrary", constant.getKey(), SOURCE)
                .containsEntry(constant.getKey(), constant.getValue());
        }
        assertThat(c.keySet()).as("the constants of %s", SOURCE).containsAll(JAVA.keySet());
    }
}
