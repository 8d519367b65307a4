package io.dragon.internal;

import io.dragon.Codec;
import io.dragon.Output;
import java.nio.ByteBuffer;

/**
 * The messages between a {@link io.dragon.Pool} and its workers, each one message on a worker's task queue or the
 * pool's result queue.
 *
 * <pre>
 * task    CALL  [kind 1][task id 8][a SerializableCallable, Java-serialized with a 4-byte length]
 *         MAP   [kind 2][task id 8][function id 8][count 4][count inputs, standard codec]
 *         STOP  [kind 3]
 * result  OK    [task id 8][status 0][count 4][count results, standard codec]
 *         ERROR [task id 8][status 1][a RemoteTaskException, Java-serialized with a 4-byte length]
 * </pre>
 * The function of a map is bound in Global Services for as long as the map runs (PoolWorker.FUNCTION_KIND); a
 * worker fetches and deserializes it the first time it meets its id, so a chunk of one small input is ~30 bytes.
 */
public final class PoolFrames {
    public static final byte CALL = 1;
    public static final byte MAP = 2;
    public static final byte STOP = 3;
    public static final byte OK = 0;
    public static final byte ERROR = 1;

    private PoolFrames() {
    }

    /** Frames travel as they are: one whole message is one frame. */
    public enum FrameCodec implements Codec<ByteBuffer> {
        INSTANCE;

        @Override
        public void encode(ByteBuffer element, Output out) {
            out.putBytes(element);
        }

        @Override
        public ByteBuffer decode(ByteBuffer in) {
            ByteBuffer frame = in.slice();
            in.position(in.limit());
            return frame;
        }
    }
}
