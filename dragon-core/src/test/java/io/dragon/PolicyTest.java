package io.dragon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

class PolicyTest {
    private static final List<Node> NODES = List.of(new Node(0, "n0", 2, List.of()), new Node(1, "n1", 3, List.of()),
        new Node(2, "n2", 1, List.of()));

    @Test
    void withersKeepTheRestAndLeaveTheOriginalAsItWas() {
        Policy base = Policy.node(1);
        Policy full = base.withCpus(3, 1).withGpus(0).withDistribution(Policy.Distribution.BLOCK);
        assertThat(full.cpus()).containsExactly(3, 1);
        assertThat(full.gpus()).containsExactly(0);
        assertThat(full.distribution()).isEqualTo(Policy.Distribution.BLOCK);
        assertThat(full.nodeIndex()).isEqualTo(1);
        assertThat(base.cpus()).isEmpty();
        assertThat(base.distribution()).isEqualTo(Policy.Distribution.ROUND_ROBIN);
        assertThat(full).hasToString("node 1, block, cpus [3, 1], gpus [0]");
        assertThat(Policy.anywhere()).hasToString("anywhere");
        assertThat(Policy.local()).hasToString("local");
        assertThat(Policy.host("h").withCpus()).isEqualTo(Policy.host("h")).hasToString("host h");
    }

    @Test
    void refusesNegativeAndRepeatedCoresAndGpus() {
        assertThatThrownBy(() -> Policy.anywhere().withCpus(0, -1)).isInstanceOf(IllegalArgumentException.class)
            .hasMessage("a CPU core is at least 0, got -1");
        assertThatThrownBy(() -> Policy.anywhere().withGpus(1, 1)).isInstanceOf(IllegalArgumentException.class)
            .hasMessage("GPU index 1 is named twice");
    }

    @Test
    void placesObjectsByPlacementOnlyAndRefusesCpusAndGpus() {
        assertThat(Policy.anywhere().withDistribution(Policy.Distribution.BLOCK).objectNode()).as("the creator's")
            .isEqualTo(-1);
        assertThat(Policy.anywhere().defaultPool()).isZero();
        for (Policy affine : List.of(Policy.node(1).withCpus(0), Policy.anywhere().withGpus(0))) {
            assertThatThrownBy(affine::objectNode).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("(" + affine + ") has CPUs or GPUs").hasMessageContaining("only a policy's"
                    + " placement applies");
            assertThatThrownBy(affine::defaultPool).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void travelsSerializedAndStaysEqual() throws Exception {
        Policy policy = Policy.host("nid1").withCpus(0, 2).withGpus(1).withDistribution(Policy.Distribution.BLOCK);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(policy);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            Policy copy = (Policy) in.readObject();
            assertThat(copy).isEqualTo(policy).hasSameHashCodeAs(policy);
            assertThat(copy.cpus()).containsExactly(0, 2);
        }
    }

    @Test
    void blockFillsEachNodeUpToItsCpusThenStartsOver() {
        assertThat(Policy.blockNodes(4, NODES)).containsExactly(0, 0, 1, 1);
        assertThat(Policy.blockNodes(8, NODES)).containsExactly(0, 0, 1, 1, 1, 2, 0, 0);
        assertThat(Policy.blockNodes(0, NODES)).isEmpty();
    }

    @Test
    void roundRobinAndPlacementsOnOneNodeSpreadNothingThemselves() {
        Policy onNode = Policy.node(2).withDistribution(Policy.Distribution.BLOCK).withCpus(1);
        assertThat(onNode.spread(3)).containsExactly(onNode, onNode, onNode);
        assertThat(Policy.anywhere().spread(2)).containsExactly(Policy.anywhere(), Policy.anywhere());
        assertThatThrownBy(() -> Policy.anywhere().spread(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void countsTheMostProcessesOnOneNodeForTheirHeaps() {
        assertThat(Policy.mostOnOneNode(Policy.anywhere().spread(5))).as("round-robin").isZero();
        assertThat(Policy.mostOnOneNode(Policy.local().spread(5))).isEqualTo(5);
        assertThat(Policy.mostOnOneNode(Policy.node(1).spread(3))).isEqualTo(3);
        List<Policy> blocks = List.of(Policy.node(0), Policy.node(0), Policy.node(1), Policy.node(1), Policy.node(1),
            Policy.node(2));
        assertThat(Policy.mostOnOneNode(blocks)).isEqualTo(3);
        assertThat(Policy.mostOnOneNode(List.of())).isZero();
    }
}
