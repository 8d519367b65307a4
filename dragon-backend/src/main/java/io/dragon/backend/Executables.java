package io.dragon.backend;

import java.io.File;
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
            return Lookup.found(path.toString());
        }
        for (String dir : (pathVariable == null ? "" : pathVariable).split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, program);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Lookup.found(candidate.toAbsolutePath().toString());
            }
        }
        return Lookup.failed("command not found: " + program);
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
