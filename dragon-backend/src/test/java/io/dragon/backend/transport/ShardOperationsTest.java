package io.dragon.backend.transport;

import static io.dragon.backend.transport.GatewayRequests.payload;
import static io.dragon.backend.transport.GatewayRequests.status;
import static io.dragon.core.channels.GatewayLayout.DESTROYED;
import static io.dragon.core.channels.GatewayLayout.FAILED;
import static io.dragon.core.channels.GatewayLayout.OK;
import static io.dragon.core.channels.GatewayLayout.SHARD;
import static io.dragon.core.channels.GatewayLayout.THREW;
import static io.dragon.core.channels.GatewayLayout.VALUE_OFFSET;
import static org.assertj.core.api.Assertions.assertThat;

import io.dragon.core.infrastructure.HostId;
import io.dragon.core.infrastructure.RuntimeIds;
import io.dragon.core.map.RetiredException;
import io.dragon.core.map.Shard;
import io.dragon.core.map.Shard.Op;
import io.dragon.core.map.ShardRequest;
import io.dragon.core.memory.MemoryPool;
import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The shard's node's side of SHARD requests (ShardOperations) on a real shard in shared memory: requests built as
 * ShardRequest builds them in a process of another node, completions read as that process reads them.
 */
class ShardOperationsTest {
    private static final byte[] REPLY = "a reply channel's descriptor".getBytes(StandardCharsets.UTF_8);

    private final ShardOperations operations = new ShardOperations();
    private MemoryPool pool;
    private Shard shard;
    private long requestIds;

    @BeforeEach
    void setUp() {
        pool = MemoryPool.create(RuntimeIds.next(), 1, 4 << 20);
        shard = Shard.create(pool, 1, 2, 16);
    }

    @AfterEach
    void tearDown() {
        if (!pool.isDestroyed()) {
            pool.destroy();
        }
    }

    @Test
    void shouldPerformEveryOperationAsTheShardDoes() {
        assertThat(result(Op.GET, key(0, "a"), null, null)).as("absent").isNull();
        assertThat(result(Op.PUT, key(0, "a"), bytes("1"), null)).isNull();
        assertThat(result(Op.PUT, key(0, "a"), bytes("2"), null)).isEqualTo(bytes("1"));
        assertThat(result(Op.GET, key(0, "a"), null, null)).isEqualTo(bytes("2"));
        assertThat(result(Op.CONTAINS, key(0, "a"), null, null)).isEmpty();
        assertThat(result(Op.PUT_IF_ABSENT, key(0, "a"), bytes("3"), null)).isEqualTo(bytes("2"));
        assertThat(result(Op.REPLACE_IF, key(0, "a"), bytes("4"), bytes("9"))).isNull();
        assertThat(result(Op.REPLACE_IF, key(0, "a"), bytes("4"), bytes("2"))).isEmpty();
        assertThat(result(Op.REPLACE, key(0, "b"), bytes("5"), null)).as("absent: nothing replaced").isNull();
        assertThat(result(Op.REMOVE_IF, key(0, "a"), null, bytes("2"))).isNull();
        assertThat(result(Op.REMOVE, key(0, "a"), null, null)).isEqualTo(bytes("4"));
        assertThat(shard.size(0)).isZero();
        byte[] large = new byte[100_000];
        new Random(1).nextBytes(large);
        assertThat(result(Op.PUT, key(0, "large"), large, null)).isNull();
        assertThat(result(Op.GET, key(0, "large"), null, null)).isEqualTo(large);
        assertThat(shard.apply(Op.GET, key(0, "large"), null, null)).as("read directly").isEqualTo(large);
        byte[] larger = Arrays.copyOf(large, 300_000);
        assertThat(result(Op.PUT, key(0, "large"), larger, null)).as("the old value, whole").isEqualTo(large);
        assertThat(result(Op.GET, key(0, "large"), null, null)).isEqualTo(larger);
        assertThat(result(Op.REMOVE, key(0, "large"), null, null)).isEqualTo(larger);
        assertThat(result(Op.GET, key(0, "b"), null, null)).as("small after large").isNull();
        assertThat(result(Op.PUT, key(0, "b"), bytes("6"), null)).isNull();
        assertThat(result(Op.GET, key(0, "b"), null, null)).isEqualTo(bytes("6"));
    }

    @Test
    void shouldAnswerWhatTheShardRefusesAsItThrewIt() {
        ByteBuffer notBegun = perform(Op.PUT, key(1, "a"), bytes("1"), null);
        assertThat(status(notBegun)).isEqualTo(THREW);
        assertThat(ShardRequest.refused(payload(notBegun))).isInstanceOf(Shard.NotBegunException.class);
        shard.advance(1); // a working set of 1: checkpoint 0 retires
        ByteBuffer retired = perform(Op.GET, key(0, "a"), null, null);
        assertThat(status(retired)).isEqualTo(THREW);
        assertThat(ShardRequest.refused(payload(retired))).isInstanceOfSatisfying(RetiredException.class, e -> {
            assertThat(e.checkpoint()).isZero();
            assertThat(e.newest()).isEqualTo(1);
            assertThat(e.workingSet()).isEqualTo(1);
        });
        assertThat(result(Op.PUT, key(1, "a"), bytes("1"), null)).isNull();
    }

    @Test
    void shouldAnswerMalformedRequestsWithAFailureAndStayUsable() {
        byte[] valid = requestBytes(Op.PUT, key(0, "a"), bytes("1"), null);
        Random random = new Random(7);
        for (int i = 0; i < 500; i++) {
            byte[] hostile = i % 2 == 0 ? Arrays.copyOf(valid, random.nextInt(valid.length)) : valid.clone();
            if (i % 2 == 1) {
                hostile[random.nextInt(hostile.length)] = (byte) random.nextInt();
            }
            ByteBuffer completion = perform(shard.serialize(), hostile);
            assertThat(status(completion)).as("request %d", i).isIn(OK, FAILED, THREW);
        }
        for (byte[] wrong : new byte[][] {
            requestBytes(Op.GET, key(0, "a"), bytes("a value a get does not take"), null),
            requestBytes(Op.PUT, key(0, "a"), null, null),
            requestBytes(Op.REMOVE_IF, key(0, "a"), null, null),
            requestBytes(Op.GET, new byte[3], null, null),
            {(byte) 99, 0, 0, 0, 0},
            {(byte) 0, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0x7f}}) {
            ByteBuffer completion = perform(shard.serialize(), wrong);
            assertThat(status(completion)).isEqualTo(FAILED);
            assertThat(new String(payload(completion), StandardCharsets.UTF_8)).contains("failed on");
        }
        ByteBuffer garbage = perform("not a shard".getBytes(StandardCharsets.UTF_8), valid);
        assertThat(status(garbage)).isEqualTo(FAILED);
        shard.clear(0);
        assertThat(result(Op.PUT, key(0, "a"), bytes("1"), null)).as("still usable").isNull();
        assertThat(result(Op.GET, key(0, "a"), null, null)).isEqualTo(bytes("1"));
    }

    @Test
    void shouldAnswerDestroyedForADestroyedShardAndUnmapADestroyedPool() {
        assertThat(result(Op.PUT, key(0, "a"), bytes("1"), null)).isNull();
        byte[] descriptor = shard.serialize();
        shard.destroy();
        assertThat(status(perform(Op.GET, key(0, "a"), null, null))).isEqualTo(DESTROYED);
        MemoryPool.attach(pool.descriptor()).destroy();
        ByteBuffer gone = perform(descriptor, requestBytes(Op.GET, key(0, "a"), null, null));
        assertThat(status(gone)).isEqualTo(DESTROYED);
        assertThat(status(perform(descriptor, requestBytes(Op.GET, key(0, "a"), null, null)))).as("again")
            .isEqualTo(DESTROYED);
    }

    private byte[] result(Op op, byte[] key, byte[] value, byte[] expected) {
        ByteBuffer completion = perform(op, key, value, expected);
        assertThat(status(completion)).as(op + ": " + new String(payload(completion), StandardCharsets.UTF_8))
            .isEqualTo(OK);
        int length = completion.getInt(VALUE_OFFSET);
        byte[] result = payload(completion);
        assertThat(result).hasSize(Math.max(0, length));
        return length < 0 ? null : result;
    }

    private ByteBuffer perform(Op op, byte[] key, byte[] value, byte[] expected) {
        return perform(shard.serialize(), requestBytes(op, key, value, expected));
    }

    /** The completion of a SHARD request, as the requester's agent puts it on the requester's reply channel. */
    private ByteBuffer perform(byte[] target, byte[] payload) {
        ByteBuf request = GatewayRequests.request(SHARD, target, REPLY, ++requestIds, 0, 0, HostId.local(), payload);
        ByteBuf frame = operations.perform(request);
        try {
            int at = TransportFrames.completionOffset(frame);
            byte[] completion = new byte[frame.writerIndex() - at];
            frame.getBytes(at, completion);
            return ByteBuffer.wrap(completion).order(ByteOrder.LITTLE_ENDIAN);
        } finally {
            frame.release();
            request.release();
        }
    }

    private static byte[] requestBytes(Op op, byte[] key, byte[] value, byte[] expected) {
        ByteBuffer request = ShardRequest.request(op, key, value, expected);
        byte[] bytes = new byte[request.remaining()];
        request.get(bytes);
        return bytes;
    }

    private static byte[] key(long checkpoint, String key) {
        return Shard.storedKey(checkpoint, bytes(key));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
