package io.dragon.backend;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Finding a program the way a shell does: a path as given, or a bare name on PATH. */
public final class Executables {
    private Executables() {
    }

    /**
     * The absolute path of {@code program}, or a description of why there is none (as {@link Optional#empty()}
     * cannot say why, failures come back in {@link Lookup#problem()}).
     */
    public static Lookup find(String program, String pathVariable) {
        if (program.contains(File.separator)) {
            Path path = Path.of(program).toAbsolutePath();
            if (!Files.exists(path)) {
                return Lookup.failed("no such file: " + program);
            }
            if (Files.isDirectory(path) || !Files.isExecutable(path)) {
                return Lookup.failed(program + " is not an executable file");
            }
            return checkInterpreter(path);
        }
        for (String dir : (pathVariable == null ? "" : pathVariable).split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, program);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return checkInterpreter(candidate.toAbsolutePath());
            }
        }
        return Lookup.failed("command not found: " + program);
    }

    /** A script whose {@code #!} interpreter is missing cannot start: say so before trying. */
    private static Lookup checkInterpreter(Path program) {
        try (InputStream in = Files.newInputStream(program)) {
            byte[] head = in.readNBytes(256);
            String text = new String(head, StandardCharsets.ISO_8859_1);
            if (text.startsWith("#!")) {
                String line = text.substring(2).split("\n", 2)[0].trim();
                String interpreter = line.split("\\s+", 2)[0];
                if (!interpreter.isEmpty() && !Files.isExecutable(Path.of(interpreter))) {
                    return Lookup.failed(program + " names an interpreter that does not exist or cannot run: "
                        + interpreter);
                }
            }
        } catch (IOException e) {
            return Lookup.failed("cannot read " + program + ": " + e.getMessage());
        }
        return Lookup.found(program.toString());
    }

    /** The outcome of {@link #find}: a path, or the problem. */
    public record Lookup(Optional<String> path, String problem) {
        static Lookup found(String path) {
            return new Lookup(Optional.of(path), null);
        }

        static Lookup failed(String problem) {
            return new Lookup(Optional.empty(), problem);
        }
    }
}
