package io.dragon.it.api;

import io.dragon.DragonException;
import io.dragon.Gpu;
import io.dragon.Machine;
import io.dragon.Node;
import io.dragon.Policy;
import io.dragon.Pool;
import io.dragon.Process;
import io.dragon.ProcessGroup;
import io.dragon.ProcessTemplate;
import io.dragon.Queue;
import io.dragon.core.infrastructure.HostId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Policies with real processes on one node (run by UserApiIT with {@code DRAGON_GPUS=nvidia:2}, so that the node
 * has two fake NVIDIA GPUs): CPU affinity as the kernel reports it in /proc/PID/status, the GPU variable, for a
 * Process, the members of a ProcessGroup and the workers of a Pool; and clear refusals of cores and GPUs the node
 * does not have.
 */
public final class PolicyChecks extends Checks {
    public static void main(String[] args) {
        new PolicyChecks().run();
    }

    private void run() {
        Node here = Machine.current().here();
        String own = cpusAllowed();
        int core = Integer.parseInt(own.substring(Math.max(own.lastIndexOf('-'), own.lastIndexOf(',')) + 1));
        String confined = "cores " + core + ", 1 processor, CUDA_VISIBLE_DEVICES=1";
        Policy policy = Policy.local().withCpus(core).withGpus(1);
        check("the node reports the GPUs DRAGON_GPUS declares", () -> expectEquals(List.of(Gpu.Vendor.NVIDIA,
            Gpu.Vendor.NVIDIA), here.gpus().stream().map(Gpu::vendor).toList(), "vendors of " + here.gpus()));
        check("a process runs on its policy's core and sees its GPU, over its template's variable", () -> {
            Queue<String> seen = Queue.create(2);
            Process process = ProcessTemplate.of(() -> putQuietly(seen, confinement()))
                .withEnv("CUDA_VISIBLE_DEVICES", "0").withPolicy(policy).start();
            expectEquals(0, process.join(), "exit code");
            expectEquals(confined, seen.take(), "what the process saw");
            expectEquals(HostId.hostname(), process.hostname(), "host of a process placed locally");
            seen.destroy();
        });
        check("every member of a group runs as its policy says", () -> {
            Queue<String> seen = Queue.create(4);
            try (ProcessGroup group = new ProcessGroup()) {
                group.add(ProcessTemplate.of(() -> putQuietly(seen, confinement())).withPolicy(policy), 3).start();
                expect(group.join(), "every member to exit with 0: " + group.members());
            }
            for (int i = 0; i < 3; i++) {
                expectEquals(confined, seen.take(), "what member " + i + " saw");
            }
            seen.destroy();
        });
        check("every worker of a pool runs as its policy says", () -> {
            try (Pool pool = Pool.create(2, policy)) {
                List<String> results = pool.map(i -> confinement(), List.of(1, 2, 3, 4, 5, 6));
                expectEquals(List.of(confined), results.stream().distinct().toList(), "what the workers saw");
            }
        });
        check("cores the node does not have are refused, naming the node and its cores", () -> {
            DragonException refused = expectThrows(DragonException.class, () -> ProcessTemplate.of(() -> { })
                .withPolicy(Policy.local().withCpus(4096)).start());
            expect(refused.getMessage().contains("node " + here.index() + " (" + here.hostname() + ") has cores 0-")
                && refused.getMessage().contains("of which 4096 it does not have"), "the node and its cores in: "
                + refused.getMessage());
        });
        check("GPUs the node does not have are refused, naming the node and its GPUs", () -> {
            DragonException refused = expectThrows(DragonException.class, () -> ProcessTemplate.of(() -> { })
                .withPolicy(Policy.local().withGpus(0, 2)).start());
            expect(refused.getMessage().contains("node " + here.index() + " (" + here.hostname() + ") has NVIDIA"
                + " GPUs 0, 1; the policy asks for GPUs [0, 2], of which [2] it does not have"), "the node and its"
                + " GPUs in: " + refused.getMessage());
        });
        finish();
    }

    /** This process's cores (as the kernel lists them), processors (as the JVM counts them) and visible GPUs. */
    static String confinement() {
        int processors = Runtime.getRuntime().availableProcessors();
        return "cores " + cpusAllowed() + ", " + processors + " processor" + (processors == 1 ? "" : "s")
            + ", CUDA_VISIBLE_DEVICES=" + System.getenv("CUDA_VISIBLE_DEVICES");
    }

    /** The cores this process may run on, as /proc/self/status lists them: {@code 0-3,6}. */
    static String cpusAllowed() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(line -> line.startsWith("Cpus_allowed_list:")).findFirst().orElseThrow()
                .substring("Cpus_allowed_list:".length()).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
