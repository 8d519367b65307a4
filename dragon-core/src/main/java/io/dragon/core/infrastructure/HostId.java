package io.dragon.core.infrastructure;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Identity of the node a process runs on: its hostname (as the kernel reports it, so that nodes in separate UTS
 * namespaces differ) and a 64-bit id derived from it, carried in descriptors to tell local from remote objects.
 */
public final class HostId {
    private static final String HOSTNAME = readHostname();
    private static final long LOCAL = fnv1a(HOSTNAME);

    private HostId() {
    }

    public static long local() {
        return LOCAL;
    }

    /** The id of the node with this hostname. */
    public static long of(String hostname) {
        return fnv1a(hostname);
    }

    public static String hostname() {
        return HOSTNAME;
    }

    /**
     * CPUs the runtime may use on this node: what Slurm granted the job here (SLURM_CPUS_ON_NODE) inside a Slurm
     * job, else what this JVM may use.
     */
    public static int cpus() {
        String slurm = System.getenv("SLURM_CPUS_ON_NODE");
        if (slurm != null && slurm.matches("[0-9]{1,6}") && Integer.parseInt(slurm) > 0) {
            return Integer.parseInt(slurm);
        }
        return Runtime.getRuntime().availableProcessors();
    }

    private static String readHostname() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname"), StandardCharsets.US_ASCII).trim();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read this node's hostname from /proc", e);
        }
    }

    private static long fnv1a(String s) {
        long hash = 0xcbf29ce484222325L;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            hash = (hash ^ (b & 0xff)) * 0x100000001b3L;
        }
        return hash;
    }
}
