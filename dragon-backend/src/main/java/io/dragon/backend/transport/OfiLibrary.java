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
    // The contract with the C side: its #define DOFI_* of the same names (OfiLibraryContractTest checks them).
    /** The most completions one {@link #dofi_poll} returns. */
    static final int BATCH = 16;
    /** {@link #dofi_poll}'s events: {@link #EVENT_WORDS} longs per completion, at these indexes. */
    static final int EVENT_WORDS = 3;
    static final int EVENT_TOKEN = 0;
    static final int EVENT_LENGTH = 1;
    static final int EVENT_SOURCE = 2;
    /** Tokens come in blocks of {@code slots}: token t of block b is send slot, receive slot or read t - b slots. */
    static final int SEND_BLOCK = 0;
    static final int RECEIVE_BLOCK = 1;
    static final int READ_BLOCK = 2;
    /** {@link #dofi_register}'s out: the registration's key and the address peers name, at these indexes. */
    static final int REGISTRATION_WORDS = 2;
    static final int REGISTRATION_KEY = 0;
    static final int REGISTRATION_ADDRESS = 1;
    /** A data-path call's result when the provider is busy is -EAGAIN (libfabric's -FI_EAGAIN). */
    static final int EAGAIN = 11;
    /** The source of a completion that has none in the address vector (libfabric's FI_ADDR_NOTAVAIL). */
    static final long NO_SOURCE = -1;

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
