package io.dragon.backend.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The srun command lines of a multi-node runtime (SlurmClusterIT runs them on the test cluster). */
class SlurmRuntimeTest {
    @Test
    void shouldNameTheStepAfterTheRuntimeForSqueueAndSacct() {
        List<String> command = SlurmRuntime.srun(List.of("node1", "node2"), 2, SlurmRuntime.stepName("r42abc"));

        assertThat(command).startsWith("srun", "--job-name=dragon-r42abc").contains("--nodes=2", "--ntasks=2",
            "--ntasks-per-node=1", "--overlap", "--whole");
    }

    @Test
    void shouldNameTheNodesOnlyForPartOfTheAllocationSinceSomeSitesRefuseNodelist() {
        assertThat(SlurmRuntime.srun(List.of("node1", "node2", "node3"), 3, "s")).noneMatch(
            option -> option.startsWith("--nodelist"));
        assertThat(SlurmRuntime.srun(List.of("node1", "node2"), 3, "s")).contains("--nodelist=node1,node2");
    }
}
