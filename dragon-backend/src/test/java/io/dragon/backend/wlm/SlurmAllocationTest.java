package io.dragon.backend.wlm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.dragon.backend.Executables;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reading the Slurm allocation from the environment, with a fake {@code scontrol} and, where installed, the real one.
 */
class SlurmAllocationTest {
    private static final long TIMEOUT_SECONDS = 30;

    @TempDir
    Path dir;

    @Test
    void shouldFindNoAllocationOutsideASlurmJob() {
        assertThat(SlurmAllocation.fromEnvironment(Map.of())).isEmpty();
        assertThat(SlurmAllocation.fromEnvironment(Map.of("SLURM_JOB_ID", " ", "SLURM_JOB_NODELIST", "n1")))
            .isEmpty();
    }

    @Test
    void shouldTellAnSrunStepFromTheJobsShellBatchScriptAndInteractiveStep() {
        assertThat(SlurmAllocation.srunStep(Map.of("SLURM_JOB_ID", "42", "SLURM_STEP_ID", "0"))).contains("42.0");
        assertThat(SlurmAllocation.srunStep(Map.of("SLURM_JOB_ID", "42", "SLURM_STEPID", "3"))).contains("42.3");
        assertThat(SlurmAllocation.srunStep(Map.of("SLURM_JOB_ID", "42"))).as("salloc's shell").isEmpty();
        assertThat(SlurmAllocation.srunStep(Map.of("SLURM_JOB_ID", "42", "SLURM_STEP_ID", "4294967291")))
            .as("the batch script's step").isEmpty();
        assertThat(SlurmAllocation.srunStep(Map.of("SLURM_JOB_ID", "42", "SLURM_STEP_ID", "4294967290")))
            .as("salloc's interactive step").isEmpty();
        assertThat(SlurmAllocation.srunStep(Map.of("SLURM_JOB_ID", "42", "SLURM_STEP_ID", "batch"))).isEmpty();
        assertThat(SlurmAllocation.srunStep(Map.of())).isEmpty();
    }

    @Test
    void shouldRefuseAJobThatNamesNoNodes() {
        assertThatThrownBy(() -> SlurmAllocation.fromEnvironment(Map.of("SLURM_JOB_ID", "42")))
            .isInstanceOf(IllegalStateException.class)
            .hasMessage("Slurm job 42 names no nodes (SLURM_JOB_NODELIST is not set)");
        assertThatThrownBy(() -> SlurmAllocation.fromEnvironment(Map.of("SLURM_JOB_ID", "42",
            "SLURM_JOB_NODELIST", ""))).hasMessageContaining("names no nodes");
    }

    @Test
    void shouldExpandTheNodeListWithScontrol() throws IOException {
        Path scontrol = fake("[ \"$1 $2\" = 'show hostnames' ] || exit 9\n"
            + "[ \"$3\" = 'node[1-3,5],other[01-02]' ] || exit 8\n"
            + "printf 'node1\\nnode2\\nnode3\\n\\nnode5\\n  other01 \\nother02\\n'");

        Optional<SlurmAllocation> allocation = read(Map.of("SLURM_JOB_ID", "7",
            "SLURM_JOB_NODELIST", "node[1-3,5],other[01-02]"), scontrol);

        assertThat(allocation).contains(new SlurmAllocation("7", List.of("node1", "node2", "node3", "node5",
            "other01", "other02")));
    }

    @Test
    void shouldFallBackOnTheOlderNodeListVariable() throws IOException {
        Path scontrol = fake("echo \"$3\"");

        assertThat(read(Map.of("SLURM_JOB_ID", "7", "SLURM_NODELIST", "n9"), scontrol).orElseThrow().hostnames())
            .containsExactly("n9");
    }

    @Test
    void shouldSayWhatScontrolSaidWhenItFails() throws IOException {
        Path scontrol = fake("echo 'scontrol: error: no config' >&2; exit 1");

        assertThatThrownBy(() -> read(Map.of("SLURM_JOB_ID", "7", "SLURM_JOB_NODELIST", "n[1-2]"), scontrol))
            .isInstanceOf(IllegalStateException.class)
            .hasMessage("scontrol show hostnames n[1-2] failed (exit code 1): scontrol: error: no config");
    }

    @Test
    void shouldRefuseAnEmptyExpansion() throws IOException {
        Path scontrol = fake("exit 0");

        assertThatThrownBy(() -> read(Map.of("SLURM_JOB_ID", "7", "SLURM_JOB_NODELIST", "n1"), scontrol))
            .hasMessage("scontrol show hostnames n1 failed (exit code 0): ");
    }

    @Test
    void shouldTakeNoErrorForHostnamesWhenScontrolExitsWithZero() throws IOException {
        // what Slurm 23's scontrol does with node[3-1]
        Path scontrol = fake("echo \"scontrol: error: _parse_single_range: Invalid range: \\`3-1'\" >&2\n"
            + "echo 'Invalid hostlist: node[3-1]'");

        assertThatThrownBy(() -> read(Map.of("SLURM_JOB_ID", "7", "SLURM_JOB_NODELIST", "node[3-1]"), scontrol))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageStartingWith("scontrol show hostnames node[3-1] failed (exit code 0): ")
            .hasMessageEndingWith("Invalid hostlist: node[3-1]");
    }

    @Test
    void shouldRefuseANodeListThatIsNoHostListBeforeRunningScontrol() throws IOException {
        Path scontrol = fake("echo ran > \"$(dirname \"$0\")/ran\"; echo n1");

        for (String nodeList : List.of("--help", "-a", "n1 n2", "n1;reboot", "$(id)", ",n1")) {
            assertThatThrownBy(() -> read(Map.of("SLURM_JOB_ID", "7", "SLURM_JOB_NODELIST", nodeList), scontrol))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("SLURM_JOB_NODELIST '" + nodeList + "' is not a Slurm host list (such as"
                    + " node[1-3,5],other01)");
        }
        assertThat(dir.resolve("ran")).doesNotExist();
    }

    @Test
    void shouldStopWaitingForAnScontrolThatDoesNotAnswer() throws IOException {
        Path scontrol = fake("exec sleep 60");

        assertThatThrownBy(() -> SlurmAllocation.fromEnvironment(Map.of("SLURM_JOB_ID", "7", "SLURM_JOB_NODELIST",
            "n1"), List.of(scontrol.toString()), 1))
            .isInstanceOf(IllegalStateException.class)
            .hasMessage("scontrol show hostnames n1 did not answer within 1 s");
    }

    @Test
    void shouldSayWhenScontrolIsMissing() {
        assertThatThrownBy(() -> read(Map.of("SLURM_JOB_ID", "7", "SLURM_JOB_NODELIST", "n1"),
            dir.resolve("no-scontrol")))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageStartingWith("cannot run scontrol to expand the job's node list n1: ")
            .hasMessageEndingWith("(is Slurm's scontrol on PATH?)");
    }

    @Test
    void shouldHandOutTheFirstNodesOrSayHowManyThereAre() {
        SlurmAllocation allocation = new SlurmAllocation("7", List.of("a", "b", "c"));

        assertThat(allocation.first(2)).containsExactly("a", "b");
        assertThat(allocation.first(3)).containsExactly("a", "b", "c");
        assertThatThrownBy(() -> allocation.first(4)).isInstanceOf(IllegalArgumentException.class)
            .hasMessage("-N 4 asks for more nodes than Slurm job 7 has: 3 (a,b,c)");
        assertThatThrownBy(() -> allocation.first(0)).hasMessage("-N 0 asks for no nodes");
    }

    @Test
    void shouldExpandWithTheRealScontrol() throws IOException {
        List<String> scontrol = realScontrol();

        assertThat(SlurmAllocation.fromEnvironment(Map.of("SLURM_JOB_ID", "7", "SLURM_JOB_NODELIST",
            "node[1-3,5],other[01-02]"), scontrol, TIMEOUT_SECONDS).orElseThrow().hostnames())
            .containsExactly("node1", "node2", "node3", "node5", "other01", "other02");
    }

    @Test
    void shouldRefuseHostListsTheRealScontrolCannotExpand() throws IOException {
        List<String> scontrol = realScontrol();

        for (String nodeList : List.of("node[3-1]", "node[1-", "node[1-100000000]")) {
            assertThatThrownBy(() -> SlurmAllocation.fromEnvironment(Map.of("SLURM_JOB_ID", "7",
                "SLURM_JOB_NODELIST", nodeList), scontrol, TIMEOUT_SECONDS))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("scontrol show hostnames " + nodeList + " failed");
        }
    }

    private Optional<SlurmAllocation> read(Map<String, String> env, Path scontrol) {
        return SlurmAllocation.fromEnvironment(env, List.of(scontrol.toString()), TIMEOUT_SECONDS);
    }

    /** An executable script standing in for scontrol. */
    private Path fake(String body) throws IOException {
        Path script = dir.resolve("scontrol");
        Files.writeString(script, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return script;
    }

    /**
     * Slurm's own scontrol, with a minimal configuration of its own: expanding a host list needs no cluster, but
     * scontrol reads a configuration first.
     */
    private List<String> realScontrol() throws IOException {
        Optional<String> scontrol = Executables.find("scontrol", System.getenv("PATH")).path();
        assumeTrue(scontrol.isPresent(), "Slurm's scontrol is not installed");
        Path conf = dir.resolve("slurm.conf");
        Files.writeString(conf, "ClusterName=test\nSlurmctldHost=localhost\nNodeName=n1\nPartitionName=p Nodes=n1\n");
        return List.of("env", "SLURM_CONF=" + conf, scontrol.get());
    }
}
