package io.dragon;

/**
 * A GPU of a node that the job may use: its vendor, its index among the node's GPUs of that vendor (as the vendor's
 * runtime numbers them when its variable is not set: {@code nvidia-smi}'s order for NVIDIA, PCI address order for
 * the others; where the job's environment sets that variable, as Slurm does for a job granted some GPUs, only those
 * it lists count, in its order) and its name. {@link Policy#withGpus} takes these indexes.
 *
 * @param vendor who made it
 * @param index  its index among the node's GPUs of its vendor, from 0
 * @param name   what the vendor's tools call it ({@code nvidia-smi -L}, the kernel's product name), else its vendor
 *               and PCI address
 */
public record Gpu(Vendor vendor, int index, String name) {
    /** A maker of GPUs, with the variable that tells its runtime which GPUs a process sees. */
    public enum Vendor {
        /** NVIDIA (CUDA): {@code CUDA_VISIBLE_DEVICES}. */
        NVIDIA("CUDA_VISIBLE_DEVICES"),
        /** AMD (ROCm): {@code ROCR_VISIBLE_DEVICES}. */
        AMD("ROCR_VISIBLE_DEVICES"),
        /** Intel (Level Zero): {@code ZE_AFFINITY_MASK}. */
        INTEL("ZE_AFFINITY_MASK");

        private final String variable;

        Vendor(String variable) {
            this.variable = variable;
        }

        /** The environment variable that lists the GPUs of this vendor a process sees, by index, comma-separated. */
        public String visibleDevicesVariable() {
            return variable;
        }
    }
}
