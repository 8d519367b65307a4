package io.dragon.core.map;

import io.dragon.core.channels.ChannelException;
import io.dragon.core.channels.Gateway;
import io.dragon.core.channels.GatewayLayout;
import io.dragon.core.memory.PoolDestroyedException;
import io.dragon.core.memory.PoolFullException;
import io.dragon.core.shm.ObjectGoneException;
import io.dragon.core.shm.ObjectHeader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * One {@link Shard.Op} on a shard of another node, performed there by the node's transport agent as it reads the
 * request ({@link GatewayLayout#SHARD}), not by the dictionary's manager: a remote get or put costs the hops of a
 * remote channel operation, without waking the manager and without its reply's trip back through its node's
 * gateway. Little-endian, as every gateway frame.
 *
 * <pre>
 * request payload
 *  offset  size
 *       0     1  the op ({@link Shard.Op#ordinal})
 *       1     4  k: the stored key's length, then its k bytes (its checkpoint first)
 *     5+k     4  v: the value's length (-1: none), then its bytes
 *      ..     4  e: the expected value's length (-1: none), then its bytes
 *
 * completion
 *   OK         value: the result's length, -1 for null (see {@link Shard.Op}); payload: the result
 *   THREW      what the shard refused; payload: 4 bytes {@link #NOT_BEGUN}, {@link #RETIRED} (then the checkpoint,
 *              the newest and the working set, 8 bytes each) or {@link #FULL} (then the pool's message, UTF-8)
 *   DESTROYED  the shard or its pool was destroyed; payload: what, UTF-8
 *   FAILED     a malformed request, anything else (the requester's agent also answers LOST for a lost node)
 * </pre>
 */
public final class ShardRequest {
    static final int NOT_BEGUN = 1;
    static final int RETIRED = 2;
    static final int FULL = 3;
    private static final String WHAT = "a dictionary's shard";
    private static final ThreadLocal<ByteBuffer> REQUEST = ThreadLocal.withInitial(() -> buffer(512));

    private ShardRequest() {
    }

    /**
     * {@link Shard#apply} on the shard that {@code shard} describes, on the node with host id {@code host}.
     *
     * @throws Shard.NotBegunException for a write in a checkpoint the shard has not begun
     * @throws RetiredException if the checkpoint was retired
     * @throws PoolFullException if the shard's pool has no room for the entry
     * @throws ObjectGoneException if the shard was destroyed
     * @throws ChannelException if the node cannot be reached or the agents failed
     */
    public static byte[] apply(long host, byte[] shard, Shard.Op op, byte[] storedKey, byte[] value,
                               byte[] expected) {
        Gateway.Completion completion = Gateway.current().perform(GatewayLayout.SHARD, host, shard,
            request(op, storedKey, value, expected), WHAT);
        return switch (completion.status()) {
            case GatewayLayout.OK -> completion.value() < 0 ? null : completion.payload();
            case GatewayLayout.THREW -> throw refused(completion.payload());
            case GatewayLayout.DESTROYED -> throw new ObjectGoneException(completion.text());
            default -> throw new ChannelException(completion.text());
        };
    }

    /** The payload of a request of {@code op}, in this thread's buffer until its next request. */
    public static ByteBuffer request(Shard.Op op, byte[] storedKey, byte[] value, byte[] expected) {
        ByteBuffer request = REQUEST.get();
        int length = 1 + 12 + storedKey.length + length(value) + length(expected);
        if (request.capacity() < length) {
            request = buffer(Math.max(length, 2 * request.capacity()));
            REQUEST.set(request);
        }
        request.clear().put((byte) op.ordinal());
        put(request, storedKey);
        put(request, value);
        put(request, expected);
        return request.flip();
    }

    /** Where {@link #perform} writes a result: a buffer with room at its position, replaced by a larger on demand. */
    public interface Results {
        /** The buffer the result goes to, from its position. */
        ByteBuffer buffer();

        /** A buffer with room for {@code bytes} from its position, from now on {@link #buffer()}. */
        ByteBuffer grow(int bytes);
    }

    /**
     * On the shard's node: performs the request in {@code payload} (read from its position) on {@code shard} and
     * writes its result into {@code results}. A get or put copies the value (the old one, for a put) straight between
     * the shard and the result's buffer, and the new value straight from the payload.
     *
     * @return the result's length, -1 for none
     * @throws IllegalArgumentException if the request is malformed
     */
    public static int perform(Shard shard, ByteBuffer payload, Results results) {
        ByteBuffer in = payload.order(ByteOrder.LITTLE_ENDIAN);
        if (!in.hasRemaining()) {
            throw new IllegalArgumentException("an empty shard request");
        }
        Shard.Op op = Shard.Op.of(in.get());
        byte[] key = bytes(view(in));
        ByteBuffer value = view(in);
        byte[] expected = bytes(view(in));
        boolean takesValue = switch (op) {
            case PUT, PUT_IF_ABSENT, REPLACE, REPLACE_IF -> true;
            default -> false;
        };
        boolean takesExpected = op == Shard.Op.REPLACE_IF || op == Shard.Op.REMOVE_IF;
        if (key == null || key.length < Shard.KEY_PREFIX || in.hasRemaining() || (value != null) != takesValue
            || (expected != null) != takesExpected) {
            throw new IllegalArgumentException("a malformed shard request (" + op + ")");
        }
        for (;;) {
            try {
                return switch (op) {
                    case GET -> shard.get(key, results.buffer());
                    case PUT -> shard.put(key, value.duplicate(), results.buffer());
                    default -> copy(shard.apply(op, key, bytes(value), expected), results);
                };
            } catch (BufferTooSmallException e) { // nothing done: again, with room
                results.grow(e.required());
            }
        }
    }

    private static int copy(byte[] result, Results results) {
        if (result == null) {
            return -1;
        }
        ByteBuffer out = results.buffer();
        (out.remaining() < result.length ? results.grow(result.length) : out).put(result);
        return result.length;
    }

    /**
     * The THREW payload for {@code e}, thrown by {@link #perform}, if the shard refused the operation with it; null
     * for any other failure.
     */
    public static byte[] refusal(Throwable e) {
        if (e instanceof Shard.NotBegunException) {
            return buffer(4).putInt(NOT_BEGUN).array();
        }
        if (e instanceof RetiredException retired) {
            return buffer(28).putInt(RETIRED).putLong(retired.checkpoint()).putLong(retired.newest())
                .putLong(retired.workingSet()).array();
        }
        if (e instanceof PoolFullException) {
            byte[] text = String.valueOf(e.getMessage()).getBytes(StandardCharsets.UTF_8);
            return buffer(4 + text.length).putInt(FULL).put(text).array();
        }
        return null;
    }

    /** Whether {@code e}, thrown by {@link #perform}, says that the shard or its pool was destroyed. */
    public static boolean gone(Throwable e) {
        return e instanceof ObjectGoneException || e instanceof PoolDestroyedException;
    }

    /** The exception that a THREW payload of {@link #refusal} stands for, as {@link #perform} threw it. */
    public static RuntimeException refused(byte[] payload) {
        ByteBuffer in = ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
        return switch (in.getInt()) {
            case NOT_BEGUN -> new Shard.NotBegunException();
            case RETIRED -> new RetiredException(in.getLong(), in.getLong(), (int) in.getLong());
            case FULL -> new PoolFullException(new String(payload, 4, payload.length - 4, StandardCharsets.UTF_8));
            default -> new ChannelException("an unknown refusal from " + WHAT);
        };
    }

    private static int length(byte[] bytes) {
        return bytes == null ? 0 : bytes.length;
    }

    private static void put(ByteBuffer out, byte[] bytes) {
        if (bytes == null) {
            out.putInt(-1);
        } else {
            out.putInt(bytes.length).put(bytes);
        }
    }

    /** The next byte string of {@code in} as a view of its bytes, null for none. */
    private static ByteBuffer view(ByteBuffer in) {
        int length = in.getInt();
        if (length < -1 || length > in.remaining()) {
            throw new IllegalArgumentException("a malformed shard request: a field of " + length + " bytes");
        }
        if (length < 0) {
            return null;
        }
        ByteBuffer view = in.slice(in.position(), length);
        in.position(in.position() + length);
        return view;
    }

    private static byte[] bytes(ByteBuffer view) {
        if (view == null) {
            return null;
        }
        byte[] bytes = new byte[view.remaining()];
        view.duplicate().get(bytes);
        return bytes;
    }

    private static ByteBuffer buffer(int capacity) {
        return ByteBuffer.allocate(capacity).order(ByteOrder.LITTLE_ENDIAN);
    }
}
