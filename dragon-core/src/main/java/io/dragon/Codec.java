package io.dragon;

import java.io.Serializable;
import java.nio.ByteBuffer;

/**
 * How elements of a {@link Queue} (and tasks and results of a {@link Pool}) travel between processes. An encoding
 * must delimit itself: {@link #decode} reads exactly what {@link #encode} wrote, since several elements may follow
 * each other in one message. Codecs travel with the handles that use them, hence Serializable. {@link Codecs} has
 * the built-in ones.
 */
public interface Codec<E> extends Serializable {
    /** Appends the encoding of {@code element} to {@code out}. */
    void encode(E element, Output out);

    /**
     * Reads one element at the position of {@code in}, advancing it past the element. The element must not share
     * {@code in}'s memory (the built-in codecs copy): a {@link DDict} reuses the buffer for its next read.
     */
    E decode(ByteBuffer in);
}
