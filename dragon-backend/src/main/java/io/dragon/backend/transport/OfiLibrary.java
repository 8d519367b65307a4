package io.dragon.backend.transport;

import com.sun.jna.Native;
import io.dragon.core.shm.Signals;

/**
 * libfabric, through the runtime's small C library {@code libdragonofi} (src/main/c/dragonofi.c, built with the
 * module when libfabric's headers are installed): libfabric's data-path calls are inline functions of its headers,
 * which only C can call. Bound with JNA direct mapping; handles and addresses are passed as longs, so that calls
 * allocate nothing. Negative results are libfabric error codes. Loading libfabric loads its providers' libraries,
 * some of which (psm) take over SIGSEGV, which the JVM needs, when loaded or initialized: the JVM's handlers are put
 * back after the load and after each call that may initialize providers (the launcher also sets
 * IPATH_NO_BACKTRACE and HFI_NO_BACKTRACE, which keep psm from taking them).
 */
final class OfiLibrary {
    private static final String PROBLEM = load();

    private OfiLibrary() {
    }

    private static String load() {
        try {
            return Signals.keepingHandlers(() -> {
                Native.register(OfiLibrary.class, "dragonofi");
                return null;
            });
        } catch (UnsatisfiedLinkError e) {
            String why = String.valueOf(e.getMessage());
            if (why.contains("libfabric")) {
                return "libfabric is not installed (" + why.lines().findFirst().orElse(why) + "): install your"
                    + " site's libfabric, or Debian's libfabric1";
            }
            return "this build of the runtime has no libfabric support (libdragonofi is built only where"
                + " libfabric's headers, Debian's libfabric-dev, were installed): " + why.lines().findFirst()
                .orElse(why);
        }
    }

    /** Why libfabric cannot be used here, or null if it can. */
    static String problem() {
        return PROBLEM;
    }

    static native long dofi_open(String provider, String ip, int slots, long slotSize, int reads);

    static native String dofi_open_error();

    static native String dofi_error(long endpoint);

    static native String dofi_description(long endpoint);

    static native int dofi_sourced(long endpoint);

    static native int dofi_providers(byte[] out, int length);

    static native long dofi_name(long endpoint, byte[] out, long length);

    static native long dofi_insert(long endpoint, byte[] address);

    static native long dofi_send_slab(long endpoint);

    static native long dofi_recv_slab(long endpoint);

    static native int dofi_send(long endpoint, long peer, int slot, long length);

    static native int dofi_repost(long endpoint, int slot);

    static native long dofi_register(long endpoint, long address, long length, long out);

    static native void dofi_unregister(long registration);

    static native int dofi_read(long endpoint, long peer, long address, long length, long remote, long key,
        int token);

    static native int dofi_poll(long endpoint, long events, int max, int timeoutMs);

    static native int dofi_wake(long endpoint);

    static native void dofi_close(long endpoint);
}
