package io.dragon;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;

/** The loop of a {@link Pool}'s worker process: take a task frame, run it, put its result frame (see PoolFrames). */
final class PoolWorker implements SerializableRunnable {
    private static final long serialVersionUID = 1L;
    private static final long PID = ProcessHandle.current().pid();

    private final Queue<ByteBuffer> tasks;
    private final Queue<ByteBuffer> results;

    PoolWorker(Queue<ByteBuffer> tasks, Queue<ByteBuffer> results) {
        this.tasks = tasks;
        this.results = results;
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
                        Function<Object, Object> function = function(functions, task, serialization);
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

    @SuppressWarnings("unchecked")
    private static Function<Object, Object> function(Map<Long, Function<Object, Object>> functions, ByteBuffer task,
                                                     Codec<Object> serialization) {
        long id = task.getLong();
        Function<Object, Object> function = functions.get(id);
        if (function != null) {
            task.position(task.position() + Integer.BYTES + task.getInt(task.position()));
            return function;
        }
        function = (Function<Object, Object>) serialization.decode(task);
        functions.put(id, function);
        return function;
    }
}
