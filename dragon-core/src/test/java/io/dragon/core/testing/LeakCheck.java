package io.dragon.core.testing;

import io.dragon.core.shm.SharedMemory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * After all tests of a class ({@code @ExtendWith(LeakCheck.class)}), fails the class if this JVM left a test
 * shared-memory segment in /dev/shm or a child process alive, and then removes what it found so that one leak does
 * not fail every later class.
 *
 * <p>Test segments are those of runtime ids {@code t<pid>...} ({@link ChildJvm#uniqueRuntimeId()}, or plain
 * {@code "t" + pid}): only this JVM's are checked, since other test runs may share the machine.
 */
public final class LeakCheck implements AfterAllCallback {
    private static final Path SHM = Path.of("/dev/shm");
    /** How long children closed at the end of a test get to disappear. */
    private static final long CHILD_GRACE_MILLIS = 5_000;

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        List<String> leaks = new ArrayList<>();
        for (String segment : leakedSegments()) {
            leaks.add("shared-memory segment /dev/shm/" + segment);
            SharedMemory.unlink("/" + segment);
        }
        for (ProcessHandle child : liveChildren()) {
            leaks.add("child process " + child.pid() + " " + child.info().commandLine().orElse(""));
            child.descendants().forEach(ProcessHandle::destroyForcibly);
            child.destroyForcibly();
        }
        if (!leaks.isEmpty()) {
            throw new AssertionError(context.getDisplayName() + " leaked (now cleaned up):\n  "
                + String.join("\n  ", leaks));
        }
    }

    /** Names (without a leading slash) of this JVM's test segments still in /dev/shm. */
    public static List<String> leakedSegments() {
        Pattern mine = Pattern.compile("dragon-t" + ProcessHandle.current().pid() + "[^0-9].*");
        try (Stream<Path> entries = Files.list(SHM)) {
            return entries.map(p -> p.getFileName().toString()).filter(n -> mine.matcher(n).matches()).sorted()
                .collect(Collectors.toList());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + SHM, e);
        }
    }

    /** Children of this JVM still alive after a short grace period. */
    public static List<ProcessHandle> liveChildren() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CHILD_GRACE_MILLIS);
        List<ProcessHandle> alive;
        do {
            alive = ProcessHandle.current().children().filter(ProcessHandle::isAlive).collect(Collectors.toList());
            if (alive.isEmpty()) {
                break;
            }
            Thread.sleep(20);
        } while (System.nanoTime() - deadline < 0);
        return alive;
    }
}
