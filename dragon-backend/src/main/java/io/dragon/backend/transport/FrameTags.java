package io.dragon.backend.transport;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The tags of the large frames that receivers read from their senders' memory (see {@link OfiTransportAgent}'s
 * LARGE): the 128-bit tag of AES-256-GCM encrypting the frame's bytes under the nonce (sending node, sequence),
 * the ciphertext thrown away. GCM's tag authenticates what it encrypted as long as no nonce is used twice with a
 * key: the key is the job's (derived from its fabric key), the sending node is in the nonce and each agent numbers
 * the large frames it sends from 1. A LARGE message, itself tagged with {@link MessageTags}, carries the sequence
 * and the tag; the receiver encrypts what it read under the same nonce and compares the tags.
 *
 * <p>Why GCM rather than SHA-256 or HMAC-SHA256 in the LARGE message: on JDK 17 with AES-NI and carry-less
 * multiply it runs at about 5 GB/s, SHA-256 at 2 GB/s (with SHA-NI; much less without), and a frame is up to
 * 1 GiB. GMAC proper (the frame as GCM's additional data) would be as fast, but JDK 17 copies additional data
 * into a growing array, two bytes allocated per byte tagged.
 *
 * <p>Thread-safe: each tag takes its own {@link Cipher} (a few µs, against some 200 µs per MiB tagged), so that
 * no Cipher refuses a nonce it used before (an agent tags and checks the frames it sends to itself), and a
 * scratch buffer per thread for the ciphertext.
 */
final class FrameTags {
    /** The bytes of a tag. */
    static final int BYTES = 16;
    private static final String TRANSFORMATION = "AES/GCM/NoPadding";
    private static final int CHUNK = 64 * 1024;
    private static final byte[] LABEL = "dragon fabric large frames".getBytes(StandardCharsets.US_ASCII);
    private static final ThreadLocal<ByteBuffer> SCRATCH = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(
        CHUNK + BYTES));

    private final SecretKeySpec key;

    /** Tags under a key derived from {@code fabricKey} (HMAC-SHA256 of a label), so no key serves two algorithms. */
    FrameTags(byte[] fabricKey) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(fabricKey, "HmacSHA256"));
            key = new SecretKeySpec(mac.doFinal(LABEL), "AES");
            Cipher.getInstance(TRANSFORMATION).init(Cipher.ENCRYPT_MODE, key, nonce(0, 0));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot tag large fabric frames (HmacSHA256, AES/GCM): " + e, e);
        }
    }

    /** Writes into {@code tag} the tag of {@code frame}'s readable bytes, {@code sender}'s {@code sequence}th. */
    void tag(ByteBuf frame, int sender, long sequence, byte[] tag) {
        compute(frame, sender, sequence).get(tag, 0, BYTES);
    }

    /**
     * Whether {@code tag} is that of {@code frame}'s readable bytes, the {@code sequence}th from {@code sender}; in a
     * time that does not tell where they differ.
     */
    boolean matches(ByteBuf frame, int sender, long sequence, byte[] tag) {
        ByteBuffer computed = compute(frame, sender, sequence);
        int difference = 0;
        for (int i = 0; i < BYTES; i++) {
            difference |= computed.get() ^ tag[i];
        }
        return difference == 0;
    }

    /** The tag, as the remaining bytes of the thread's scratch buffer. */
    private ByteBuffer compute(ByteBuf frame, int sender, long sequence) {
        ByteBuffer scratch = SCRATCH.get();
        try {
            Cipher cipher = Cipher.getInstance(TRANSFORMATION);
            cipher.init(Cipher.ENCRYPT_MODE, key, nonce(sender, sequence));
            ByteBuffer bytes = frame.nioBuffer(frame.readerIndex(), frame.readableBytes());
            int end = bytes.limit();
            while (bytes.position() < end) {
                bytes.limit(Math.min(end, bytes.position() + CHUNK));
                cipher.update(bytes, scratch.clear());
                bytes.limit(end);
            }
            cipher.doFinal(bytes, scratch.clear());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM failed to tag a large fabric frame: " + e, e);
        }
        // doFinal writes the last partial block's ciphertext, then the tag.
        scratch.flip();
        return scratch.position(scratch.limit() - BYTES);
    }

    private static GCMParameterSpec nonce(int sender, long sequence) {
        return new GCMParameterSpec(BYTES * Byte.SIZE, ByteBuffer.allocate(12).putInt(sender).putLong(sequence)
            .array());
    }
}
