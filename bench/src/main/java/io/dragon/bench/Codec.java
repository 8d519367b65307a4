package io.dragon.bench;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;

/** Small helpers: descriptors on the command line, aligned direct buffers, number formats. */
final class Codec {
    private Codec() {
    }

    static String base64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    static byte[] unbase64(String text) {
        return Base64.getUrlDecoder().decode(text);
    }

    /** A direct buffer of {@code size} bytes, 64-byte aligned, native order, every page touched. */
    static ByteBuffer direct(int size) {
        int rounded = (size + 63) & -64;
        ByteBuffer buffer = ByteBuffer.allocateDirect(rounded + 64).alignedSlice(64).limit(size).slice()
            .order(ByteOrder.nativeOrder());
        for (int i = 0; i < size; i += 8) {
            if (i + 8 <= size) {
                buffer.putLong(i, i);
            }
        }
        return buffer;
    }

    static String micros(long nanos) {
        return String.format(java.util.Locale.ROOT, "%.3f", nanos / 1000.0);
    }
}
