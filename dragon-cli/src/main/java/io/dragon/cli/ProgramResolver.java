package io.dragon.cli;

import io.dragon.backend.Executables;
import io.dragon.backend.JavaCommand;
import io.dragon.core.infrastructure.InheritedProperties;
import io.dragon.core.infrastructure.Settings.Property;
import io.dragon.core.messages.Messages.ProcessSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * Turns {@code dragon}'s program arguments into the head process: a jar, a main class on a classpath, or any
 * executable. Everything that can be checked before bringup is checked here, with a message naming the problem.
 */
final class ProgramResolver {
    private ProgramResolver() {
    }

    /** A usage problem the user can fix; its message is printed as is. */
    static final class BadProgramException extends Exception {
        BadProgramException(String message) {
            super(message);
        }
    }

    /**
     * The head process: {@code program} with {@code args}; a Java program also with {@code jvmOptions}
     * ({@code --jvm-opt}), which the Java processes it starts inherit ({@link Property#PROGRAM_JVM_OPTIONS}), and
     * with the runtime's jars before its classpath ({@link RuntimeClasspath}), told to {@code warnings} where they
     * hide the program's own copies.
     */
    static ProcessSpec resolve(String program, List<String> args, String classpath, List<String> jvmOptions,
                               Consumer<String> warnings) throws BadProgramException {
        for (String option : jvmOptions) {
            if (!option.startsWith("-") || option.isBlank() || option.matches(".*\\s.*")) {
                throw new BadProgramException("--jvm-opt " + option + ": give one JVM option, starting with - and"
                    + " without spaces, per --jvm-opt (for example --jvm-opt=-Xmx8g)");
            }
        }
        String cwd = System.getProperty("user.dir");
        if (classpath != null) {
            return java(withRuntime(classpath, warnings), program, args, cwd, jvmOptions);
        }
        if (program.endsWith(".jar")) {
            String mainClass = mainClassOf(Path.of(program));
            return java(withRuntime(program, warnings), mainClass, args, cwd, jvmOptions);
        }
        if (!jvmOptions.isEmpty()) {
            throw new BadProgramException("--jvm-opt is for a Java program (a .jar, or a main class with -cp), not"
                + " for " + program);
        }
        return new ProcessSpec(executable(program), args, Map.of(), cwd, null, true, 0);
    }

    private static ProcessSpec java(String classpath, String mainClass, List<String> args, String cwd,
                                    List<String> jvmOptions) {
        List<String> javaArgs = new ArrayList<>(InheritedProperties.options());
        if (!jvmOptions.isEmpty()) {
            javaArgs.add(Property.PROGRAM_JVM_OPTIONS.option(String.join(" ", jvmOptions)));
            javaArgs.addAll(jvmOptions); // last: they win
        }
        javaArgs.addAll(Arrays.asList("-cp", classpath, mainClass));
        javaArgs.addAll(args);
        return new ProcessSpec(JavaCommand.java(), javaArgs, Map.of(), cwd, null, true, 0);
    }

    private static String mainClassOf(Path jar) throws BadProgramException {
        if (!Files.isRegularFile(jar)) {
            throw new BadProgramException("no such jar file: " + jar);
        }
        if (!Files.isReadable(jar)) {
            throw new BadProgramException("cannot read jar file " + jar + ": permission denied");
        }
        try (JarFile file = new JarFile(jar.toFile())) {
            Manifest manifest = file.getManifest();
            String main = manifest == null ? null : manifest.getMainAttributes().getValue(Attributes.Name.MAIN_CLASS);
            if (main == null || main.isBlank()) {
                throw new BadProgramException(jar + " names no Main-Class in its manifest; run it as: dragon -cp "
                    + jar + " MAIN_CLASS [ARGS...]");
            }
            return main.trim();
        } catch (IOException e) {
            throw new BadProgramException(jar + " is not a valid jar file: " + e.getMessage());
        }
    }

    private static String executable(String program) throws BadProgramException {
        Executables.Lookup lookup = Executables.find(program, System.getenv("PATH"));
        return lookup.path().orElseThrow(() -> new BadProgramException(lookup.problem()
            + (lookup.problem().startsWith("command not found") ? " (not a .jar file, and not an executable on PATH)"
                : "")));
    }

    /** The runtime's jars that user code needs, then the user's classpath, whose copies of them it warns about. */
    private static String withRuntime(String classpath, Consumer<String> warnings) {
        RuntimeClasspath runtime = new RuntimeClasspath(System.getProperty("java.class.path"));
        runtime.clashes(classpath).forEach(warnings);
        return runtime.before(classpath);
    }
}
