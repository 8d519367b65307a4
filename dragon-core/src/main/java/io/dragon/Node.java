package io.dragon;

/** A node of the runtime: its index (0 is the primary node), hostname, and the CPUs the runtime may use there. */
public record Node(int index, String hostname, int cpus) {
}
