package io.dragon;

import io.dragon.core.infrastructure.HeapSizing;
import io.dragon.core.infrastructure.Settings;
import io.dragon.core.sync.Deadline;
import io.dragon.internal.PoolFrames;
import io.dragon.internal.PoolWorker;
import io.dragon.internal.Services;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
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
 * <p>{@code submit} returns a {@link CompletableFuture}, completed by the pool like the one of
 * {@link CompletableFuture#supplyAsync}: a dependent stage added with a non-async method ({@code thenApply}, ...)
 * may run in the thread that completes the futures of all tasks (see below), so it must not block: use the
 * {@code *Async} forms for anything that waits. {@code cancel} completes the future with a CancellationException
 * and leaves the task as it is (queued or running; {@code mayInterruptIfRunning} has no effect, a worker being
 * another process); so does completing the future from outside ({@code complete}, {@code completeExceptionally}):
 * the future keeps the caller's outcome, and the task's own is dropped when it comes.
 *
 * <p>Each worker has its own task queue and all share one result queue (channels); a thread of this process (the
 * dispatcher) completes futures as results arrive. A task goes to the worker with the fewest tasks in hand, and a
 * worker that runs out takes a queued task over from the busiest. {@link #shutdown()} lets queued tasks finish,
 * then stops the workers; {@link #close()} also waits for that and frees the queues.
 *
 * <p>A worker that dies (killed, out of memory, a task that halts its JVM) is replaced, and only the task it was
 * running is lost: that task's future fails with a {@link TaskLostException} naming the worker; its queued tasks
 * run in the replacement. The pool notices a dead worker within about a second.
 */
public final class Pool implements ExecutorService, AutoCloseable {
    /** Tasks queued for all workers together (each worker's queue holds its share, at least 16). */
    private static final int QUEUE_CAPACITY = 1024;
    /** How often the dispatcher checks that the workers holding tasks are alive. */
    private static final long CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    /** Inline bytes per task message: room for most serialized tasks; longer ones go to side allocations. */
    private static final int FRAME_BLOCK_SIZE = 1024;
    private static final AtomicLong FUNCTION_IDS = new AtomicLong();

    private final int workers;
    /** Worker i's policy: where it runs (the same for its replacements), on which cores and GPUs. */
    private final List<Policy> policies;
    /** The workers' JVM options: the pool's, else the program's, with a maximum heap unless they size it. */
    private final String[] jvmOptions;
    /** Worker i's task queue; its capacity is the most tasks i may hold (queued or running). */
    private final List<Queue<ByteBuffer>> tasks = new ArrayList<>();
    private final Queue<ByteBuffer> results;
    private final int capacity;
    /**
     * Guards which worker holds which task: {@link #held}, {@link #processes}, {@link #stopped}, the {@code worker}
     * of every Pending, and sends on the task queues (so the dispatcher can take back a dead worker's queue whole).
     */
    private final Object assignment = new Object();
    /** Tasks worker i holds: sent to it and not yet answered. */
    private final int[] held;
    private final Process[] processes;
    private final ConcurrentHashMap<Long, Pending> pending = new ConcurrentHashMap<>();
    private final AtomicLong taskIds = new AtomicLong();
    private final Thread dispatcher;
    private final Output frame = new Output(4096);
    /** Prefix of the names under which this pool's map functions are bound while their map runs. */
    private final String functionNames;
    private volatile boolean shutdown;
    private volatile boolean stopped;
    /** Set by {@link #close()} once the queues are freed; guarded by this pool's monitor. */
    private boolean closed;

    /**
     * A task or chunk in flight: where its results go, and what to complete: its own future (a submitted task, or
     * a chunk of imap) and/or the map it belongs to; and the worker that holds it.
     */
    private record Pending(CompletableFuture<Object> future, Object[] results, int first, MapJob<?> job, int worker) {
        Pending on(int otherWorker) {
            return new Pending(future, results, first, job, otherWorker);
        }

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

    private Pool(int workers, Policy policy, String... jvmOptions) {
        if (workers <= 0) {
            throw new IllegalArgumentException("a pool needs at least one worker, got " + workers);
        }
        this.workers = workers;
        this.policies = policy.spread(workers);
        this.jvmOptions = workerOptions(List.of(jvmOptions), workers, Policy.mostOnOneNode(policies));
        this.capacity = Math.max(16, QUEUE_CAPACITY / workers);
        this.held = new int[workers];
        this.processes = new Process[workers];
        this.functionNames = "dragon-pool-" + ProcessHandle.current().pid() + "-" + System.identityHashCode(this)
            + "-function-";
        this.results = new Queue<>(null, QUEUE_CAPACITY, FRAME_BLOCK_SIZE, PoolFrames.FrameCodec.INSTANCE);
        this.dispatcher = new Thread(this::dispatch, "dragon-pool-dispatcher");
        dispatcher.setDaemon(true);
        try {
            for (int i = 0; i < workers; i++) {
                tasks.add(new Queue<>(null, capacity, FRAME_BLOCK_SIZE, PoolFrames.FrameCodec.INSTANCE));
            }
            for (int i = 0; i < workers; i++) {
                processes[i] = startWorker(i);
            }
        } catch (RuntimeException e) {
            for (Process process : processes) {
                if (process != null) {
                    process.kill();
                }
            }
            tasks.forEach(Queue::destroy);
            results.destroy();
            throw e;
        }
        dispatcher.start();
    }

    private Process startWorker(int index) {
        ProcessTemplate worker = ProcessTemplate.of(new PoolWorker(tasks.get(index), results, functionNames))
            .withPolicy(policies.get(index));
        return (jvmOptions.length > 0 ? worker.withJvmOptions(jvmOptions) : worker).start();
    }

    /** {@code given} (else the program's), and a maximum heap that shares the node among the workers (HeapSizing). */
    private static String[] workerOptions(List<String> given, int workers, int onOneNode) {
        List<String> options = new ArrayList<>(given.isEmpty() ? Settings.programJvmOptions() : given);
        HeapSizing.workerMaxHeap(options, System.getenv(), HeapSizing.machineBytes(), workers, onOneNode)
            .ifPresent(options::add);
        return options.toArray(String[]::new);
    }

    /**
     * A pool with one worker per CPU of the whole allocation: the CPUs the runtime may use on all its nodes
     * ({@link Machine#cpus()}). Workers go anywhere, so Global Services spreads them over the nodes round-robin.
     */
    public static Pool create() {
        return new Pool(Machine.current().cpus(), Policy.anywhere());
    }

    /**
     * A pool of {@code workers} worker processes, started with {@code jvmOptions} (such as -Xmx2g; none: the
     * program's, {@code dragon --jvm-opt}). Unless those size the heap, each worker's maximum heap is a share of its
     * node's memory (what Slurm granted, else the machine's) among the pool's workers on the node (HeapSizing).
     */
    public static Pool create(int workers, String... jvmOptions) {
        return new Pool(workers, Policy.anywhere(), jvmOptions);
    }

    /**
     * {@link #create(int, String...)} with each worker placed by {@code policy}: on its node, or spread over the
     * nodes by its {@link Policy.Distribution distribution} (a worker that dies is replaced on the same node), and
     * confined to its CPU cores and GPUs, if it names any (every worker gets the same).
     */
    public static Pool create(int workers, Policy policy, String... jvmOptions) {
        return new Pool(workers, Objects.requireNonNull(policy, "policy"), jvmOptions);
    }

    /** The number of worker processes. */
    public int workers() {
        return workers;
    }

    // ---- ExecutorService

    @Override
    public <T> CompletableFuture<T> submit(Callable<T> task) {
        return call(serializable(task));
    }

    @Override
    public <T> CompletableFuture<T> submit(Runnable task, T result) {
        SerializableRunnable runnable = serializable(task);
        return call((SerializableCallable<Object>) () -> {
            runnable.run();
            return null;
        }).thenApply(ignored -> result);
    }

    @Override
    public CompletableFuture<Void> submit(Runnable task) {
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
        long deadline = Deadline.after(timeout, unit);
        List<Future<T>> futures = submitAll(callables);
        for (Future<T> future : futures) {
            try {
                future.get(Math.max(0, Deadline.remaining(deadline)), TimeUnit.NANOSECONDS);
            } catch (ExecutionException | CancellationException e) {
                // reported by the future itself
            } catch (TimeoutException e) {
                futures.forEach(f -> f.cancel(true));
                break;
            }
        }
        return futures;
    }

    /** {@link #invokeAll(Collection, long, TimeUnit)} with a Duration. */
    public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> callables, Duration timeout)
        throws InterruptedException {
        return invokeAll(callables, TimeUnit.NANOSECONDS.convert(timeout), TimeUnit.NANOSECONDS);
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
        long deadline = Deadline.after(timeout, unit);
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
                Future<T> future = done.poll(Math.max(0, Deadline.remaining(deadline)), TimeUnit.NANOSECONDS);
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

    /** {@link #invokeAny(Collection, long, TimeUnit)} with a Duration. */
    public <T> T invokeAny(Collection<? extends Callable<T>> callables, Duration timeout)
        throws InterruptedException, ExecutionException, TimeoutException {
        return invokeAny(callables, TimeUnit.NANOSECONDS.convert(timeout), TimeUnit.NANOSECONDS);
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
        Process[] killed;
        synchronized (assignment) {
            shutdown = true;
            stopped = true;
            killed = processes.clone();
            assignment.notifyAll();
        }
        for (Process process : killed) {
            process.kill();
        }
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
        return shutdown && Arrays.stream(workerProcesses()).noneMatch(Process::isAlive);
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = Deadline.after(timeout, unit);
        for (int i = 0; i < workers; i++) {
            for (Process process = worker(i);; process = worker(i)) {
                if (!process.join(Math.max(0, Deadline.remaining(deadline)), TimeUnit.NANOSECONDS)) {
                    return false;
                }
                if (process == worker(i)) {
                    break; // not replaced meanwhile
                }
            }
        }
        return true;
    }

    /** {@link #awaitTermination(long, TimeUnit)} with a Duration. */
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return awaitTermination(TimeUnit.NANOSECONDS.convert(timeout), TimeUnit.NANOSECONDS);
    }

    /**
     * Shuts down, waits until the workers have exited, and frees the pool's queues: the contract of JDK 19's
     * {@code ExecutorService.close()}, so try-with-resources needs no catch. If interrupted while waiting, it calls
     * {@link #shutdownNow()}, waits for the killed workers, and returns with the interrupt status set. Closing a
     * closed pool does nothing; a second thread that closes it returns once the first is done.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        shutdown();
        boolean interrupted = false;
        for (boolean terminated = false; !terminated; ) {
            try {
                terminated = awaitTermination(Long.MAX_VALUE / 2, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                if (!interrupted) {
                    shutdownNow();
                    interrupted = true;
                }
            }
        }
        dispatcher.interrupt();
        while (dispatcher.isAlive()) {
            try {
                dispatcher.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        tasks.forEach(Queue::destroy);
        results.destroy();
        closed = true;
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
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
                send(taskId, chunk, job.results, first, job);
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
            try {
                send(taskId, future, new Object[1], 0, null);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RejectedExecutionException("interrupted while the task queue was full", e);
            }
        }
        return (CompletableFuture<T>) future;
    }

    /**
     * Sends the frame of {@code taskId} to the worker that holds the fewest tasks, waiting while every worker holds
     * as many as its queue takes (so the send itself does not wait); forgets the task if it cannot be sent. Call
     * holding {@code frame}.
     */
    private void send(long taskId, CompletableFuture<Object> future, Object[] taskResults, int first, MapJob<?> job)
        throws InterruptedException {
        synchronized (assignment) {
            int worker = leastBusy();
            while (held[worker] >= capacity && !stopped) {
                assignment.wait();
                worker = leastBusy();
            }
            if (stopped) {
                throw new RejectedExecutionException("the pool is shut down");
            }
            held[worker]++;
            pending.put(taskId, new Pending(future, taskResults, first, job, worker));
            try {
                tasks.get(worker).put(frame.view());
            } catch (RuntimeException | InterruptedException e) {
                pending.remove(taskId);
                held[worker]--;
                throw e;
            }
        }
    }

    /** The worker that holds the fewest tasks. Call holding {@code assignment}. */
    private int leastBusy() {
        int least = 0;
        for (int i = 1; i < workers; i++) {
            if (held[i] < held[least]) {
                least = i;
            }
        }
        return least;
    }

    private <T> List<Future<T>> submitAll(Collection<? extends Callable<T>> callables) {
        List<Future<T>> futures = new ArrayList<>();
        for (Callable<T> callable : callables) {
            futures.add(submit(callable));
        }
        return futures;
    }

    /**
     * Completes futures from result frames until the pool is closed, and every {@link #CHECK_NANOS} replaces the
     * workers that hold tasks and have died.
     */
    private void dispatch() {
        try {
            long nextCheck = System.nanoTime() + CHECK_NANOS;
            for (;;) {
                ByteBuffer result = results.poll(CHECK_NANOS, TimeUnit.NANOSECONDS);
                if (result != null) {
                    complete(result);
                }
                if (System.nanoTime() - nextCheck >= 0) {
                    replaceDeadWorkers();
                    nextCheck = System.nanoTime() + CHECK_NANOS;
                }
                if (shutdown) {
                    stopWhenIdle();
                }
            }
        } catch (InterruptedException | ObjectDestroyedException e) {
            // the pool is closing
        } catch (RuntimeException | Error e) {
            // No future would complete any more: they all fail, and the pool takes no more tasks.
            synchronized (assignment) {
                shutdown = true;
                stopped = true;
                assignment.notifyAll();
            }
            DragonException failure = new DragonException("the pool cannot receive results any more: " + e, e);
            pending.values().forEach(task -> task.failed(failure));
            pending.clear();
            throw e;
        }
    }

    /**
     * Completes the task of a result frame, unless shutdownNow cancelled it or it was reported lost. A result that
     * cannot be read (a class the deserialization filter refuses, say) fails its task; the dispatcher goes on with
     * the others.
     */
    private void complete(ByteBuffer result) throws InterruptedException {
        Pending task = pending.remove(result.getLong());
        if (task == null) {
            return;
        }
        answered(task.worker());
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

    /**
     * A worker answered one of its tasks: a sender waiting for room may go on, and a worker left with nothing takes
     * over the next queued task of the busiest worker, if that one holds more than the task it runs.
     */
    private void answered(int worker) throws InterruptedException {
        synchronized (assignment) {
            if (held[worker]-- == capacity) {
                assignment.notifyAll();
            }
            if (held[worker] > 0 || stopped) {
                return;
            }
            int busiest = 0;
            for (int i = 1; i < workers; i++) {
                if (held[i] > held[busiest]) {
                    busiest = i;
                }
            }
            ByteBuffer task = held[busiest] > 1 ? tasks.get(busiest).poll() : null;
            if (task != null) {
                pending.computeIfPresent(task.getLong(1), (id, p) -> p.on(worker));
                held[busiest]--;
                held[worker]++;
                tasks.get(worker).put(task);
            }
        }
    }

    /** Replaces the workers that hold tasks and have died (a failed check is tried again at the next). */
    private void replaceDeadWorkers() throws InterruptedException {
        for (int i = 0; i < workers; i++) {
            Process process;
            synchronized (assignment) {
                if (stopped || held[i] == 0) {
                    continue;
                }
                process = processes[i];
            }
            try {
                if (!process.isAlive()) {
                    replace(i, process);
                }
            } catch (DragonException e) {
                // Global Services did not answer (the runtime may be ending); the tasks a failed start lost say why
            }
        }
    }

    /**
     * Replaces a dead worker. Its task queue is taken back whole and put back for the replacement: the tasks it held
     * that are not in it are those it had taken, and are lost (once the results it sent before dying are in). If no
     * replacement can start, every task it holds is lost.
     */
    private void replace(int worker, Process dead) throws InterruptedException {
        String why = "its worker, " + dead + ", died" + dead.exitCode().stream().mapToObj(c -> " (exit code " + c
            + ")").findFirst().orElse("") + " while it ran the task";
        drainResults();
        List<Pending> lost;
        synchronized (assignment) {
            if (stopped) {
                return;
            }
            List<ByteBuffer> queued = takeQueue(worker);
            lost = forget(worker, queued);
            for (ByteBuffer task : queued) {
                tasks.get(worker).put(task);
            }
            held[worker] = queued.size();
            assignment.notifyAll();
        }
        lost.forEach(task -> task.failed(new TaskLostException("a task of the pool was lost: " + why)));
        Process replacement;
        try {
            replacement = startWorker(worker);
        } catch (DragonException e) {
            synchronized (assignment) {
                takeQueue(worker);
                lost = forget(worker, List.of());
                held[worker] = 0;
                assignment.notifyAll();
            }
            lost.forEach(task -> task.failed(new TaskLostException("a task of the pool was lost: " + why
                + ", and no replacement could start: " + e.getMessage(), e)));
            throw e;
        }
        synchronized (assignment) {
            if (!stopped) {
                processes[worker] = replacement;
                return;
            }
        }
        replacement.kill(); // shutdownNow came meanwhile
    }

    /**
     * Completes every result sent so far, so that no task a dead worker answered is taken for lost: the dispatcher
     * is the only receiver, so once the queue's tail is reached every result published before is in.
     */
    private void drainResults() throws InterruptedException {
        for (;;) {
            ByteBuffer result = results.poll();
            if (result == null && results.size() > 0) {
                // a sender still writing, or a dead one that a waiting receiver steps past
                result = results.poll(CHECK_NANOS, TimeUnit.NANOSECONDS);
            } else if (result == null) {
                return;
            }
            if (result != null) {
                complete(result);
            }
        }
    }

    /** Takes every task out of a dead worker's queue, in order. Call holding {@code assignment}. */
    private List<ByteBuffer> takeQueue(int worker) {
        List<ByteBuffer> queued = new ArrayList<>();
        for (ByteBuffer task = tasks.get(worker).poll(); task != null; task = tasks.get(worker).poll()) {
            queued.add(task);
        }
        return queued;
    }

    /**
     * Removes and returns the tasks {@code worker} holds other than {@code queued}. Call holding {@code assignment}.
     */
    private List<Pending> forget(int worker, List<ByteBuffer> queued) {
        Set<Long> kept = new HashSet<>();
        for (ByteBuffer task : queued) {
            if (task.get(0) != PoolFrames.STOP) {
                kept.add(task.getLong(1));
            }
        }
        List<Pending> lost = new ArrayList<>();
        pending.entrySet().removeIf(entry -> entry.getValue().worker() == worker && !kept.contains(entry.getKey())
            && lost.add(entry.getValue()));
        return lost;
    }

    /** Once shut down and nothing is in flight, tells every worker to stop (once). */
    private void stopWhenIdle() {
        synchronized (assignment) {
            if (stopped || !pending.isEmpty()) {
                return;
            }
            stopped = true;
            assignment.notifyAll();
            ByteBuffer stop = ByteBuffer.wrap(new byte[] {PoolFrames.STOP});
            try {
                for (Queue<ByteBuffer> queue : tasks) {
                    queue.put(stop.duplicate());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private Process worker(int index) {
        synchronized (assignment) {
            return processes[index];
        }
    }

    private Process[] workerProcesses() {
        synchronized (assignment) {
            return processes.clone();
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
