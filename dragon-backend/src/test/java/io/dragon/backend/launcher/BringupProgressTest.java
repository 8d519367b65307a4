package io.dragon.backend.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What a slow bringup says and when, on a clock the test moves and with nodes the test makes join; and that -q
 * keeps it (and the summary lines) off stderr.
 */
class BringupProgressTest {
    private static final List<String> HOSTS = List.of("node1", "node2", "node3", "node4", "node5", "node6", "node7",
        "node8");

    private long now = 1_000_000_000_000L;
    private final List<String> lines = new ArrayList<>();
    private final Set<Integer> joined = new TreeSet<>();
    private int asked;

    @Test
    void shouldSayNothingWithinTwoSeconds() {
        BringupProgress progress = progress();

        for (int ms = 100; ms < BringupProgress.QUIET_MS; ms += 100) {
            waitMillis(progress, 100);
        }

        assertThat(lines).isEmpty();
        assertThat(asked).as("status lines built").isZero();
        waitMillis(progress, 100);
        assertThat(lines).hasSize(1);
    }

    @Test
    void shouldSayWhoJoinedAndWhoNotAfterTwoSecondsThenEveryThree() {
        BringupProgress progress = progress();
        joined.addAll(List.of(0, 1, 3, 4, 5));

        waitMillis(progress, 2_000);
        assertThat(lines).containsExactly(
            "waiting for nodes to join: 5 of 8 joined, still waiting for node3, node7, node8 (2 s)");

        joined.add(2);
        for (int ms = 0; ms < BringupProgress.PERIOD_MS - 100; ms += 100) {
            waitMillis(progress, 100);
        }
        assertThat(lines).hasSize(1);
        waitMillis(progress, 100);
        waitMillis(progress, 100);
        assertThat(lines).hasSize(2).last().isEqualTo(
            "waiting for nodes to join: 6 of 8 joined, still waiting for node7, node8 (5 s)");
        assertThat(asked).isEqualTo(2);
    }

    @Test
    void shouldCountTheTimeBetweenLinesFromTheLastLine() {
        BringupProgress progress = progress();

        waitMillis(progress, 2_700); // the first line is late: the launcher was busy
        waitMillis(progress, 2_900);
        waitMillis(progress, 100);

        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).endsWith("(2 s)");
        assertThat(lines.get(1)).endsWith("(5 s)");
    }

    @Test
    void shouldSayNothingOnStderrWhenQuietButLogIt() {
        PrintStream stderr = System.err;
        ByteArrayOutputStream said = new ByteArrayOutputStream();
        System.setErr(new PrintStream(said, true, StandardCharsets.UTF_8));
        try {
            Console.summary("waiting for Global Services (2 s)", true);
            Console.summary("runtime r1 up on host in 2500 ms", false);
        } finally {
            System.setErr(stderr);
        }

        // (Log4j may complain on stderr too, the first time, of having no configuration in this test)
        assertThat(said.toString(StandardCharsets.UTF_8).lines().filter(line -> line.startsWith("dragon: ")))
            .containsExactly("dragon: runtime r1 up on host in 2500 ms");
    }

    @Test
    void shouldNameTheFirstEightNodesMissingAndCountTheOthers() {
        List<String> hosts = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            hosts.add("n" + i);
        }

        assertThat(BringupProgress.nodes("waiting for nodes to start Local Services", hosts, Set.of(0, 2, 4, 6),
            "up")).isEqualTo("waiting for nodes to start Local Services: 4 of 20 up, still waiting for n1, n3, n5,"
                + " n7, n8, n9, n10, n11 and 8 more");
        assertThat(BringupProgress.nodes("waiting for nodes to join", hosts.subList(0, 9), Set.of(0), "joined"))
            .isEqualTo("waiting for nodes to join: 1 of 9 joined, still waiting for n1, n2, n3, n4, n5, n6, n7, n8");
        assertThat(BringupProgress.nodes("waiting for nodes to join", hosts.subList(0, 2), Set.of(), "joined"))
            .isEqualTo("waiting for nodes to join: 0 of 2 joined, still waiting for n0, n1");
    }

    private BringupProgress progress() {
        return new BringupProgress(() -> now, lines::add);
    }

    /** The launcher waits {@code millis}, then looks up. */
    private void waitMillis(BringupProgress progress, long millis) {
        now += TimeUnit.MILLISECONDS.toNanos(millis);
        progress.waiting(() -> {
            asked++;
            return BringupProgress.nodes("waiting for nodes to join", HOSTS, joined, "joined");
        });
    }
}
