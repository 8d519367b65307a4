package io.dragon.backend.transport;

import static io.dragon.core.channels.GatewayLayout.COMPLETION_PAYLOAD_OFFSET;
import static io.dragon.core.channels.GatewayLayout.STATUS_OFFSET;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;

/**
 * Gateway requests built as a process builds them (see GatewayLayout), and what tests of the agents' sides read of
 * the completions.
 */
final class GatewayRequests {
    private GatewayRequests() {
    }

    /** The pid requests of tests name as their requester's. */
    static final int PID = (int) ProcessHandle.current().pid();

    /** A request body; {@code target} empty for CALL, {@code payload} null for none. */
    static ByteBuf request(int op, byte[] target, byte[] reply, long id, int maxLength, long timeout, long host,
        byte[] payload) {
        ByteBuf request = Unpooled.buffer();
        request.writeIntLE(op).writeIntLE(target.length).writeIntLE(reply.length).writeIntLE(maxLength)
            .writeLongLE(id).writeLongLE(timeout).writeLongLE(host).writeIntLE(PID).writeBytes(target)
            .writeBytes(reply);
        if (payload != null) {
            request.writeBytes(payload);
        }
        return request;
    }

    /** A completion's status. */
    static int status(ByteBuffer completion) {
        return completion.getInt(STATUS_OFFSET);
    }

    /** A completion's payload (of a heap buffer, whole). */
    static byte[] payload(ByteBuffer completion) {
        return Arrays.copyOfRange(completion.array(), completion.arrayOffset() + COMPLETION_PAYLOAD_OFFSET,
            completion.arrayOffset() + completion.limit());
    }

    /** {@code size} random bytes, the same for the same seed. */
    static byte[] bytes(int size, int seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }
}
