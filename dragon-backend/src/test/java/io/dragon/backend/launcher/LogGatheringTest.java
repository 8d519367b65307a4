package io.dragon.backend.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.dragon.core.messages.Message;
import io.dragon.core.messages.MessageCodec;
import io.dragon.core.messages.Messages.BELogs;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node's log files travel to the frontend in pieces and are appended there to files of the same names; a name
 * that is not a service's log file is dropped; nodes that did not send all their files are named on stderr.
 */
class LogGatheringTest {
    @TempDir
    Path node;
    @TempDir
    Path gathered;

    @Test
    void shouldCarryEveryFileWholeInPiecesAndEndWithTheNodesLast() throws IOException {
        byte[] big = new byte[2 * LogGathering.PIECE_BYTES + 17];
        new Random(42).nextBytes(big);
        Path backend = Files.write(node.resolve("backend-node1.log"), big);
        Path services = Files.writeString(node.resolve("local-services-node1.log"), "up\n");
        Files.writeString(gathered.resolve("local-services-node1.log"), "an earlier run\n");
        List<Message> sent = new ArrayList<>();

        LogGathering.send(message -> sent.add(MessageCodec.decode(MessageCodec.encode(message))), "node1",
            List.of(backend, services, node.resolve("gone.log")));
        LogGathering gathering = new LogGathering(gathered);
        sent.forEach(message -> gathering.accept((BELogs) message));
        String stderr = finish(gathering, List.of("node1"));

        assertThat(sent).hasSize(3 + 1 + 1 + 1).allMatch(m -> ((BELogs) m).data().length <= LogGathering.PIECE_BYTES);
        assertThat(((BELogs) sent.get(sent.size() - 1)).last()).isTrue();
        assertThat(Files.readAllBytes(gathered.resolve("backend-node1.log"))).isEqualTo(big);
        assertThat(gathered.resolve("local-services-node1.log")).hasContent("an earlier run\nup");
        assertThat(gathered.resolve("gone.log")).content().startsWith("\n[dragon: the rest of this file could not"
            + " be read on node1: java.nio.file.NoSuchFileException");
        assertThat(stderr).isEmpty();
    }

    @Test
    void shouldSendOnlyTheEndOfWhatPassesTheNodesBudgetAndTakeNoMoreThanItsShare() throws IOException {
        Path first = Files.writeString(node.resolve("backend-node1.log"), "0123456789");
        Path second = Files.writeString(node.resolve("local-services-node1.log"), "abcdefghij");
        List<Message> sent = new ArrayList<>();

        LogGathering.send(message -> sent.add(MessageCodec.decode(MessageCodec.encode(message))), "node1",
            List.of(first, second), 14);
        LogGathering gathering = new LogGathering(gathered);
        sent.forEach(message -> gathering.accept((BELogs) message));

        assertThat(gathered.resolve("backend-node1.log")).hasContent("0123456789");
        assertThat(gathered.resolve("local-services-node1.log")).hasContent("[dragon: the first 6 bytes of this file"
            + " stay in " + second + " on node1: a node sends at most 0 MiB of logs]\nghij");
        assertThat(finish(gathering, List.of("node1"))).isEmpty();

        LogGathering flooded = new LogGathering(gathered.resolve("flooded"));
        Files.createDirectory(gathered.resolve("flooded"));
        byte[] piece = new byte[LogGathering.PIECE_BYTES];
        for (long n = 0; n <= LogGathering.NODE_BYTES / piece.length + 1; n++) {
            flooded.accept(new BELogs(0, "node2", "backend-node2.log", piece, false));
        }
        flooded.accept(new BELogs(0, "node2", "", new byte[0], true));
        assertThat(gathered.resolve("flooded/backend-node2.log")).hasSize(LogGathering.NODE_BYTES);
        assertThat(finish(flooded, List.of("node2"))).contains("the logs of node2 are not all in").contains(
            "it sent more than the 16 MiB a node may");
    }

    @Test
    void shouldDropFilesNamedLikePathsHiddenFilesOrTheFrontendsOwn() throws IOException {
        LogGathering gathering = new LogGathering(gathered.resolve("logs"));
        Files.createDirectory(gathered.resolve("logs"));
        for (String name : List.of("../escape.log", "/etc/x.log", ".hidden.log", "launcher.log", "cleanup.log",
            "notes.txt", "")) {
            gathering.accept(new BELogs(0, "node2", name, "x".getBytes(StandardCharsets.UTF_8), false));
        }
        gathering.accept(new BELogs(0, "node2", "", new byte[0], true));

        assertThat(finish(gathering, List.of("node2"))).isEmpty();
        try (var files = Files.list(gathered)) {
            assertThat(files.map(f -> f.getFileName().toString())).containsExactly("logs");
        }
        assertThat(gathered.resolve("logs")).isEmptyDirectory();
    }

    @Test
    void shouldNameTheNodesWhoseLogsDidNotAllCome() {
        LogGathering gathering = new LogGathering(gathered);
        gathering.accept(new BELogs(0, "node1", "backend-node1.log", new byte[] {'a'}, false));
        gathering.accept(new BELogs(0, "node1", "", new byte[0], true));
        gathering.accept(new BELogs(0, "node3", "backend-node3.log", new byte[] {'b'}, false));

        String stderr = finish(gathering, List.of("node1", "node2", "node3"));

        assertThat(stderr).isEqualTo("dragon: the logs of node2, node3 could not be gathered into " + gathered
            + " (node lost or gone): they stay in /tmp/n on those nodes\n");
        assertThat(finish(gathering, List.of("node1", "node2", "node3"))).as("said once").isEmpty();
    }

    @Test
    void shouldDropPiecesWithMissingFieldsAndGoOn() throws IOException {
        LogGathering gathering = new LogGathering(gathered);
        gathering.accept(new BELogs(0, null, "backend-node2.log", new byte[] {'a'}, false));
        gathering.accept(new BELogs(0, "node2", null, new byte[] {'a'}, false));
        gathering.accept(new BELogs(0, "node2", "backend-node2.log", null, false));
        gathering.accept(new BELogs(0, null, "", new byte[0], true));
        gathering.accept(new BELogs(0, "node2", "backend-node2.log", new byte[] {'b'}, false));
        gathering.accept(new BELogs(0, "node2", "", null, true));

        assertThat(finish(gathering, List.of("node2"))).isEmpty();
        assertThat(gathered.resolve("backend-node2.log")).hasContent("b");
    }

    @Test
    void shouldHoldNoFileOpenBetweenPiecesNorAfterFinishing() throws IOException {
        LogGathering gathering = new LogGathering(gathered);
        long before = openFiles();
        for (int i = 0; i < 50; i++) {
            gathering.accept(new BELogs(0, "node2", "many-" + i + ".log", new byte[] {'a'}, false));
        }
        assertThat(openFiles()).as("open descriptors while gathering").isLessThan(before + 10);
        finish(gathering, List.of("node2"));
        gathering.accept(new BELogs(0, "node2", "late.log", new byte[] {'c'}, false));

        assertThat(openFiles()).as("open descriptors after a piece that came after finish").isLessThan(before + 10);
        assertThat(gathered.resolve("late.log")).hasContent("c");
    }

    private static long openFiles() throws IOException {
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    /** {@link LogGathering#finish}, returning what it said on stderr. */
    private static String finish(LogGathering gathering, List<String> hosts) {
        PrintStream stderr = System.err;
        ByteArrayOutputStream said = new ByteArrayOutputStream();
        System.setErr(new PrintStream(said, true, StandardCharsets.UTF_8));
        try {
            gathering.finish(hosts, Path.of("/tmp/n"));
        } finally {
            System.setErr(stderr);
        }
        return said.toString(StandardCharsets.UTF_8);
    }
}
