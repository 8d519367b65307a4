package io.dragon.backend.transport;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.dragon.core.shm.Signals;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A libfabric endpoint of reliable datagrams (FI_EP_RDM) with registered send and receive slabs (see dragonofi.c).
 * Calls that fail throw {@link IllegalStateException}s that say what libfabric said; calls on the data path return
 * false when the provider is busy (FI_EAGAIN), so that the caller retries after making progress.
 */
final class OfiEndpoint implements AutoCloseable {
    /** Core providers that move data over the host's IP stack: TCP's speed, so no reason to prefer them. */
    private static final List<String> IP_PROVIDERS = List.of("tcp", "sockets", "udp", "net", "shm");

    final int slots;
    final int slotSize;
    private final long handle;
    private final ByteBuf sendSlab;
    private final ByteBuf recvSlab;
    private final Memory events;
    private final Memory registration = new Memory(OfiLibrary.REGISTRATION_WORDS * Long.BYTES);

    private OfiEndpoint(long handle, int slots, int slotSize) {
        this.handle = handle;
        this.slots = slots;
        this.slotSize = slotSize;
        this.sendSlab = slab(OfiLibrary.dofi_send_slab(handle), slots * slotSize);
        this.recvSlab = slab(OfiLibrary.dofi_recv_slab(handle), slots * slotSize);
        this.events = new Memory((long) OfiLibrary.EVENT_WORDS * Long.BYTES * OfiLibrary.BATCH);
    }

    private static ByteBuf slab(long address, int size) {
        return Unpooled.wrappedBuffer(new Pointer(address).getByteBuffer(0, size));
    }

    /**
     * Opens an endpoint of {@code provider} (any if empty) on the interface with IPv4 address {@code ip} (or, for
     * providers not addressed by IP, on their first interface).
     *
     * @throws IllegalStateException if libfabric cannot be used or has no such endpoint
     */
    static OfiEndpoint open(String provider, String ip, int slots, int slotSize, int reads) {
        requireLibrary();
        long handle = Signals.keepingHandlers(() -> OfiLibrary.dofi_open(provider, ip, slots, slotSize, reads));
        if (handle == 0) {
            throw new IllegalStateException("cannot open a libfabric endpoint" + (provider.isEmpty() ? ""
                : " of provider " + provider) + ": " + OfiLibrary.dofi_open_error());
        }
        try {
            return new OfiEndpoint(handle, slots, slotSize);
        } catch (RuntimeException | Error e) {
            OfiLibrary.dofi_close(handle);
            throw e;
        }
    }

    /**
     * The provider to use when none is asked for: the first whose core provider is not one of the host's IP stack
     * (verbs, cxi, efa, psm3 ...); with {@code ipAllowed}, failing that, libfabric's tcp provider (or sockets).
     *
     * @throws IllegalStateException if there is none
     */
    static String defaultProvider(boolean ipAllowed) {
        requireLibrary();
        byte[] names = new byte[4096];
        int count = Signals.keepingHandlers(() -> OfiLibrary.dofi_providers(names, names.length));
        if (count < 0) {
            throw new IllegalStateException("libfabric cannot list its providers: " + OfiLibrary.dofi_open_error());
        }
        List<String> providers = Arrays.stream(Native.toString(names, StandardCharsets.UTF_8.name()).split(","))
            .filter(name -> !name.isEmpty()).toList();
        Optional<String> fabric = providers.stream().filter(name -> !IP_PROVIDERS.contains(core(name))).findFirst();
        if (fabric.isPresent()) {
            return fabric.get();
        }
        for (String ip : List.of("tcp", "sockets")) {
            Optional<String> provider = providers.stream().filter(name -> ipAllowed && core(name).equals(ip))
                .findFirst();
            if (provider.isPresent()) {
                return provider.get();
            }
        }
        throw new IllegalStateException(providers.isEmpty() ? "libfabric has no provider that can run here"
            : "libfabric has only providers over the IP stack here (" + String.join(", ", providers) + ")");
    }

    /** The core provider of a layered one: verbs of verbs;ofi_rxm. */
    private static String core(String provider) {
        return provider.split(";")[0];
    }

    private static void requireLibrary() {
        if (OfiLibrary.problem() != null) {
            throw new IllegalStateException(OfiLibrary.problem());
        }
    }

    /** "provider on interface". */
    String description() {
        return OfiLibrary.dofi_description(handle);
    }

    /**
     * Whether {@link #source} says which peer sent a message (the provider has libfabric's FI_SOURCE); if not, it
     * is always {@link OfiLibrary#NO_SOURCE}.
     */
    boolean sourced() {
        return OfiLibrary.dofi_sourced(handle) != 0;
    }

    /** The endpoint's address, as peers insert it. */
    byte[] name() {
        byte[] name = new byte[256];
        long length = OfiLibrary.dofi_name(handle, name, name.length);
        return Arrays.copyOf(name, (int) check(length, "fi_getname"));
    }

    /** Adds a peer's endpoint; the handle to address it with. */
    long insert(byte[] name) {
        return check(OfiLibrary.dofi_insert(handle, name), "fi_av_insert");
    }

    /** Where slot {@code slot} starts in either slab. */
    int offset(int slot) {
        return slot * slotSize;
    }

    ByteBuf sendSlab() {
        return sendSlab;
    }

    ByteBuf recvSlab() {
        return recvSlab;
    }

    /** Sends the first {@code length} bytes of send slot {@code slot}; false if the provider is busy. */
    boolean send(long peer, int slot, int length) {
        return posted(OfiLibrary.dofi_send(handle, peer, slot, length), "fi_send");
    }

    /** Posts receive slot {@code slot} again. */
    void repost(int slot) {
        check(OfiLibrary.dofi_repost(handle, slot), "fi_recv");
    }

    /**
     * Registers {@code length} bytes at {@code address} for peers to read; the registration, to {@link
     * #unregister}, with {@link #key} and {@link #remoteAddress} set for it.
     */
    long register(long address, long length) {
        return check(OfiLibrary.dofi_register(handle, address, length, Pointer.nativeValue(registration)),
            "fi_mr_reg");
    }

    /** The key of the last registration. */
    long key() {
        return registration.getLong((long) OfiLibrary.REGISTRATION_KEY * Long.BYTES);
    }

    /** The address peers name to read the last registration's first byte. */
    long remoteAddress() {
        return registration.getLong((long) OfiLibrary.REGISTRATION_ADDRESS * Long.BYTES);
    }

    void unregister(long registration) {
        OfiLibrary.dofi_unregister(registration);
    }

    /** Reads what {@code peer} registered into local memory, as read {@code token}; false if the provider is busy. */
    boolean read(long peer, long address, long length, long remote, long key, int token) {
        return posted(OfiLibrary.dofi_read(handle, peer, address, length, remote, key, token), "fi_read");
    }

    /**
     * Makes progress and collects completions, up to {@link OfiLibrary#BATCH}: their count; {@link #block},
     * {@link #index}, {@link #length} and {@link #source} of each. Waits up to {@code timeoutMs} for one (0: does not
     * wait) unless {@link #wake} is called.
     */
    int poll(int timeoutMs) {
        return (int) check(OfiLibrary.dofi_poll(handle, Pointer.nativeValue(events), OfiLibrary.BATCH, timeoutMs),
            "fi_cq_read");
    }

    /**
     * What completion {@code i} ended: a send ({@link OfiLibrary#SEND_BLOCK}), a receive
     * ({@link OfiLibrary#RECEIVE_BLOCK}) or a read ({@link OfiLibrary#READ_BLOCK}).
     */
    int block(int i) {
        int token = token(i);
        return token < OfiLibrary.RECEIVE_BLOCK * slots ? OfiLibrary.SEND_BLOCK
            : token < OfiLibrary.READ_BLOCK * slots ? OfiLibrary.RECEIVE_BLOCK : OfiLibrary.READ_BLOCK;
    }

    /** The send slot, receive slot or read (see {@link #block}) that completion {@code i} ended. */
    int index(int i) {
        return token(i) - block(i) * slots;
    }

    private int token(int i) {
        return (int) event(i, OfiLibrary.EVENT_TOKEN);
    }

    /** Completion {@code i}'s length, or a negative libfabric error code if its operation failed. */
    long length(int i) {
        return event(i, OfiLibrary.EVENT_LENGTH);
    }

    /**
     * Who sent the message of receive completion {@code i}: what {@link #insert} returned for its endpoint, or
     * {@link OfiLibrary#NO_SOURCE} if it was none of them (or the endpoint is not {@link #sourced}).
     */
    long source(int i) {
        return event(i, OfiLibrary.EVENT_SOURCE);
    }

    private long event(int i, int word) {
        return events.getLong(((long) OfiLibrary.EVENT_WORDS * i + word) * Long.BYTES);
    }

    /** What libfabric said of the last failure. */
    String error() {
        return OfiLibrary.dofi_error(handle);
    }

    /** Ends a {@link #poll}'s wait, from any thread. */
    void wake() {
        OfiLibrary.dofi_wake(handle);
    }

    @Override
    public void close() {
        OfiLibrary.dofi_close(handle);
    }

    private boolean posted(int result, String what) {
        if (result == -OfiLibrary.EAGAIN) {
            return false;
        }
        check(result, what);
        return true;
    }

    private long check(long result, String what) {
        if (result < 0) {
            throw new IllegalStateException(what + " failed: " + error());
        }
        return result;
    }
}
