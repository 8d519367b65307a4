package io.dragon.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.dragon.core.infrastructure.HostId;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user's own program under the real {@code bin/dragon}, built as the README's "Write your own program" says: the
 * starter project's jar, a jar made with its javac/jar one-liner, and such a jar bundled with copies of the runtime's
 * own libraries, which the runtime's hide (and dragon says so).
 */
class OwnProgramIT {
    private static final String STARTER = "examples/starter/target/dragon-starter.jar";
    /** The README's one-liner, run with $lib the build tree's lib/. */
    private static final String ONE_LINER =
        "javac -cp \"$lib/*\" -d out Hello.java && jar --create --file hello.jar --main-class Hello -C out .";
    /** A program that starts a process and says where the API and JNA came from. */
    private static final String HELLO = """
        public class Hello {
            public static void main(String[] args) throws Exception {
                io.dragon.Process worker = io.dragon.Process.start(() -> System.out.println("hello from a worker"));
                System.out.println("worker exit code " + worker.join());
                for (String name : new String[] {"io.dragon.Process", "com.sun.jna.Native"}) {
                    Class<?> loaded = Class.forName(name, false, Hello.class.getClassLoader());
                    System.out.println(name + " from " + loaded.getProtectionDomain().getCodeSource().getLocation());
                }
            }
        }
        """;

    private final DragonRuns runs = new DragonRuns();

    @TempDir
    Path dir;

    @AfterEach
    void nothingLeft() throws InterruptedException {
        runs.assertNothingLeft();
    }

    @Test
    void shouldRunTheStarterProjectsJar() {
        DragonRun.Result run = runs.run(STARTER, "2");

        assertThat(run.exitCode()).as(run::toString).isZero();
        List<String> lines = run.stdout().lines().toList();
        assertThat(lines).as(run::toString).hasSize(6);
        assertThat(lines.get(0)).isEqualTo("squares: [1, 4, 9, 16, 25]");
        assertThat(lines.subList(1, 6)).as(run::toString)
            .allMatch(line -> line.matches("[1-5] squared on " + Pattern.quote(HostId.hostname())))
            .extracting(line -> line.charAt(0)).containsExactlyInAnyOrder('1', '2', '3', '4', '5');
        assertThat(run.programStderr()).as(run::toString).isEmpty();
    }

    @Test
    void shouldRunAJarMadeWithTheOneLiner() throws IOException, InterruptedException {
        assertThat(Files.readString(DragonRun.DRAGON_HOME.resolve("README.md"))).as("the README's one-liner")
            .contains(ONE_LINER);
        Path jar = oneLiner();

        DragonRun.Result run = runs.run(jar.toString());

        assertThat(run.exitCode()).as(run::toString).isZero();
        assertThat(run.stdout()).as(run::toString).contains("hello from a worker", "worker exit code 0")
            .containsPattern("io.dragon.Process from file:\\S*/dragon-cli/target/lib/dragon-core-[^/]*\\.jar")
            .containsPattern("com.sun.jna.Native from file:\\S*/dragon-cli/target/lib/jna-[^/]*\\.jar");
        assertThat(run.programStderr()).as(run::toString).isEmpty();
    }

    /**
     * A fat jar that bundles another Dragon API and names another JNA in its Class-Path: their classes are broken
     * here, so the program runs only if the runtime's come first, in the head and in the process it starts.
     */
    @Test
    void shouldUseTheRuntimesLibrariesBeforeTheProgramsCopiesAndSaySo() throws IOException, InterruptedException {
        oneLiner();
        Path jna = jar(dir.resolve("jna-5.13.0.jar"), null, List.of(
            new Content("com/sun/jna/Native.class", "not a class")));
        List<Content> fat = new ArrayList<>();
        try (Stream<Path> classes = Files.list(dir.resolve("out"))) {
            for (Path file : classes.toList()) {
                fat.add(new Content(file.getFileName().toString(), Files.readAllBytes(file)));
            }
        }
        fat.add(new Content("io/dragon/Process.class", "not a class"));
        fat.add(new Content("META-INF/maven/io.dragon/dragon-core/pom.properties", "version=0.0.1\n"));
        Path app = jar(dir.resolve("app-all.jar"), jna.getFileName().toString(), fat);

        DragonRun.Result run = runs.run(app.toString());

        assertThat(run.exitCode()).as(run::toString).isZero();
        assertThat(run.stdout()).as(run::toString).contains("hello from a worker", "worker exit code 0")
            .containsPattern("io.dragon.Process from file:\\S*/dragon-cli/target/lib/dragon-core-[^/]*\\.jar")
            .containsPattern("com.sun.jna.Native from file:\\S*/dragon-cli/target/lib/jna-[^/]*\\.jar");
        assertThat(run.programStderr().lines()).as(run::toString).containsExactly(
            "dragon: warning: " + app + " holds Dragon's API 0.0.1 (io/dragon/Process.class), the runtime has"
                + " Dragon's API " + runtimeVersion("dragon-core") + ": the runtime's comes first on the classpath and"
                + " is the one used; leave Dragon's API out of your program, dragon supplies it",
            "dragon: warning: " + jna + " (in the Class-Path of " + app + ") holds JNA 5.13.0"
                + " (com/sun/jna/Native.class), the runtime has JNA " + runtimeVersion("jna") + ": the runtime's"
                + " comes first on the classpath and is the one used; leave JNA out of your program, dragon supplies"
                + " it");
    }

    /** Runs the README's one-liner on {@link #HELLO} in {@link #dir}, with this JDK's javac and jar; its jar. */
    private Path oneLiner() throws IOException, InterruptedException {
        Files.writeString(dir.resolve("Hello.java"), HELLO);
        ProcessBuilder builder = new ProcessBuilder("bash", "-c", ONE_LINER).directory(dir.toFile())
            .redirectErrorStream(true).redirectOutput(dir.resolve("one-liner.out").toFile());
        builder.environment().put("PATH", Path.of(System.getProperty("java.home"), "bin") + ":"
            + System.getenv("PATH"));
        builder.environment().put("lib", DragonRun.DRAGON_HOME.resolve("dragon-cli/target/lib").toString());
        Process process = builder.start();
        assertThat(process.waitFor(2, TimeUnit.MINUTES)).as("the one-liner ends").isTrue();
        assertThat(process.exitValue()).as(() -> ONE_LINER + " failed:\n" + read(dir.resolve("one-liner.out")))
            .isZero();
        return dir.resolve("hello.jar");
    }

    /** The version of the runtime's {@code artifact}, from its jar's name in dragon-cli/target/lib. */
    private static String runtimeVersion(String artifact) throws IOException {
        Pattern name = Pattern.compile(Pattern.quote(artifact) + "-([0-9][^/]*)\\.jar");
        try (Stream<Path> lib = Files.list(DragonRun.DRAGON_HOME.resolve("dragon-cli/target/lib"))) {
            return lib.map(path -> name.matcher(path.getFileName().toString())).filter(m -> m.matches())
                .map(m -> m.group(1)).findFirst().orElseThrow();
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(" + e + ")";
        }
    }

    /** An entry of a jar made here. */
    private record Content(String name, byte[] bytes) {
        Content(String name, String text) {
            this(name, text.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static Path jar(Path path, String classPath, List<Content> entries) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "Hello");
        if (classPath != null) {
            manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH, classPath);
        }
        try (OutputStream file = Files.newOutputStream(path);
             JarOutputStream jar = new JarOutputStream(file, manifest)) {
            for (Content entry : entries) {
                jar.putNextEntry(new JarEntry(entry.name()));
                jar.write(entry.bytes());
                jar.closeEntry();
            }
        }
        return path;
    }
}
