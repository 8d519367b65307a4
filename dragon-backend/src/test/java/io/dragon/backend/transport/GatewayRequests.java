package io.dragon.backend.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/** Gateway requests built as a process builds them (see GatewayLayout), for tests of the agents' sides. */
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
            .writeLongLE(id).writeLongLE(timeout).writeLongLE(host).writeIntLE(PID).writeBytes(target).writeBytes(reply);
        if (payload != null) {
            request.writeBytes(payload);
        }
        return request;
    }
}
