package io.dragon.core.infrastructure;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A Pool's workers share their node's memory (Slurm's grant, else the machine's) unless their options say. */
class HeapSizingTest {
    private static final long GIB = 1L << 30;

    @Test
    void shouldShareSlurmsGrantPerNodeAmongTheWorkersOfEachNode() {
        // 3 nodes of 12 GiB, 7 workers: at most 3 on a node, 4 GiB each, 3 GiB of heap
        assertThat(HeapSizing.workerMaxHeap(List.of(), Map.of("SLURM_MEM_PER_NODE", "12288", "DRAGON_NODE_COUNT",
            "3"), 256 * GIB, 7, 0)).contains("-Xmx3072m");
        // the same 7 placed on one node by their policy: 12 GiB / 7 each, 75% of it
        assertThat(HeapSizing.workerMaxHeap(List.of(), Map.of("SLURM_MEM_PER_NODE", "12288", "DRAGON_NODE_COUNT",
            "3"), 256 * GIB, 7, 7)).contains("-Xmx" + (12288 / 7 * 3 / 4) + "m");
    }

    @Test
    void shouldTakeTheGrantPerCpuTimesTheNodesCpusWithoutAGrantPerNode() {
        assertThat(HeapSizing.grantedBytes(Map.of("SLURM_MEM_PER_CPU", "2000", "SLURM_CPUS_ON_NODE", "8")))
            .isEqualTo(OptionalLong.of(16000L << 20));
        assertThat(HeapSizing.workerMaxHeap(List.of("-XX:+UseZGC"), Map.of("SLURM_MEM_PER_CPU", "1024",
            "SLURM_CPUS_ON_NODE", "4"), 256 * GIB, 4, 0)).contains("-Xmx768m");
    }

    @Test
    void shouldTakeTheMachinesMemoryOutsideSlurmOrWithAllOfTheNode() {
        assertThat(HeapSizing.grantedBytes(Map.of())).isEmpty();
        assertThat(HeapSizing.grantedBytes(Map.of("SLURM_MEM_PER_NODE", "0"))).as("--mem=0").isEmpty();
        assertThat(HeapSizing.grantedBytes(Map.of("SLURM_MEM_PER_CPU", "100"))).as("no CPU count").isEmpty();
        assertThat(HeapSizing.grantedBytes(Map.of("SLURM_MEM_PER_NODE", "12G"))).as("not a number").isEmpty();
        assertThat(HeapSizing.workerMaxHeap(List.of(), Map.of(), 16 * GIB, 4, 0)).contains("-Xmx3072m");
    }

    @Test
    void shouldGiveEveryWorkerAtLeastTheLeastHeapItCanStartWith() {
        assertThat(HeapSizing.maxHeapBytes(GIB, 1000)).isEqualTo(HeapSizing.MIN_HEAP_BYTES);
        assertThat(HeapSizing.maxHeapBytes(GIB, 0)).as("no worker counted").isEqualTo(GIB * 75 / 100);
    }

    @ParameterizedTest
    @ValueSource(strings = {"-Xmx2g", "-Xms512m", "-XX:MaxHeapSize=1g", "-XX:MaxRAMPercentage=50",
        "-XX:MaxRAM=8g", "-XX:InitialRAMPercentage=10", "-XX:MinRAMPercentage=30", "-XX:MaxRAMFraction=2"})
    void shouldLeaveTheHeapToOptionsThatSizeIt(String option) {
        assertThat(HeapSizing.workerMaxHeap(List.of("-Dx=1", option), Map.of("SLURM_MEM_PER_NODE", "1000"), GIB,
            2, 0)).isEmpty();
        assertThat(HeapSizing.workerMaxHeap(List.of(), Map.of("JDK_JAVA_OPTIONS", " -Da=b " + option), GIB, 2, 0))
            .as("in JDK_JAVA_OPTIONS").isEmpty();
        assertThat(HeapSizing.workerMaxHeap(List.of(), Map.of("JAVA_TOOL_OPTIONS", option), GIB, 2, 0))
            .as("in JAVA_TOOL_OPTIONS").isEmpty();
    }
}
