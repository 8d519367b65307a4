package io.dragon.cli;

import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The classpath of a Java program under {@code dragon}: the runtime's jars that user code needs ({@link Library}:
 * the API and what it loads) first, then the user's classpath. The runtime's come first because they must match
 * the running runtime: the API speaks its protocol and maps its shared memory, and JNA's classes must match the
 * native library the runtime unpacked ({@code jna.boot.library.path}, which every Java process of a run inherits).
 * The rest of the runtime (Netty, picocli ...) is not on a program's classpath at all.
 *
 * <p>A user's own copy of one of those libraries (in the program's jar, a jar its manifest's {@code Class-Path}
 * names, or an entry of {@code -cp}) is thereby hidden: {@link #clashes} says so, naming both versions, unless the
 * copy is the runtime's own file or the same build.
 */
final class RuntimeClasspath {
    /** Most bytes read of any file of a jar: a marker class or Maven metadata is far smaller; a zip bomb is not. */
    private static final int MAX_READ_BYTES = 1 << 20;

    /** A library the runtime puts on a program's classpath. */
    enum Library {
        /** The API, with the internals it uses. */
        DRAGON("Dragon's API", "io.dragon", "dragon-core", "io/dragon/Process.class"),
        /** Native access, for shared memory and futexes. */
        JNA("JNA", "net.java.dev.jna", "jna", "com/sun/jna/Native.class"),
        /** The runtime's message encoding. */
        MSGPACK("msgpack-core", "org.msgpack", "msgpack-core", "org/msgpack/core/MessagePack.class");

        private final String title;
        private final String groupId;
        private final String artifactId;
        private final String marker;
        private final Pattern fileName;

        Library(String title, String groupId, String artifactId, String marker) {
            this.title = title;
            this.groupId = groupId;
            this.artifactId = artifactId;
            this.marker = marker;
            this.fileName = Pattern.compile(Pattern.quote(artifactId) + "-([0-9][^/]*)\\.jar");
        }

        /** The library named by a classpath entry of the runtime: its jar, or its build tree's target/classes. */
        static Optional<Library> of(Path entry) {
            String name = entry.getFileName() == null ? "" : entry.getFileName().toString();
            Path target = entry.getParent();
            String module = name.equals("classes") && target != null && target.getParent() != null
                ? target.getParent().getFileName().toString() : ""; // <module>/target/classes in a build tree
            return Arrays.stream(values())
                .filter(library -> library.artifactId.equals(module) || library.fileName.matcher(name).matches())
                .findFirst();
        }
    }

    /** A library's entry on the runtime's classpath. */
    record RuntimeEntry(Library library, Path path) {
    }

    private final List<RuntimeEntry> runtime;

    /** The runtime entries among {@code classpath} (the launcher's own: {@code java.class.path}). */
    RuntimeClasspath(String classpath) {
        runtime = Arrays.stream(classpath.split(File.pathSeparator)).filter(entry -> !entry.isEmpty()).map(Path::of)
            .flatMap(path -> Library.of(path).map(library -> new RuntimeEntry(library, path)).stream()).toList();
    }

    /** A program's classpath: the runtime's entries, then {@code userClasspath}. */
    String before(String userClasspath) {
        List<String> all = new ArrayList<>();
        runtime.forEach(entry -> all.add(entry.path().toString()));
        all.add(userClasspath);
        return String.join(File.pathSeparator, all);
    }

    /**
     * One warning (without the {@code dragon: } prefix) for each copy of a runtime library that {@code
     * userClasspath} holds (following wildcards and the {@code Class-Path} of its jars) and the runtime hides.
     */
    List<String> clashes(String userClasspath) {
        List<String> warnings = new ArrayList<>();
        Set<Path> seen = new HashSet<>();
        for (String entry : userClasspath.split(File.pathSeparator, -1)) {
            for (Path path : expand(entry)) {
                check(path, null, seen, warnings);
            }
        }
        return warnings;
    }

    /** A -cp entry's paths: {@code dir/*} is the jars of dir, an empty entry the working directory. */
    private static List<Path> expand(String entry) {
        if (entry.isEmpty()) {
            return List.of(Path.of("."));
        }
        if (!entry.equals("*") && !entry.endsWith(File.separator + "*")) {
            return List.of(Path.of(entry));
        }
        List<Path> jars = new ArrayList<>();
        Path dir = Path.of(entry).getParent() == null ? Path.of(".") : Path.of(entry).getParent();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.{jar,JAR}")) {
            files.forEach(jars::add);
        } catch (IOException e) {
            return List.of(); // as the JVM does: a wildcard of a directory it cannot read adds nothing
        }
        jars.sort(null);
        return jars;
    }

    /** Checks {@code path} ({@code via}: the jar whose Class-Path names it) and the jars its manifest names. */
    private void check(Path path, Path via, Set<Path> seen, List<String> warnings) {
        Path real;
        try {
            real = path.toRealPath();
        } catch (IOException e) {
            return; // not there: the JVM skips it too
        }
        if (!seen.add(real)) {
            return;
        }
        try (Entry entry = Entry.open(real)) {
            if (entry == null) {
                return;
            }
            for (RuntimeEntry own : runtime) {
                clash(entry, path, via, own).ifPresent(warnings::add);
            }
            for (Path named : entry.classPath()) {
                check(named, path, seen, warnings);
            }
        } catch (IOException e) {
            // unreadable: the JVM skips it too, and starting the program says more than a warning could
        }
    }

    private static Optional<String> clash(Entry user, Path path, Path via, RuntimeEntry own) throws IOException {
        Library library = own.library();
        if (!user.has(library.marker)) {
            return Optional.empty();
        }
        try (Entry runtime = Entry.open(own.path().toRealPath())) {
            if (runtime == null || runtime.root.equals(user.root)) {
                return Optional.empty(); // the runtime's own file
            }
            byte[] ours = runtime.read(library.marker, MAX_READ_BYTES).orElse(null);
            // a byte more than ours tells a longer copy apart, so that a copy that inflates without end costs nothing
            byte[] theirs = user.read(library.marker, ours == null ? 0 : ours.length + 1).orElse(null);
            if (Arrays.equals(theirs, ours)) {
                return Optional.empty(); // the same build of it
            }
            return Optional.of(path + (via == null ? "" : " (in the Class-Path of " + via + ")") + " holds "
                + library.title + " " + user.version(library) + " (" + library.marker + "), the runtime has "
                + library.title + " " + runtime.version(library) + ": the runtime's comes first on the classpath"
                + " and is the one used; leave " + library.title + " out of your program, dragon supplies it");
        }
    }

    /** A classpath entry opened for reading: a jar, or a directory of classes. */
    private static final class Entry implements AutoCloseable {
        private final Path root;
        private final JarFile jar;

        private Entry(Path root, JarFile jar) {
            this.root = root;
            this.jar = jar;
        }

        /** The entry at real path {@code root}, or null if it is neither a directory nor a file. */
        static Entry open(Path root) throws IOException {
            if (Files.isDirectory(root)) {
                return new Entry(root, null);
            }
            return Files.isRegularFile(root) ? new Entry(root, new JarFile(root.toFile(), false)) : null;
        }

        /** Whether the entry holds a file {@code name}. */
        boolean has(String name) {
            return jar == null ? Files.isRegularFile(root.resolve(name)) : jar.getEntry(name) != null;
        }

        /** The first {@code limit} bytes (or fewer) of file {@code name}, if the entry holds it. */
        Optional<byte[]> read(String name, int limit) throws IOException {
            if (!has(name)) {
                return Optional.empty();
            }
            try (InputStream in = jar == null ? Files.newInputStream(root.resolve(name))
                : jar.getInputStream(jar.getEntry(name))) {
                return Optional.of(in.readNBytes(limit));
            }
        }

        /**
         * The version of {@code library} this entry holds: from the Maven metadata that jars built by Maven (and fat
         * jars made of them) keep, else from the jar's name ({@code jna-5.13.0.jar}).
         */
        String version(Library library) throws IOException {
            Optional<byte[]> pom = read("META-INF/maven/" + library.groupId + "/" + library.artifactId
                + "/pom.properties", MAX_READ_BYTES);
            if (pom.isPresent()) {
                Properties properties = new Properties();
                try {
                    properties.load(new ByteArrayInputStream(pom.get()));
                } catch (IllegalArgumentException e) {
                    properties.clear(); // a malformed escape: as if it recorded no version
                }
                if (properties.getProperty("version") != null) {
                    return properties.getProperty("version");
                }
            }
            Matcher name = library.fileName.matcher(root.getFileName().toString());
            return name.matches() ? name.group(1) : "of a version it does not record";
        }

        /** The jars and directories the manifest's Class-Path names, relative to this jar. */
        List<Path> classPath() throws IOException {
            Manifest manifest = jar == null ? null : jar.getManifest();
            String value = manifest == null ? null : manifest.getMainAttributes().getValue(Attributes.Name.CLASS_PATH);
            if (value == null) {
                return List.of();
            }
            List<Path> paths = new ArrayList<>();
            for (String url : value.trim().split("\\s+")) {
                try {
                    URI uri = root.toUri().resolve(url); // relative URLs, as the JVM reads them
                    if ("file".equals(uri.getScheme())) {
                        paths.add(Path.of(uri));
                    }
                } catch (IllegalArgumentException e) {
                    // the JVM ignores an entry it cannot parse, so does this
                }
            }
            return paths;
        }

        @Override
        public void close() throws IOException {
            if (jar != null) {
                jar.close();
            }
        }
    }
}
