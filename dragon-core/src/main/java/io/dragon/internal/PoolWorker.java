package io.dragon.internal;

import io.dragon.Codec;
import io.dragon.Codecs;
import io.dragon.Output;
import io.dragon.Queue;
import io.dragon.RemoteTaskException;
import io.dragon.SerializableRunnable;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;

/**
 * The loop of a {@link io.dragon.Pool}'s worker process: take a task frame, run it, put its result frame (see
 * {@link PoolFrames}).
 */
public final class PoolWorker implements SerializableRunnable {
    private static final long serialVersionUID = 1L;
    private static final long PID = ProcessHandle.current().pid();

    /** Kind of the Global Services names under which a pool publishes the function of a running map. */
    public static final String FUNCTION_KIND = "PoolFunction";

    private final Queue<ByteBuffer> tasks;
    private final Queue<ByteBuffer> results;
    private final String functionNames;

    /**
     * A worker that takes task frames from {@code tasks} and puts result frames on {@code results}; the function
     * of a map is bound under {@code functionNames} followed by its id.
     */
    public PoolWorker(Queue<ByteBuffer> tasks, Queue<ByteBuffer> results, String functionNames) {
        this.tasks = tasks;
        this.results = results;
        this.functionNames = functionNames;
    }

    @Override
    public void run() {
        Codec<Object> codec = Codecs.standard();
        Codec<Object> serialization = Codecs.serialization();
        Map<Long, Function<Object, Object>> functions = new HashMap<>();
        Output out = new Output(4096);
        try {
            for (;;) {
                ByteBuffer task = tasks.take();
                byte kind = task.get();
                if (kind == PoolFrames.STOP) {
                    return;
                }
                long taskId = task.getLong();
                out.clear().putLong(taskId).putByte(PoolFrames.OK);
                try {
                    if (kind == PoolFrames.CALL) {
                        Object result = ((Callable<?>) serialization.decode(task)).call();
                        out.putInt(1);
                        codec.encode(result, out);
                    } else {
                        Function<Object, Object> function = function(functions, task.getLong());
                        int count = task.getInt();
                        out.putInt(count);
                        for (int i = 0; i < count; i++) {
                            codec.encode(function.apply(codec.decode(task)), out);
                        }
                    }
                } catch (Exception | Error e) {
                    out.clear().putLong(taskId).putByte(PoolFrames.ERROR);
                    serialization.encode(new RemoteTaskException(e, PID), out);
                }
                results.put(out.view());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The function of a map, fetched from Global Services the first time this worker meets its id. */
    @SuppressWarnings("unchecked")
    private Function<Object, Object> function(Map<Long, Function<Object, Object>> functions, long id) {
        Function<Object, Object> function = functions.get(id);
        if (function == null) {
            byte[] bytes = Services.ask(() -> Services.globalServices().lookupName(functionNames + id)).descriptor();
            function = (Function<Object, Object>) Services.deserialize(bytes, 0, bytes.length, "the function of map");
            functions.put(id, function);
        }
        return function;
    }
}
