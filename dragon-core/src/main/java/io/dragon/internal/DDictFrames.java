package io.dragon.internal;

import io.dragon.DragonException;
import io.dragon.Output;
import java.nio.ByteBuffer;

/**
 * The messages between a {@link io.dragon.DDict}'s clients and its managers: a request on the manager's channel, its
 * reply on the channel the request names. (Single-key operations from other nodes are not among them: the shard's
 * node's transport agent runs those, see {@link io.dragon.core.map.ShardRequest}.) A byte string is
 * {@code [length 4][bytes]}, length -1 for none; a key is always a stored key (its checkpoint in front, see
 * {@link io.dragon.core.map.Shard#storedKey}).
 *
 * <pre>
 * request  [op 1][reply cuid 8][reply descriptor, a byte string][request id 8][body]
 *   COMPUTE    [key][kind 1][value (MERGE) or none][the function, Java-serialized with a 4-byte length]
 *   PUT_ALL    [count 4] count x ([key][value])
 *   GET_ALL    [count 4] count x [key]
 *   SIZE, CLEAR, ADVANCE [checkpoint 8]
 *   ENTRIES    [checkpoint 8][stripe 4]
 *   STATS, DESTROY (nothing)
 *   PERSIST    [file path, a byte string of UTF-8]
 * reply    [request id 8][status 1: OK or ERROR][body]
 *   OK:    COMPUTE: [new value]; PUT_ALL: (nothing); GET_ALL: count x [value];
 *          SIZE: [entries 8]; ENTRIES: [count 4] count x ([key][value]); STATS: [entries 8][bytes 8][hits 8]
 *          [misses 8]; PERSIST: [entries 8][bytes 8]
 *   ERROR: [the exception, Java-serialized with a 4-byte length]
 * </pre>
 */
public final class DDictFrames {
    public static final byte COMPUTE = 16;
    public static final byte PUT_ALL = 18;
    public static final byte GET_ALL = 19;
    public static final byte SIZE = 20;
    public static final byte CLEAR = 21;
    public static final byte ADVANCE = 22;
    public static final byte ENTRIES = 23;
    public static final byte STATS = 24;
    public static final byte DESTROY = 25;
    public static final byte PERSIST = 26;

    /** Kinds of {@link #COMPUTE}, as ConcurrentMap names them. */
    public static final byte COMPUTE_ALWAYS = 0;
    public static final byte COMPUTE_IF_ABSENT = 1;
    public static final byte COMPUTE_IF_PRESENT = 2;
    public static final byte MERGE = 3;

    public static final byte OK = 0;
    public static final byte ERROR = 1;

    private DDictFrames() {
    }

    /** Appends a byte string (null: none). */
    public static Output putBytes(Output out, byte[] bytes) {
        if (bytes == null) {
            return out.putInt(-1);
        }
        return out.putInt(bytes.length).putBytes(bytes, 0, bytes.length);
    }

    /** Reads a byte string (null: none). */
    public static byte[] getBytes(ByteBuffer in) {
        int length = in.getInt();
        if (length == -1) {
            return null;
        }
        if (length < 0 || length > in.remaining()) {
            throw new DragonException("corrupt dictionary message: a length of " + length + " with " + in.remaining()
                + " bytes left");
        }
        byte[] bytes = new byte[length];
        in.get(bytes);
        return bytes;
    }
}
