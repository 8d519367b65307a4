package io.dragon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runtime's jars come before a program's classpath, and every copy of them the program brings (in its jar, in a
 * jar of its Class-Path, on -cp) is named with both versions; jars are built here, marker classes with made-up bytes.
 */
class RuntimeClasspathTest {
    private static final String JNA = "com/sun/jna/Native.class";
    private static final String MSGPACK = "org/msgpack/core/MessagePack.class";
    private static final String DRAGON = "io/dragon/Process.class";
    private static final String DRAGON_POM = "META-INF/maven/io.dragon/dragon-core/pom.properties";

    @TempDir
    Path dir;

    private Path runtimeJna;
    private RuntimeClasspath runtime;

    @BeforeEach
    void runtimeJars() throws IOException {
        Path lib = Files.createDirectories(dir.resolve("runtime/lib"));
        Path core = jar(lib.resolve("dragon-core-0.1.0.jar"), null, Map.of(DRAGON, "dragon 0.1.0",
            DRAGON_POM, "version=0.1.0\n"));
        runtimeJna = jar(lib.resolve("jna-5.19.1.jar"), null, Map.of(JNA, "jna 5.19.1"));
        Path msgpack = jar(lib.resolve("msgpack-core-0.9.10.jar"), null, Map.of(MSGPACK, "msgpack 0.9.10"));
        Path picocli = jar(lib.resolve("picocli-4.7.7.jar"), null, Map.of("picocli/CommandLine.class", "picocli"));
        runtime = new RuntimeClasspath(String.join(File.pathSeparator, lib.resolve("dragon-cli-0.1.0.jar").toString(),
            core.toString(), picocli.toString(), runtimeJna.toString(), msgpack.toString()));
    }

    @Test
    void shouldPutTheJarsUserCodeNeedsAndOnlyThoseBeforeTheUsersClasspath() {
        Path lib = dir.resolve("runtime/lib");

        assertThat(runtime.before("app.jar")).isEqualTo(String.join(File.pathSeparator,
            lib.resolve("dragon-core-0.1.0.jar").toString(), lib.resolve("jna-5.19.1.jar").toString(),
            lib.resolve("msgpack-core-0.9.10.jar").toString(), "app.jar"));
    }

    @Test
    void shouldFindTheApiInABuildTreesClasses() {
        RuntimeClasspath tree = new RuntimeClasspath("/src/dragon-core/target/classes" + File.pathSeparator
            + "/src/dragon-cli/target/classes");

        assertThat(tree.before("app.jar"))
            .isEqualTo("/src/dragon-core/target/classes" + File.pathSeparator + "app.jar");
    }

    @Test
    void shouldSayNothingOfAProgramWithoutCopies() throws IOException {
        Path app = jar(dir.resolve("app.jar"), null, Map.of("com/example/Main.class", "main"));

        assertThat(runtime.clashes(app.toString())).isEmpty();
    }

    @Test
    void shouldNameAnotherJnaInTheClassPathOfTheProgramsJar() throws IOException {
        jar(Files.createDirectories(dir.resolve("lib")).resolve("jna-5.13.0.jar"), null, Map.of(JNA, "jna 5.13.0"));
        Path app = jar(dir.resolve("app.jar"), "lib/jna-5.13.0.jar", Map.of("com/example/Main.class", "main"));

        assertThat(runtime.clashes(app.toString())).containsExactly(dir.resolve("lib/jna-5.13.0.jar")
            + " (in the Class-Path of " + app + ") holds JNA 5.13.0 (" + JNA + "), the runtime has JNA 5.19.1: the"
            + " runtime's comes first on the classpath and is the one used; leave JNA out of your program, dragon"
            + " supplies it");
    }

    @Test
    void shouldNameTheApiAndMsgpackShadedIntoAFatJar() throws IOException {
        Map<String, String> content = new LinkedHashMap<>();
        content.put("com/example/Main.class", "main");
        content.put(DRAGON, "dragon 0.0.9");
        content.put(DRAGON_POM, "version=0.0.9\n");
        content.put(MSGPACK, "msgpack 0.8.24");
        Path fat = jar(dir.resolve("app-all.jar"), null, content);

        assertThat(runtime.clashes(fat.toString())).satisfiesExactly(
            dragon -> assertThat(dragon).startsWith(fat + " holds Dragon's API 0.0.9 (" + DRAGON + "), the runtime"
                + " has Dragon's API 0.1.0: the runtime's comes first"),
            msgpack -> assertThat(msgpack).startsWith(fat + " holds msgpack-core of a version it does not record ("
                + MSGPACK + "), the runtime has msgpack-core 0.9.10: the runtime's comes first"));
    }

    @Test
    void shouldLookIntoWildcardsAndDirectoriesOfTheUsersClasspath() throws IOException {
        Path libs = Files.createDirectories(dir.resolve("libs"));
        Path oldJna = jar(libs.resolve("jna-5.8.0.jar"), null, Map.of(JNA, "jna 5.8.0"));
        jar(libs.resolve("other.jar"), null, Map.of("org/other/Thing.class", "thing"));
        Path classes = Files.createDirectories(dir.resolve("classes/io/dragon")).getParent().getParent();
        Files.writeString(classes.resolve(DRAGON), "dragon 0.0.1");

        List<String> warnings = runtime.clashes(libs.resolve("*") + File.pathSeparator + classes);

        assertThat(warnings).hasSize(2);
        assertThat(warnings.get(0)).startsWith(oldJna + " holds JNA 5.8.0 (");
        assertThat(warnings.get(1)).startsWith(classes + " holds Dragon's API of a version it does not record (");
    }

    @Test
    void shouldSayNothingOfTheRuntimesOwnJarsOrTheSameBuildOfThem() throws IOException {
        Path copy = jar(dir.resolve("jna.jar"), null, Map.of(JNA, "jna 5.19.1"));

        assertThat(runtime.clashes(dir.resolve("runtime/lib/*") + File.pathSeparator + copy)).isEmpty();
    }

    @Test
    void shouldSkipWhatIsNotThereOrNotAJarAndFollowAClassPathCycleOnce() throws IOException {
        Path text = Files.writeString(dir.resolve("notes.jar"), "not a zip");
        jar(dir.resolve("b.jar"), "a.jar", Map.of(JNA, "jna 5.13.0"));
        Path a = jar(dir.resolve("a.jar"), "b.jar missing.jar", Map.of("com/example/Main.class", "main"));

        assertThat(runtime.clashes(String.join(File.pathSeparator, "/no/such.jar", text.toString(), a.toString(),
            dir.resolve("b.jar").toString()))).singleElement().asString()
            .startsWith(dir.resolve("b.jar") + " (in the Class-Path of " + a + ") holds JNA of a version it does not"
                + " record (");
    }

    @Test
    void shouldWarnOfACopyWhoseMavenMetadataIsMalformed() throws IOException {
        Path app = jar(dir.resolve("app.jar"), null, Map.of(DRAGON, "dragon 0.0.9",
            DRAGON_POM, "version=\\uZZZZ\n"));

        assertThat(runtime.clashes(app.toString())).singleElement().asString().startsWith(app
            + " holds Dragon's API of a version it does not record (");
    }

    @Test
    void shouldReadNoMoreOfACopyThanItsRuntimeCounterpartHolds() throws IOException {
        Path bomb = dir.resolve("bomb.jar");
        try (OutputStream file = Files.newOutputStream(bomb); JarOutputStream jar = new JarOutputStream(file)) {
            for (String name : List.of(JNA, "META-INF/maven/net.java.dev.jna/jna/pom.properties")) {
                jar.putNextEntry(new JarEntry(name));
                byte[] zeros = new byte[1 << 20];
                for (int i = 0; i < 64; i++) { // 64 MiB that deflate to some 64 KiB
                    jar.write(zeros);
                }
                jar.closeEntry();
            }
        }
        com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();

        List<String> warnings = runtime.clashes(bomb.toString());

        assertThat(threads.getCurrentThreadAllocatedBytes() - before).as("bytes allocated").isLessThan(16L << 20);
        assertThat(warnings).singleElement().asString().startsWith(bomb + " holds JNA of a version it does not"
            + " record (");
    }

    /** A jar at {@code path} holding {@code entries} (name to text), with a Class-Path if {@code classPath}. */
    private static Path jar(Path path, String classPath, Map<String, String> entries) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (classPath != null) {
            manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH, classPath);
        }
        try (OutputStream file = Files.newOutputStream(path);
             JarOutputStream jar = new JarOutputStream(file, manifest)) {
            for (Map.Entry<String, String> entry : entries.entrySet()) {
                jar.putNextEntry(new JarEntry(entry.getKey()));
                jar.write(entry.getValue().getBytes(StandardCharsets.UTF_8));
                jar.closeEntry();
            }
        }
        return path;
    }
}
