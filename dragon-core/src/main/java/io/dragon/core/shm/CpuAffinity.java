package io.dragon.core.shm;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.util.BitSet;
import java.util.List;

/**
 * The CPU cores a thread may run on (sched_getaffinity/sched_setaffinity of the calling thread), and starting a
 * process confined to some: a child inherits the mask of the thread that forks or spawns it, so the starting
 * thread narrows its own mask, starts the child and widens it again; no thread of the child ever runs elsewhere,
 * and nothing else is affected as long as that thread starts nothing else meanwhile (a thread it creates meanwhile
 * keeps the narrow mask: the JDK's process reaper may, which only waits).
 */
public final class CpuAffinity {
    /** Bytes of the first cpu_set_t tried: glibc's, 1024 cores; doubled while the kernel's is larger. */
    private static final int FIRST_MASK_BYTES = 128;
    private static final int MAX_MASK_BYTES = 1 << 20;

    /** Starts something (a process) that may fail with {@code E}. */
    @FunctionalInterface
    public interface Start<T, E extends Exception> {
        /** Starts it. */
        T start() throws E;
    }

    private CpuAffinity() {
    }

    /** The cores the calling thread may run on. */
    public static BitSet ofThisThread() {
        for (int bytes = FIRST_MASK_BYTES; bytes <= MAX_MASK_BYTES; bytes *= 2) {
            Memory mask = new Memory(bytes);
            mask.clear();
            if (LibC.sched_getaffinity(0, bytes, Pointer.nativeValue(mask)) >= 0) {
                return BitSet.valueOf(mask.getByteArray(0, bytes));
            }
            int errno = Native.getLastError();
            if (errno != LibC.EINVAL) {
                throw new SharedMemoryException("sched_getaffinity failed: " + LibC.errnoText(errno));
            }
        }
        throw new SharedMemoryException("sched_getaffinity refuses masks of up to " + MAX_MASK_BYTES + " bytes");
    }

    /**
     * Runs {@code start} with the calling thread confined to {@code cores}, then gives the thread back the cores it
     * had; what {@code start} starts keeps {@code cores}. No cores: runs {@code start} as it is.
     *
     * @param node names the node in the error if a core is not among those the thread may use
     * @throws IllegalArgumentException if a core is not among those the calling thread may use (the runtime's)
     */
    public static <T, E extends Exception> T confined(List<Integer> cores, String node, Start<T, E> start) throws E {
        if (cores.isEmpty()) {
            return start.start();
        }
        BitSet own = ofThisThread();
        // checked before a bit is set: a core far beyond the machine's would size the set to it (256 MB for 2^31)
        List<Integer> missing = cores.stream().filter(core -> core < 0 || !own.get(core)).sorted().toList();
        if (!missing.isEmpty()) {
            BitSet present = new BitSet();
            missing.stream().filter(core -> core >= 0 && core < own.length()).forEach(present::set);
            String far = missing.stream().filter(core -> core < 0 || core >= own.length()).map(String::valueOf)
                .reduce((a, b) -> a + "," + b).orElse("");
            String named = ranges(present) + (present.isEmpty() || far.isEmpty() ? "" : ",") + far;
            throw new IllegalArgumentException(node + " has cores " + ranges(own) + " for the runtime; the policy asks"
                + " for cores " + cores + ", of which " + named + " it does not have");
        }
        BitSet wanted = new BitSet();
        cores.forEach(wanted::set);
        set(wanted);
        try {
            return start.start();
        } finally {
            set(own);
        }
    }

    /** Cores as ranges, the way /proc/PID/status's Cpus_allowed_list shows them: {@code 0-3,8,10-11}. */
    public static String ranges(BitSet cores) {
        StringBuilder text = new StringBuilder();
        for (int first = cores.nextSetBit(0); first >= 0; first = cores.nextSetBit(first + 1)) {
            int last = cores.nextClearBit(first) - 1;
            text.append(text.length() > 0 ? "," : "").append(first);
            if (last > first) {
                text.append('-').append(last);
            }
            first = last;
        }
        return text.toString();
    }

    private static void set(BitSet cores) {
        byte[] bits = cores.toByteArray();
        int bytes = Math.max(FIRST_MASK_BYTES, (bits.length + 7) / 8 * 8);
        Memory mask = new Memory(bytes);
        mask.clear();
        mask.write(0, bits, 0, bits.length);
        if (LibC.sched_setaffinity(0, bytes, Pointer.nativeValue(mask)) < 0) {
            throw new SharedMemoryException("sched_setaffinity to cores " + ranges(cores) + " failed: "
                + LibC.errnoText(Native.getLastError()));
        }
    }
}
