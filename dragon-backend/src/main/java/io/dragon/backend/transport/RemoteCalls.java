package io.dragon.backend.transport;

import static io.dragon.core.channels.GatewayLayout.FAILED;
import static io.dragon.core.channels.GatewayLayout.OK;
import static io.dragon.core.channels.GatewayLayout.THREW;

import io.dragon.core.infrastructure.HostId;
import io.dragon.core.serialization.SerialFilter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.Callable;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Runs CALL requests: a serialized {@link Callable} that operates on an object of this node (a lock in this node's
 * pool, say) on behalf of a process of another node. It is read through the runtime's deserialization filter
 * ({@link SerialFilter.Scope#CALL}: the runtime's classes, java.lang and lambdas), and only from a link that showed
 * the job's secret. Every call is answered, whatever happens: with the value, with the exception the method threw
 * (THREW), or with FAILED and what went wrong (a refused class, an Error), so that no caller waits forever.
 */
final class RemoteCalls {
    private static final Logger LOG = LogManager.getLogger(RemoteCalls.class);

    private RemoteCalls() {
    }

    /** The completion of the CALL in {@code request} (not released here). */
    static ByteBuf run(ByteBuf request) {
        Callable<?> call;
        try {
            ByteBuffer payload = ChannelOperations.payload(request);
            Object read = SerialFilter.configured(SerialFilter.Scope.CALL).read(new ByteBufInputStream(
                Unpooled.wrappedBuffer(payload)), payload.remaining());
            if (!(read instanceof Callable<?> callable)) {
                throw new IOException("a remote call must be a java.util.concurrent.Callable, got a "
                    + (read == null ? "null" : read.getClass().getName()));
            }
            call = callable;
        } catch (Throwable e) {
            LOG.warn("refused a remote call: {}", e.toString());
            return failed(request, "the remote call could not be read on " + HostId.hostname() + ": " + e);
        }
        Object outcome;
        int status;
        try {
            outcome = call.call();
            status = OK;
        } catch (Exception e) {
            outcome = e;
            status = THREW;
        } catch (Throwable e) {
            LOG.warn("a remote call failed: {}", e.toString());
            return failed(request, "the remote call failed on " + HostId.hostname() + ": " + e);
        }
        byte[] bytes;
        try {
            bytes = serialize(outcome);
        } catch (Throwable e) {
            return failed(request, "the " + (status == THREW ? "exception" : "result") + " of the remote call could"
                + " not be serialized on " + HostId.hostname() + ": " + e);
        }
        return TransportFrames.finish(TransportFrames.completion(request.alloc(), request, status, 0, bytes.length)
            .writeBytes(bytes));
    }

    private static ByteBuf failed(ByteBuf request, String why) {
        return TransportFrames.failure(request.alloc(), request, FAILED, 0, why);
    }

    private static byte[] serialize(Object value) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        }
        return bytes.toByteArray();
    }
}
