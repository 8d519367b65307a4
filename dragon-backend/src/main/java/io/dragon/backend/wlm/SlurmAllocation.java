package io.dragon.backend.wlm;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The Slurm allocation the launcher runs in: the job's id and its nodes' hostnames, read from the environment
 * (SLURM_JOB_ID, SLURM_JOB_NODELIST) and expanded by {@code scontrol show hostnames}, as Slurm's own tools do.
 */
public record SlurmAllocation(String jobId, List<String> hostnames) {
    private static final long SCONTROL_TIMEOUT_SECONDS = 30;
    /** What a Slurm host list is made of; not starting with '-', which scontrol would take for an option. */
    private static final Pattern HOST_LIST = Pattern.compile("[A-Za-z0-9._\\[\\]][A-Za-z0-9._,\\-\\[\\]]*");
    /** A hostname: letters, digits, dots, dashes and (Slurm allows them) underscores. */
    private static final Pattern HOSTNAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]*");

    /**
     * Step ids from this one up are Slurm's own steps (the batch script's, salloc's interactive step, the extern
     * step: 0xfffffffb, 0xfffffffa, 0xfffffffc ...); srun's steps are numbered from 0.
     */
    private static final long FIRST_SLURM_STEP = 0xfffffff0L;

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
     * The step ({@code JOB.STEP}) that {@code env} says this process runs in if srun started it: not the job's
     * batch script, nor salloc's interactive step; empty outside a step.
     */
    public static Optional<String> srunStep(Map<String, String> env) {
        String step = env.getOrDefault("SLURM_STEP_ID", env.get("SLURM_STEPID"));
        try {
            if (step == null || Long.parseLong(step) >= FIRST_SLURM_STEP) {
                return Optional.empty();
            }
        } catch (NumberFormatException e) {
            return Optional.empty(); // no step number: not one of srun's
        }
        return Optional.of(env.getOrDefault("SLURM_JOB_ID", "?") + "." + step);
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
        if (!HOST_LIST.matcher(nodeList).matches()) {
            throw new IllegalStateException("SLURM_JOB_NODELIST '" + nodeList + "' is not a Slurm host list (such as"
                + " node[1-3,5],other01)");
        }
        List<String> command = new ArrayList<>(scontrol);
        command.addAll(List.of("show", "hostnames", nodeList));
        Path output;
        try {
            output = Files.createTempFile("dragon-scontrol", ".out");
        } catch (IOException e) {
            throw new IllegalStateException("cannot expand the job's node list " + nodeList + ": " + e.getMessage(), e);
        }
        try {
            // Into a file, not a pipe: a pipe's reader would wait for scontrol's end, past any timeout.
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(output.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("scontrol show hostnames " + nodeList + " did not answer within "
                    + timeoutSeconds + " s");
            }
            String text = Files.readString(output, StandardCharsets.UTF_8);
            List<String> hostnames = text.lines().map(String::trim).filter(line -> !line.isEmpty()).toList();
            // scontrol exits with 0 after some errors ("Invalid hostlist: ..."): only hostnames are an answer.
            if (process.exitValue() != 0 || hostnames.isEmpty()
                || !hostnames.stream().allMatch(name -> HOSTNAME.matcher(name).matches())) {
                throw new IllegalStateException("scontrol show hostnames " + nodeList + " failed (exit code "
                    + process.exitValue() + "): " + text.trim());
            }
            return hostnames;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run scontrol to expand the job's node list " + nodeList + ": "
                + e.getMessage() + " (is Slurm's scontrol on PATH?)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while expanding the job's node list", e);
        } finally {
            try {
                Files.deleteIfExists(output);
            } catch (IOException e) {
                // a leftover file in the temporary directory is all it costs
            }
        }
    }
}
