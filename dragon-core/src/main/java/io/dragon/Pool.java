package io.dragon;

import java.io.Serializable;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A pool of worker processes that runs tasks: an {@link ExecutorService} whose tasks run in other JVMs, plus
 * {@link #map} and {@link #imap} like Python's {@code multiprocessing.Pool}. Tasks, functions and their captured
 * values must be Serializable; inputs and results travel with {@link Codecs#standard()}. A task that throws
 * completes its future with an ExecutionException whose cause is a {@link RemoteTaskException} carrying the
 * worker's stack trace.
 *
 * <p>Workers share one task queue and one result queue (channels); a thread of this process (the dispatcher)
 * completes futures as results arrive. {@link #shutdown()} lets queued tasks finish, then stops the workers;
 * {@link #close()} also waits for that and frees the queues.
 */
public final class Pool implements ExecutorService, AutoCloseable {
    private static final int QUEUE_CAPACITY = 1024;
    /** Inline bytes per task message: room for most serialized tasks; longer ones go to side allocations. */
    private static final int FRAME_BLOCK_SIZE = 1024;
    private static final AtomicLong FUNCTION_IDS = new AtomicLong();

    private final int workers;
    private final Queue<ByteBuffer> tasks;
    private final Queue<ByteBuffer> results;
    private final ProcessGroup group;
    private final ConcurrentHashMap<Long, Pending> pending = new ConcurrentHashMap<>();
    private final AtomicLong taskIds = new AtomicLong();
    private final Thread dispatcher;
    private final Output frame = new Output(4096);
    /** Prefix of the names under which this pool's map functions are bound while their map runs. */
    private final String functionNames;
    private volatile boolean shutdown;
    private volatile boolean stopped;

    /**
     * A task or chunk in flight: where its results go, and what to complete: its own future (a submitted task, or
     * a chunk of imap) and/or the map it belongs to.
     */
    private record Pending(CompletableFuture<Object> future, Object[] results, int first, MapJob<?> job) {
        void succeeded() {
            if (future != null) {
                future.complete(results[first]);
            }
            if (job != null) {
                job.chunkDone();
            }
        }

        void failed(Throwable failure) {
            if (future != null) {
                future.completeExceptionally(failure);
            }
            if (job != null) {
                job.done.completeExceptionally(failure);
            }
        }

        void cancel() {
            if (future != null) {
                future.cancel(false);
            }
            if (job != null) {
                job.done.cancel(false);
            }
        }
    }

    private Pool(int workers, String... jvmOptions) {
        if (workers <= 0) {
            throw new IllegalArgumentException("a pool needs at least one worker, got " + workers);
        }
        this.workers = workers;
        this.tasks = new Queue<>(null, QUEUE_CAPACITY, FRAME_BLOCK_SIZE, PoolFrames.FrameCodec.INSTANCE);
        this.results = new Queue<>(null, QUEUE_CAPACITY, FRAME_BLOCK_SIZE, PoolFrames.FrameCodec.INSTANCE);
        this.functionNames = "dragon-pool-" + ProcessHandle.current().pid() + "-" + System.identityHashCode(this)
            + "-function-";
        ProcessTemplate worker = ProcessTemplate.of(new PoolWorker(tasks, results, functionNames));
        this.group = new ProcessGroup().add(jvmOptions.length > 0 ? worker.withJvmOptions(jvmOptions) : worker,
            workers);
        this.dispatcher = new Thread(this::dispatch, "dragon-pool-dispatcher");
        dispatcher.setDaemon(true);
        try {
            group.start();
        } catch (RuntimeException e) {
            tasks.destroy();
            results.destroy();
            throw e;
        }
        dispatcher.start();
    }

    /** A pool with one worker per CPU of this node. */
    public static Pool create() {
        return new Pool(Machine.current().here().cpus());
    }

    /** A pool of {@code workers} worker processes, started with {@code jvmOptions} (such as -Xmx2g). */
    public static Pool create(int workers, String... jvmOptions) {
        return new Pool(workers, jvmOptions);
    }

    public int workers() {
        return workers;
    }

    // ---- ExecutorService

    @Override
    public <T> Future<T> submit(Callable<T> task) {
        return call(serializable(task));
    }

    @Override
    public <T> Future<T> submit(Runnable task, T result) {
        SerializableRunnable runnable = serializable(task);
        return call((SerializableCallable<Object>) () -> {
            runnable.run();
            return null;
        }).thenApply(ignored -> result);
    }

    @Override
    public Future<?> submit(Runnable task) {
        return submit(task, null);
    }

    @Override
    public void execute(Runnable command) {
        submit(command);
    }

    @Override
    public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> callables) throws InterruptedException {
        List<Future<T>> futures = submitAll(callables);
        for (Future<T> future : futures) {
            try {
                future.get();
            } catch (ExecutionException | CancellationException e) {
                // reported by the future itself
            }
        }
        return futures;
    }

    @Override
    public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> callables, long timeout, TimeUnit unit)
        throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        List<Future<T>> futures = submitAll(callables);
        for (Future<T> future : futures) {
            try {
                future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (ExecutionException | CancellationException e) {
                // reported by the future itself
            } catch (TimeoutException e) {
                futures.forEach(f -> f.cancel(true));
                break;
            }
        }
        return futures;
    }

    @Override
    public <T> T invokeAny(Collection<? extends Callable<T>> callables) throws InterruptedException,
        ExecutionException {
        try {
            return invokeAny(callables, Long.MAX_VALUE / 2, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("a wait without deadline timed out", e);
        }
    }

    @Override
    public <T> T invokeAny(Collection<? extends Callable<T>> callables, long timeout, TimeUnit unit)
        throws InterruptedException, ExecutionException, TimeoutException {
        if (callables.isEmpty()) {
            throw new IllegalArgumentException("invokeAny needs at least one task");
        }
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        LinkedBlockingQueue<Future<T>> done = new LinkedBlockingQueue<>();
        List<Future<T>> futures = new ArrayList<>();
        for (Callable<T> callable : callables) {
            CompletableFuture<T> future = call(serializable(callable));
            future.whenComplete((value, error) -> done.add(future));
            futures.add(future);
        }
        try {
            ExecutionException last = null;
            for (int i = 0; i < futures.size(); i++) {
                Future<T> future = done.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (future == null) {
                    throw new TimeoutException("no task of invokeAny succeeded in time");
                }
                try {
                    return future.get();
                } catch (ExecutionException e) {
                    last = e;
                }
            }
            throw last;
        } finally {
            futures.forEach(f -> f.cancel(true));
        }
    }

    /** No new tasks; queued and running ones finish, then the workers exit. */
    @Override
    public void shutdown() {
        shutdown = true;
        stopWhenIdle();
    }

    /**
     * Kills the workers at once; tasks not finished complete with CancellationException. Returns an empty list:
     * queued tasks exist only in serialized form.
     */
    @Override
    public List<Runnable> shutdownNow() {
        shutdown = true;
        stopped = true;
        group.kill();
        pending.values().forEach(Pending::cancel);
        pending.clear();
        return List.of();
    }

    @Override
    public boolean isShutdown() {
        return shutdown;
    }

    @Override
    public boolean isTerminated() {
        return shutdown && group.members().stream().allMatch(m -> !m.process().isAlive());
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        for (ProcessGroup.Member member : group.members()) {
            if (!member.process().join(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                return false;
            }
        }
        return true;
    }

    /** Shuts down, waits until the workers have exited, and frees the pool's queues. */
    @Override
    public void close() throws InterruptedException {
        shutdown();
        awaitTermination(Long.MAX_VALUE / 2, TimeUnit.NANOSECONDS);
        dispatcher.interrupt();
        dispatcher.join();
        tasks.destroy();
        results.destroy();
    }

    // ---- map

    /** Applies {@code function} to every input in the workers; the results in input order (Python's default chunks). */
    public <T, R> List<R> map(SerializableFunction<? super T, ? extends R> function, Collection<? extends T> inputs)
        throws InterruptedException, ExecutionException {
        return map(function, inputs, defaultChunkSize(inputs.size()));
    }

    /** Like {@link #map(SerializableFunction, Collection)}, sending {@code chunkSize} inputs per message. */
    public <T, R> List<R> map(SerializableFunction<? super T, ? extends R> function, Collection<? extends T> inputs,
                              int chunkSize) throws InterruptedException, ExecutionException {
        MapJob<R> job = startMap(function, inputs, chunkSize, false);
        job.done.get();
        return job.list();
    }

    /**
     * Like {@link #map(SerializableFunction, Collection, int)}, but returns at once: the iterator gives the results in
     * input order, each as soon as its chunk is done. A failed task makes {@code next()} throw a DragonException
     * whose cause is the {@link RemoteTaskException}.
     */
    public <T, R> Iterator<R> imap(SerializableFunction<? super T, ? extends R> function,
                                   Collection<? extends T> inputs, int chunkSize) throws InterruptedException {
        MapJob<R> job = startMap(function, inputs, chunkSize, true);
        return new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < job.results.length;
            }

            @Override
            @SuppressWarnings("unchecked")
            public R next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                try {
                    job.chunks.get(next / job.chunkSize).get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new DragonException("interrupted while waiting for a result of imap", e);
                } catch (ExecutionException e) {
                    throw new DragonException("a task of imap failed: " + e.getCause().getMessage(), e.getCause());
                }
                return (R) job.results[next++];
            }
        };
    }

    /** Python's choice: about four chunks per worker. */
    private int defaultChunkSize(int inputs) {
        int chunks = workers * 4;
        return Math.max(1, inputs / chunks + (inputs % chunks != 0 ? 1 : 0));
    }

    /**
     * One map call: where its results go, and a countdown of its chunks that completes {@code done} (one wake-up
     * for the caller however many chunks); imap also keeps a future per chunk, to hand out results as they come.
     */
    private static final class MapJob<R> {
        final Object[] results;
        final int chunkSize;
        final List<CompletableFuture<Object>> chunks = new ArrayList<>();
        final CompletableFuture<Void> done = new CompletableFuture<>();
        private final AtomicInteger remaining;

        MapJob(int size, int chunkSize) {
            this.results = new Object[size];
            this.chunkSize = chunkSize;
            this.remaining = new AtomicInteger((size + chunkSize - 1) / chunkSize);
            if (size == 0) {
                done.complete(null);
            }
        }

        void chunkDone() {
            if (remaining.decrementAndGet() == 0) {
                done.complete(null);
            }
        }

        @SuppressWarnings("unchecked")
        List<R> list() {
            return (List<R>) Arrays.asList(results);
        }
    }

    private <T, R> MapJob<R> startMap(SerializableFunction<? super T, ? extends R> function,
                                      Collection<? extends T> inputs, int chunkSize, boolean futurePerChunk)
        throws InterruptedException {
        if (chunkSize <= 0) {
            throw new IllegalArgumentException("chunk size must be positive, got " + chunkSize);
        }
        checkOpen();
        // The function goes to Global Services once, and each worker fetches it once: chunks carry only its id.
        long functionId = FUNCTION_IDS.incrementAndGet();
        String functionName = functionNames + functionId;
        byte[] functionBytes = Services.serialize(function, "the function of map");
        Services.ask(() -> {
            Services.globalServices().bindName(functionName, PoolWorker.FUNCTION_KIND, functionBytes);
            return null;
        });
        MapJob<R> job = new MapJob<>(inputs.size(), chunkSize);
        job.done.whenComplete((ignored, failure) -> Services.unbind(functionName));
        Codec<Object> codec = Codecs.standard();
        Iterator<? extends T> input = inputs.iterator();
        for (int first = 0; first < job.results.length; first += chunkSize) {
            int count = Math.min(chunkSize, job.results.length - first);
            CompletableFuture<Object> chunk = null;
            if (futurePerChunk) {
                chunk = new CompletableFuture<>();
                job.chunks.add(chunk);
            }
            synchronized (frame) {
                long taskId = taskIds.incrementAndGet();
                frame.clear().putByte(PoolFrames.MAP).putLong(taskId).putLong(functionId).putInt(count);
                for (int i = 0; i < count; i++) {
                    codec.encode(input.next(), frame);
                }
                pending.put(taskId, new Pending(chunk, job.results, first, job));
                send(taskId);
            }
        }
        return job;
    }

    // ----

    @SuppressWarnings("unchecked")
    private <T> CompletableFuture<T> call(SerializableCallable<T> callable) {
        checkOpen();
        CompletableFuture<Object> future = new CompletableFuture<>();
        synchronized (frame) {
            long taskId = taskIds.incrementAndGet();
            frame.clear().putByte(PoolFrames.CALL).putLong(taskId);
            Codecs.serialization().encode(callable, frame);
            pending.put(taskId, new Pending(future, new Object[1], 0, null));
            try {
                send(taskId);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RejectedExecutionException("interrupted while the task queue was full", e);
            }
        }
        return (CompletableFuture<T>) future;
    }

    /** Sends the frame of {@code taskId}; forgets the task if it cannot be sent. Call holding {@code frame}. */
    private void send(long taskId) throws InterruptedException {
        try {
            tasks.put(frame.view());
        } catch (RuntimeException | InterruptedException e) {
            pending.remove(taskId);
            throw e;
        }
    }

    private <T> List<Future<T>> submitAll(Collection<? extends Callable<T>> callables) {
        List<Future<T>> futures = new ArrayList<>();
        for (Callable<T> callable : callables) {
            futures.add(submit(callable));
        }
        return futures;
    }

    /** Completes futures from result frames until the pool is closed. */
    private void dispatch() {
        try {
            for (;;) {
                complete(results.take());
                if (shutdown) {
                    stopWhenIdle();
                }
            }
        } catch (InterruptedException | ObjectDestroyedException e) {
            // the pool is closing
        }
    }

    /**
     * Completes the task of a result frame, unless shutdownNow cancelled it. A result that cannot be read (a class
     * the deserialization filter refuses, say) fails its task; the dispatcher goes on with the others.
     */
    private void complete(ByteBuffer result) {
        Pending task = pending.remove(result.getLong());
        if (task == null) {
            return;
        }
        try {
            if (result.get() == PoolFrames.OK) {
                int count = result.getInt();
                Codec<Object> codec = Codecs.standard();
                for (int i = 0; i < count; i++) {
                    task.results()[task.first() + i] = codec.decode(result);
                }
                task.succeeded();
            } else {
                task.failed((RemoteTaskException) Codecs.serialization().decode(result));
            }
        } catch (RuntimeException | Error e) {
            task.failed(new DragonException("a result of the pool cannot be read: " + e.getMessage(), e));
        }
    }

    /** Once shut down and nothing is in flight, tells every worker to stop (once). */
    private synchronized void stopWhenIdle() {
        if (stopped || !pending.isEmpty()) {
            return;
        }
        stopped = true;
        ByteBuffer stop = ByteBuffer.wrap(new byte[] {PoolFrames.STOP});
        try {
            for (int i = 0; i < workers; i++) {
                tasks.put(stop);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void checkOpen() {
        if (shutdown) {
            throw new RejectedExecutionException("the pool is shut down");
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> SerializableCallable<T> serializable(Callable<T> task) {
        if (!(task instanceof Serializable)) {
            throw new DragonException("a task for a Pool must be Serializable: use a SerializableCallable (cast a"
                + " lambda to it) or a class that implements Serializable");
        }
        return task instanceof SerializableCallable<T> s ? s : (SerializableCallable<T>) task::call;
    }

    private static SerializableRunnable serializable(Runnable task) {
        if (!(task instanceof Serializable)) {
            throw new DragonException("a task for a Pool must be Serializable: use a SerializableRunnable (cast a"
                + " lambda to it) or a class that implements Serializable");
        }
        return task instanceof SerializableRunnable s ? s : task::run;
    }
}
