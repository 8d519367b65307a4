package io.dragon.backend.transport;

import static io.dragon.core.channels.GatewayLayout.FAILED;
import static io.dragon.core.channels.GatewayLayout.OK;
import static io.dragon.core.channels.GatewayLayout.THREW;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.concurrent.Callable;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Runs CALL requests: a serialized {@link Callable} that operates on an object of this node (a lock in this node's
 * pool, say) on behalf of a process of another node. Only the runtime's and the JDK's classes may be deserialized,
 * and only from a link that showed the job's secret.
 */
final class RemoteCalls {
    private static final Logger LOG = LogManager.getLogger(RemoteCalls.class);
    private static final ObjectInputFilter CLASSES = ObjectInputFilter.Config.createFilter(
        "io.dragon.**;java.lang.**;java.util.**;java.io.**;maxdepth=20;maxbytes=1048576;!*");

    private RemoteCalls() {
    }

    /** The completion of the CALL in {@code request} (not released here). */
    static ByteBuf run(ByteBuf request) {
        Object outcome;
        int status;
        try (ObjectInputStream in = new ObjectInputStream(new ByteBufInputStream(Unpooled.wrappedBuffer(
            ChannelOperations.payload(request))))) {
            in.setObjectInputFilter(CLASSES);
            Callable<?> call = (Callable<?>) in.readObject();
            try {
                outcome = call.call();
                status = OK;
            } catch (Exception e) {
                outcome = e;
                status = THREW;
            }
        } catch (IOException | ClassNotFoundException | ClassCastException e) {
            LOG.warn("refused a remote call: {}", e.toString());
            return TransportFrames.failure(request.alloc(), request, FAILED, 0, "the remote call could not be read: "
                + e);
        }
        byte[] bytes;
        try {
            bytes = serialize(outcome);
        } catch (IOException e) {
            return TransportFrames.failure(request.alloc(), request, FAILED, 0, "the result of the remote call could"
                + " not be serialized: " + e);
        }
        return TransportFrames.finish(TransportFrames.completion(request.alloc(), request, status, 0, bytes.length)
            .writeBytes(bytes));
    }

    private static byte[] serialize(Object value) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        }
        return bytes.toByteArray();
    }
}
