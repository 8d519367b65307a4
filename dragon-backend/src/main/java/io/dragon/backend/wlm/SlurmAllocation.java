package io.dragon.backend.wlm;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The Slurm allocation the launcher runs in: the job's id and its nodes' hostnames, read from the environment
 * (SLURM_JOB_ID, SLURM_JOB_NODELIST) and expanded by {@code scontrol show hostnames}, as Slurm's own tools do.
 */
public record SlurmAllocation(String jobId, List<String> hostnames) {
    private static final long SCONTROL_TIMEOUT_SECONDS = 30;

    public SlurmAllocation {
        hostnames = List.copyOf(hostnames);
    }

    /**
     * The allocation of the job named in {@code env}, or empty outside a Slurm job.
     *
     * @throws IllegalStateException naming what failed if the node list cannot be read
     */
    public static Optional<SlurmAllocation> fromEnvironment(Map<String, String> env) {
        return fromEnvironment(env, List.of("scontrol"), SCONTROL_TIMEOUT_SECONDS);
    }

    /** {@link #fromEnvironment(Map)} with another {@code scontrol} command, and its timeout (tests' fakes). */
    static Optional<SlurmAllocation> fromEnvironment(Map<String, String> env, List<String> scontrol,
                                                     long timeoutSeconds) {
        String jobId = env.get("SLURM_JOB_ID");
        if (jobId == null || jobId.isBlank()) {
            return Optional.empty();
        }
        String nodeList = env.getOrDefault("SLURM_JOB_NODELIST", env.get("SLURM_NODELIST"));
        if (nodeList == null || nodeList.isBlank()) {
            throw new IllegalStateException("Slurm job " + jobId + " names no nodes (SLURM_JOB_NODELIST is not set)");
        }
        return Optional.of(new SlurmAllocation(jobId, expand(nodeList, scontrol, timeoutSeconds)));
    }

    /**
     * The first {@code count} nodes of the allocation.
     *
     * @throws IllegalArgumentException if the allocation has fewer
     */
    public List<String> first(int count) {
        if (count < 1 || count > hostnames.size()) {
            throw new IllegalArgumentException("-N " + count + " asks for " + (count < 1 ? "no" : "more") + " nodes"
                + (count < 1 ? "" : " than Slurm job " + jobId + " has: " + hostnames.size() + " ("
                    + String.join(",", hostnames) + ")"));
        }
        return hostnames.subList(0, count);
    }

    private static List<String> expand(String nodeList, List<String> scontrol, long timeoutSeconds) {
        List<String> command = new ArrayList<>(scontrol);
        command.addAll(List.of("show", "hostnames", nodeList));
        ProcessBuilder builder = new ProcessBuilder(command)
            .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        try {
            Process process = builder.start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("scontrol show hostnames " + nodeList + " did not answer within "
                    + timeoutSeconds + " s");
            }
            List<String> hostnames = output.lines().map(String::trim).filter(line -> !line.isEmpty()).toList();
            if (process.exitValue() != 0 || hostnames.isEmpty()) {
                throw new IllegalStateException("scontrol show hostnames " + nodeList + " failed (exit code "
                    + process.exitValue() + "): " + output.trim());
            }
            return hostnames;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run scontrol to expand the job's node list " + nodeList + ": "
                + e.getMessage() + " (is Slurm's scontrol on PATH?)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while expanding the job's node list", e);
        }
    }
}
