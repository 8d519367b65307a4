package io.dragon.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dragon.core.infrastructure.OwnUser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The log directory and the directories above it that the runtime owns are made 0700, and one that another user
 * could use (theirs, a symbolic link, writable by others) is refused with a message saying which and what to do.
 */
class LogDirectoryTest {
    /** nobody: another user of the node. */
    private static final int OTHER_UID = 65534;
    private static final String USER_DIRECTORY = "dragon-" + System.getProperty("user.name");

    @TempDir
    Path base;

    @Test
    void shouldPutTheDefaultDirectoryUnderTheUsersOwnInTheTemporaryDirectory() {
        assertThat(LogDirectory.defaultFor("r123")).isEqualTo(Path.of(System.getProperty("java.io.tmpdir"),
            USER_DIRECTORY, "r123"));
    }

    @Test
    void shouldGatherMultiNodeLogsUnderTheSubmitDirectoryElseTheWorkingDirectory() {
        assertThat(LogDirectory.gatheredFor("r123", Map.of("SLURM_SUBMIT_DIR", "/home/me/job")))
            .isEqualTo(Path.of("/home/me/job/dragon-logs/r123"));
        assertThat(LogDirectory.gatheredFor("r123", Map.of())).isEqualTo(Path.of("dragon-logs", "r123")
            .toAbsolutePath());
    }

    @Test
    void shouldRefuseAGatheringDirectoryOthersMayWrite() throws IOException {
        Path gathered = Files.createDirectory(base.resolve(LogDirectory.GATHERED));
        Files.setPosixFilePermissions(gathered, PosixFilePermissions.fromString("rwxrwxrwx"));

        assertThatThrownBy(() -> LogDirectory.prepare(gathered.resolve("r1"))).isInstanceOf(IOException.class)
            .hasMessageStartingWith("directory " + gathered + " (of log directory " + gathered.resolve("r1")
                + ") may be written by other users");
        assertThat(gathered.resolve("r1")).doesNotExist();
    }

    @Test
    void shouldMakeEveryMissingDirectoryOwnerOnly() throws IOException {
        Path logs = base.resolve("a/b/logs");

        LogDirectory.prepare(logs);

        for (Path dir : new Path[] {base.resolve("a"), base.resolve("a/b"), logs}) {
            assertThat(mode(dir)).as("%s", dir).isEqualTo("rwx------");
        }
    }

    @Test
    void shouldMakeTheUsersDirectoryAndTheRuntimesOwnerOnlyAndAcceptThemAfterwards() throws IOException {
        Path logs = base.resolve(USER_DIRECTORY).resolve("r1");

        LogDirectory.prepare(logs);
        LogDirectory.prepare(logs); // another process of the runtime
        LogDirectory.prepare(base.resolve(USER_DIRECTORY).resolve("r2")); // the user's next runtime

        assertThat(mode(logs.getParent())).isEqualTo("rwx------");
        assertThat(mode(logs)).isEqualTo("rwx------");
    }

    @Test
    void shouldAcceptAnOwnLogDirectoryOthersMayOnlyRead() throws IOException {
        Path logs = Files.createDirectory(base.resolve("logs"),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));

        LogDirectory.prepare(logs);

        assertThat(mode(logs)).as("left as it was").isEqualTo("rwxr-xr-x");
    }

    @Test
    void shouldRefuseALogDirectoryOthersMayWrite() throws IOException {
        Path logs = Files.createDirectory(base.resolve("logs"));
        Files.setPosixFilePermissions(logs, PosixFilePermissions.fromString("rwxrwxrwx"));

        assertThatThrownBy(() -> LogDirectory.prepare(logs)).isInstanceOf(IOException.class)
            .hasMessage("log directory " + logs + " may be written by other users (rwxrwxrwx): make it yours alone"
                + " (chmod go-w " + logs + "), or choose another directory with --log-dir");
    }

    @Test
    void shouldRefuseAGroupWritableUsersDirectoryAndMakeNothingInIt() throws IOException {
        Path users = Files.createDirectory(base.resolve(USER_DIRECTORY));
        Files.setPosixFilePermissions(users, PosixFilePermissions.fromString("rwxrwx---"));
        Path logs = users.resolve("r1");

        assertThatThrownBy(() -> LogDirectory.prepare(logs)).isInstanceOf(IOException.class)
            .hasMessageStartingWith("directory " + users + " (of log directory " + logs + ") may be written by other"
                + " users (rwxrwx---)");
        assertThat(logs).doesNotExist();
    }

    @Test
    void shouldRefuseAUsersDirectoryThatIsASymbolicLink() throws IOException {
        Path elsewhere = Files.createDirectory(base.resolve("elsewhere"));
        Path users = Files.createSymbolicLink(base.resolve(USER_DIRECTORY), elsewhere);
        Path logs = users.resolve("r1");

        assertThatThrownBy(() -> LogDirectory.prepare(logs)).isInstanceOf(IOException.class)
            .hasMessageStartingWith("directory " + users + " (of log directory " + logs + ") is a symbolic link (to "
                + elsewhere + ")").hasMessageEndingWith("or choose another directory with --log-dir");
        assertThat(elsewhere).isEmptyDirectory();
    }

    @Test
    void shouldRefuseALogDirectoryThatIsAFile() throws IOException {
        Path logs = Files.createFile(base.resolve("logs"));

        assertThatThrownBy(() -> LogDirectory.prepare(logs)).isInstanceOf(IOException.class)
            .hasMessageStartingWith("log directory " + logs + " is not a directory");
    }

    @Test
    void shouldRefuseAUsersDirectoryAnotherUserMadeFirst() throws IOException {
        assumeRoot();
        Path users = giveAway(Files.createDirectory(base.resolve(USER_DIRECTORY),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"))));
        Path logs = users.resolve("r1");

        assertThatThrownBy(() -> LogDirectory.prepare(logs)).isInstanceOf(IOException.class)
            .hasMessage("directory " + users + " (of log directory " + logs + ") belongs to another user (nobody,"
                + " uid " + OTHER_UID + "), who could read the logs or put files in it: it must be removed (by that"
                + " user or root), or choose another directory with --log-dir");
        assertThat(logs).doesNotExist();
    }

    @Test
    void shouldRefuseALogDirectoryOfAnotherUser() throws IOException {
        assumeRoot();
        Path logs = giveAway(Files.createDirectory(base.resolve("logs")));

        assertThatThrownBy(() -> LogDirectory.prepare(logs)).isInstanceOf(IOException.class)
            .hasMessageStartingWith("log directory " + logs + " belongs to another user (nobody, uid " + OTHER_UID
                + ")");
    }

    @Test
    void shouldHaveAServiceSayWhyItCannotLogAndExit() throws Exception {
        Path logs = Files.createDirectory(base.resolve("logs"));
        Files.setPosixFilePermissions(logs, PosixFilePermissions.fromString("rwxrwxrwx"));
        Process service = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp", System.getProperty("java.class.path"), ServiceLoggingProbe.class.getName(), logs.toString())
            .redirectErrorStream(true).start();
        String output = new String(service.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        assertThat(service.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(service.exitValue()).as(output).isEqualTo(1);
        assertThat(output).isEqualTo("dragon: probe-service: log directory " + logs + " may be written by other users"
            + " (rwxrwxrwx): make it yours alone (chmod go-w " + logs + "), or choose another directory with"
            + " --log-dir\n");
        assertThat(logs).isEmptyDirectory();
    }

    /** A service's first step. */
    static final class ServiceLoggingProbe {
        public static void main(String[] args) {
            ServiceLogging.configureService(args[0], "probe-service", "INFO");
            System.out.println("logging to " + args[0]);
        }
    }

    private static String mode(Path dir) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS));
    }

    private static void assumeRoot() {
        Assumptions.assumeTrue(OwnUser.uid() == 0, "skipped: making another user's directory needs root");
    }

    private static Path giveAway(Path path) throws IOException {
        Files.setAttribute(path, "unix:uid", OTHER_UID, LinkOption.NOFOLLOW_LINKS);
        return path;
    }
}
