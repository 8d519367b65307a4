package io.dragon.core.shm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class CpuAffinityTest {
    @Test
    void aChildStartedConfinedKeepsTheCoresAndTheStarterGetsItsOwnBack() throws Exception {
        BitSet own = CpuAffinity.ofThisThread();
        int last = own.previousSetBit(own.length());
        java.lang.Process child = CpuAffinity.confined(List.of(last), "this node",
            () -> new ProcessBuilder("sleep", "30").start());
        try {
            assertThat(cpusAllowed(child.pid())).isEqualTo(Integer.toString(last));
            assertThat(CpuAffinity.ofThisThread()).isEqualTo(own);
            assertThat(cpusAllowed(ProcessHandle.current().pid())).isEqualTo(CpuAffinity.ranges(own));
        } finally {
            child.destroyForcibly().waitFor();
        }
    }

    @Test
    void refusesCoresTheThreadMayNotUseNamingTheNodeAndItsCores() {
        BitSet own = CpuAffinity.ofThisThread();
        int absent = own.length() + 3;
        assertThatThrownBy(() -> CpuAffinity.confined(List.of(absent), "node 0 (n0)", () -> null))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("node 0 (n0) has cores " + CpuAffinity.ranges(own) + " for the runtime; the policy asks for"
                + " cores [" + absent + "], of which " + absent + " it does not have");
        assertThat(CpuAffinity.ofThisThread()).isEqualTo(own);
    }

    @Test
    void refusesACoreFarBeyondTheMachineOrNegativeWithoutAllocatingForIt() {
        BitSet own = CpuAffinity.ofThisThread();
        com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        int far = Integer.MAX_VALUE - 1;
        long before = threads.getCurrentThreadAllocatedBytes();

        assertThatThrownBy(() -> CpuAffinity.confined(List.of(far), "node 0 (n0)", () -> null))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("node 0 (n0) has cores " + CpuAffinity.ranges(own) + " for the runtime; the policy asks for"
                + " cores [" + far + "], of which " + far + " it does not have");
        assertThat(threads.getCurrentThreadAllocatedBytes() - before).as("bytes allocated").isLessThan(1 << 20);
        assertThatThrownBy(() -> CpuAffinity.confined(List.of(-1), "node 0 (n0)", () -> null))
            .isInstanceOf(IllegalArgumentException.class).hasMessageEndingWith("of which -1 it does not have");
        assertThat(CpuAffinity.ofThisThread()).isEqualTo(own);
    }

    @Test
    void noCoresStartsAsItIs() {
        assertThat(CpuAffinity.confined(List.of(), "n", () -> "started")).isEqualTo("started");
    }

    @Test
    void showsCoresAsRanges() {
        BitSet cores = new BitSet();
        for (int core : new int[] {0, 1, 2, 3, 8, 10, 11}) {
            cores.set(core);
        }
        assertThat(CpuAffinity.ranges(cores)).isEqualTo("0-3,8,10-11");
        assertThat(CpuAffinity.ranges(new BitSet())).isEmpty();
    }

    /** The kernel's Cpus_allowed_list of process {@code pid}. */
    static String cpusAllowed(long pid) throws IOException {
        return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
            .filter(line -> line.startsWith("Cpus_allowed_list:")).findFirst().orElseThrow()
            .substring("Cpus_allowed_list:".length()).trim();
    }
}
