package io.dragon.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The distribution's tarball that dragon-dist built (the failsafe configuration names it), unpacked as a site would
 * install it: with tar, by default into a directory whose path has a space.
 */
final class Distribution {
    /** The tarball, dragon-dist/target/dragon-VERSION-linux-ARCH.tar.gz. */
    static final Path TARBALL = Path.of(System.getProperty("dragon.dist", "../dragon-dist/target/dragon.tar.gz"))
        .toAbsolutePath().normalize();

    private Distribution() {
    }

    /** Unpacks the tarball into {@code parent}/site apps/; returns the installed tree, its one top directory. */
    static Path unpack(Path parent) throws IOException, InterruptedException {
        return unpackInto(parent.resolve("site apps"));
    }

    /** Unpacks the tarball into {@code into}, made if missing; returns the installed tree, its one top directory. */
    static Path unpackInto(Path into) throws IOException, InterruptedException {
        assertThat(TARBALL).as("the distribution (mvn package builds it in dragon-dist)").isRegularFile();
        Files.createDirectories(into);
        Process tar = new ProcessBuilder("tar", "-xzf", TARBALL.toString(), "-C", into.toString())
            .redirectErrorStream(true).start();
        String output = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(tar.waitFor(60, TimeUnit.SECONDS) && tar.exitValue() == 0).as("tar: " + output).isTrue();
        try (Stream<Path> top = Files.list(into)) {
            List<Path> homes = top.toList();
            assertThat(homes).as("the tarball's top directories").hasSize(1);
            return homes.get(0);
        }
    }
}
