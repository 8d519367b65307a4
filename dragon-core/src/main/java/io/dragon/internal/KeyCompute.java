package io.dragon.internal;

import io.dragon.Codec;
import io.dragon.Output;
import io.dragon.core.map.Shard;
import io.dragon.core.map.Shard.Op;
import java.nio.ByteBuffer;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * A compute, computeIfAbsent, computeIfPresent or merge ({@link DDictFrames} kinds) on one key of a dictionary,
 * wherever it runs (on the key's manager, or in the caller for a function that cannot travel): the function sees
 * the key's value, and its result is stored only if the value is still that one, else it runs again on the new
 * value; so the change is atomic, and the function runs more than once only if another process wrote the key
 * meanwhile.
 */
public final class KeyCompute {
    /** One operation on one key ({@link Shard#apply} here, or the same through the key's manager). */
    @FunctionalInterface
    public interface KeyOps {
        byte[] apply(Op op, byte[] storedKey, byte[] value, byte[] expected);
    }

    private KeyCompute() {
    }

    /**
     * Runs {@code function} ({@code BiFunction} of key and value, or of old and given value for MERGE; a
     * {@code Function} of the key for COMPUTE_IF_ABSENT) and returns the key's value afterwards, encoded (null:
     * absent).
     */
    @SuppressWarnings("unchecked")
    public static byte[] run(KeyOps ops, byte[] storedKey, byte kind, byte[] given, Object function,
                             Codec<?> keyCodec, Codec<?> valueCodec) {
        Codec<Object> values = (Codec<Object>) valueCodec;
        Object key = null;
        for (;;) {
            byte[] old = ops.apply(Op.GET, storedKey, null, null);
            if (kind == DDictFrames.COMPUTE_IF_ABSENT && old != null
                || kind == DDictFrames.COMPUTE_IF_PRESENT && old == null) {
                return old;
            }
            if (key == null) {
                key = keyCodec.decode(ByteBuffer.wrap(storedKey, Shard.KEY_PREFIX,
                    storedKey.length - Shard.KEY_PREFIX));
            }
            Object oldValue = old == null ? null : values.decode(ByteBuffer.wrap(old));
            Object value = switch (kind) {
                case DDictFrames.COMPUTE_IF_ABSENT -> ((Function<Object, Object>) function).apply(key);
                case DDictFrames.MERGE -> oldValue == null ? values.decode(ByteBuffer.wrap(given))
                    : ((BiFunction<Object, Object, Object>) function).apply(oldValue,
                        values.decode(ByteBuffer.wrap(given)));
                default -> ((BiFunction<Object, Object, Object>) function).apply(key, oldValue);
            };
            byte[] encoded = value == null ? null : encode(values, value);
            boolean done;
            if (old == null) {
                done = encoded == null || ops.apply(Op.PUT_IF_ABSENT, storedKey, encoded, null) == null;
            } else if (encoded == null) {
                done = ops.apply(Op.REMOVE_IF, storedKey, null, old) != null;
            } else {
                done = ops.apply(Op.REPLACE_IF, storedKey, encoded, old) != null;
            }
            if (done) {
                return encoded;
            }
        }
    }

    /** {@code value} in {@code codec}'s form. */
    private static byte[] encode(Codec<Object> codec, Object value) {
        Output out = new Output(64);
        codec.encode(value, out);
        return out.toByteArray();
    }
}
