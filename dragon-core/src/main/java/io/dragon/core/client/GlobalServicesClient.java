package io.dragon.core.client;

import io.dragon.core.infrastructure.LaunchParameters;
import io.dragon.core.messages.Message;
import io.dragon.core.messages.MessageChannel;
import io.dragon.core.messages.Messages.ChannelInfo;
import io.dragon.core.messages.Messages.GSChannelCreate;
import io.dragon.core.messages.Messages.GSChannelCreateResponse;
import io.dragon.core.messages.Messages.GSChannelDestroy;
import io.dragon.core.messages.Messages.GSChannelDestroyResponse;
import io.dragon.core.messages.Messages.GSChannelList;
import io.dragon.core.messages.Messages.GSChannelListResponse;
import io.dragon.core.messages.Messages.GSChannelQuery;
import io.dragon.core.messages.Messages.GSChannelQueryResponse;
import io.dragon.core.messages.Messages.GSNameBind;
import io.dragon.core.messages.Messages.GSNameBindResponse;
import io.dragon.core.messages.Messages.GSNameLookup;
import io.dragon.core.messages.Messages.GSNameLookupResponse;
import io.dragon.core.messages.Messages.GSNameUnbind;
import io.dragon.core.messages.Messages.GSNameUnbindResponse;
import io.dragon.core.messages.Messages.GSNodeList;
import io.dragon.core.messages.Messages.GSNodeListResponse;
import io.dragon.core.messages.Messages.GSPoolCreate;
import io.dragon.core.messages.Messages.GSPoolCreateResponse;
import io.dragon.core.messages.Messages.GSPoolDestroy;
import io.dragon.core.messages.Messages.GSPoolDestroyResponse;
import io.dragon.core.messages.Messages.GSPoolList;
import io.dragon.core.messages.Messages.GSPoolListResponse;
import io.dragon.core.messages.Messages.GSPoolQuery;
import io.dragon.core.messages.Messages.GSPoolQueryResponse;
import io.dragon.core.messages.Messages.GSProcessCreate;
import io.dragon.core.messages.Messages.GSProcessCreateResponse;
import io.dragon.core.messages.Messages.GSProcessJoin;
import io.dragon.core.messages.Messages.GSProcessJoinResponse;
import io.dragon.core.messages.Messages.GSProcessKill;
import io.dragon.core.messages.Messages.GSProcessKillResponse;
import io.dragon.core.messages.Messages.GSProcessList;
import io.dragon.core.messages.Messages.GSProcessListResponse;
import io.dragon.core.messages.Messages.GSProcessQuery;
import io.dragon.core.messages.Messages.GSProcessQueryResponse;
import io.dragon.core.messages.Messages.NodeInfo;
import io.dragon.core.messages.Messages.PoolInfo;
import io.dragon.core.messages.Messages.ProcessInfo;
import io.dragon.core.messages.Messages.ProcessSpec;
import io.dragon.core.messages.Request;
import io.dragon.core.messages.Response;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.LongFunction;

/**
 * A managed process's connection to Global Services: requests go on Global Services' channel, answers come back
 * on this process's own return channel (both named in its launch parameters). Threads may use it concurrently.
 * Most requests wait for their answer; {@link #onExit} returns at once, and while such requests are in flight one
 * daemon thread receives for them (and for everyone else) if no waiting thread does.
 */
public final class GlobalServicesClient {
    private static final Response NO_RESPONSE_YET = new GSNameUnbindResponse(0, 0, Response.FAIL, "no response yet");
    /** How often a waiter that is not receiving checks whether the receiver has left. */
    private static final long RECEIVER_CHECK_MILLIS = 10;
    private static volatile GlobalServicesClient instance;

    private final LaunchParameters params;
    private final MessageChannel globalServices;
    private final MessageChannel answers;
    private final AtomicLong tags = new AtomicLong();
    /** Requests in flight, by tag: their response, or NO_RESPONSE_YET. */
    private final ConcurrentHashMap<Long, Response> awaited = new ConcurrentHashMap<>();
    /** Requests whose response completes a future instead of waking a waiter, by tag. */
    private final ConcurrentHashMap<Long, CompletableFuture<Response>> futures = new ConcurrentHashMap<>();
    /** Held by the thread that reads the return channel for all waiters. */
    private final ReentrantLock receiving = new ReentrantLock();
    /** Guards {@link #futureReceiver}. */
    private final Object futureReceiverLock = new Object();
    /** Whether a thread receives for {@link #futures}: started when one is added, ends when none is left. */
    private boolean futureReceiver;

    private GlobalServicesClient(LaunchParameters params) {
        if (params.globalServicesChannel() == null || params.returnChannel() == null) {
            throw new IllegalStateException("this process has no channels to Global Services: only managed"
                + " processes started by the runtime can use it");
        }
        this.params = params;
        this.globalServices = MessageChannel.attach(params.globalServicesChannel());
        this.answers = MessageChannel.attach(params.returnChannel());
    }

    /** The client of this process, made from its launch parameters on first use. */
    public static GlobalServicesClient get() {
        GlobalServicesClient client = instance;
        if (client == null) {
            synchronized (GlobalServicesClient.class) {
                if (instance == null) {
                    instance = new GlobalServicesClient(LaunchParameters.fromEnvironment());
                }
                client = instance;
            }
        }
        return client;
    }

    public LaunchParameters launchParameters() {
        return params;
    }

    /** Starts a managed process; returns once it runs (or throws if it could not start). */
    public ProcessInfo createProcess(ProcessSpec spec) {
        return request(tag -> new GSProcessCreate(tag, params.puid(), answers.cuid(), spec),
            GSProcessCreateResponse.class).info();
    }

    /**
     * Waits for a process to end, at most {@code timeoutMillis} (negative: forever).
     *
     * @return its final state, or its current state if the timeout passed first
     */
    public ProcessInfo join(long puid, long timeoutMillis) {
        GSProcessJoinResponse response = request(tag -> new GSProcessJoin(tag, params.puid(), answers.cuid(), puid,
            timeoutMillis), GSProcessJoinResponse.class, Response.TIMEOUT);
        return response.info();
    }

    /**
     * A future that completes with the final state of a process once it has ended, or fails with a
     * {@link GlobalServicesException} (an unknown process, say). It is completed by the thread that receives the
     * answer, which serves every request of this process: dependent stages must not block there (use the
     * {@code *Async} forms).
     */
    public CompletableFuture<ProcessInfo> onExit(long puid) {
        return requestAsync(tag -> new GSProcessJoin(tag, params.puid(), answers.cuid(), puid, -1),
            GSProcessJoinResponse.class).thenApply(GSProcessJoinResponse::info);
    }

    public ProcessInfo query(long puid) {
        return request(tag -> new GSProcessQuery(tag, params.puid(), answers.cuid(), puid, null),
            GSProcessQueryResponse.class).info();
    }

    public ProcessInfo query(String name) {
        return request(tag -> new GSProcessQuery(tag, params.puid(), answers.cuid(), 0, name),
            GSProcessQueryResponse.class).info();
    }

    public List<ProcessInfo> processes() {
        return request(tag -> new GSProcessList(tag, params.puid(), answers.cuid()), GSProcessListResponse.class)
            .processes();
    }

    /** Sends {@code signal} to a running process. */
    public void kill(long puid, int signal) {
        request(tag -> new GSProcessKill(tag, params.puid(), answers.cuid(), puid, signal),
            GSProcessKillResponse.class);
    }

    /**
     * Creates a channel of {@code capacity} messages (up to {@code blockSize} bytes each inline) in pool
     * {@code muid}, or in this node's default pool if {@code muid} is 0; {@code name} may be null.
     */
    public ChannelInfo createChannel(long muid, int capacity, int blockSize, String name) {
        return request(tag -> new GSChannelCreate(tag, params.puid(), answers.cuid(), muid, capacity, blockSize,
            name), GSChannelCreateResponse.class).info();
    }

    public ChannelInfo queryChannel(long cuid) {
        return request(tag -> new GSChannelQuery(tag, params.puid(), answers.cuid(), cuid, null),
            GSChannelQueryResponse.class).info();
    }

    public ChannelInfo queryChannel(String name) {
        return request(tag -> new GSChannelQuery(tag, params.puid(), answers.cuid(), 0, name),
            GSChannelQueryResponse.class).info();
    }

    public List<ChannelInfo> channels() {
        return request(tag -> new GSChannelList(tag, params.puid(), answers.cuid()), GSChannelListResponse.class)
            .channels();
    }

    public void destroyChannel(long cuid) {
        request(tag -> new GSChannelDestroy(tag, params.puid(), answers.cuid(), cuid),
            GSChannelDestroyResponse.class);
    }

    /** Creates a pool of {@code size} bytes on this node; {@code name} may be null. */
    public PoolInfo createPool(long size, String name) {
        return request(tag -> new GSPoolCreate(tag, params.puid(), answers.cuid(), size, name),
            GSPoolCreateResponse.class).info();
    }

    public PoolInfo queryPool(long muid) {
        return request(tag -> new GSPoolQuery(tag, params.puid(), answers.cuid(), muid, null),
            GSPoolQueryResponse.class).info();
    }

    public PoolInfo queryPool(String name) {
        return request(tag -> new GSPoolQuery(tag, params.puid(), answers.cuid(), 0, name),
            GSPoolQueryResponse.class).info();
    }

    public List<PoolInfo> pools() {
        return request(tag -> new GSPoolList(tag, params.puid(), answers.cuid()), GSPoolListResponse.class).pools();
    }

    /** Destroys a pool and everything in it. */
    public void destroyPool(long muid) {
        request(tag -> new GSPoolDestroy(tag, params.puid(), answers.cuid(), muid), GSPoolDestroyResponse.class);
    }

    /** Binds {@code name} to an object of the user API; fails with {@link Response#ALREADY} if it is taken. */
    public void bindName(String name, String kind, byte[] descriptor) {
        request(tag -> new GSNameBind(tag, params.puid(), answers.cuid(), name, kind, descriptor),
            GSNameBindResponse.class);
    }

    /** The kind and descriptor bound to {@code name}; fails with {@link Response#NOT_FOUND} if none is. */
    public GSNameLookupResponse lookupName(String name) {
        return request(tag -> new GSNameLookup(tag, params.puid(), answers.cuid(), name),
            GSNameLookupResponse.class);
    }

    /** Removes {@code name}; true if it was bound. */
    public boolean unbindName(String name) {
        return request(tag -> new GSNameUnbind(tag, params.puid(), answers.cuid(), name),
            GSNameUnbindResponse.class, Response.NOT_FOUND).ok();
    }

    /** The runtime's nodes, by index. */
    public List<NodeInfo> nodes() {
        return request(tag -> new GSNodeList(tag, params.puid(), answers.cuid()), GSNodeListResponse.class).nodes();
    }

    /**
     * Sends a request and waits for its response. Any number of threads may have requests in flight: whichever
     * waiter holds {@code receiving} reads the return channel for everyone, files each response under its request's
     * tag, and hands the job on when its own response is in; answers to abandoned requests are dropped.
     *
     * @throws GlobalServicesException if the response reports an error not in {@code accepted}
     */
    private <R extends Response> R request(LongFunction<Request> request, Class<R> responseType, int... accepted) {
        long tag = tags.incrementAndGet();
        awaited.put(tag, NO_RESPONSE_YET);
        try {
            Request sent = request.apply(tag);
            globalServices.send(sent);
            receiveUntil(() -> awaited.get(tag) != NO_RESPONSE_YET);
            return checked(sent, awaited.get(tag), responseType, accepted);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GlobalServicesException("interrupted while waiting for Global Services", Response.FAIL);
        } finally {
            awaited.remove(tag);
        }
    }

    /**
     * Sends a request whose response completes the future returned, as {@link #request} would return or throw it.
     * The send itself waits, as every request's does, while Global Services' channel is full.
     */
    private <R extends Response> CompletableFuture<R> requestAsync(LongFunction<Request> request,
                                                                   Class<R> responseType, int... accepted) {
        long tag = tags.incrementAndGet();
        Request sent = request.apply(tag);
        CompletableFuture<Response> response = new CompletableFuture<>();
        futures.put(tag, response);
        try {
            globalServices.send(sent);
        } catch (InterruptedException e) {
            futures.remove(tag);
            Thread.currentThread().interrupt();
            return CompletableFuture.failedFuture(new GlobalServicesException("interrupted while sending to Global"
                + " Services", Response.FAIL));
        } catch (RuntimeException e) {
            futures.remove(tag);
            throw e;
        }
        ensureFutureReceiver();
        return response.thenApply(r -> checked(sent, r, responseType, accepted));
    }

    /** Starts a thread that receives while {@link #futures} has requests, unless one runs. */
    private void ensureFutureReceiver() {
        synchronized (futureReceiverLock) {
            if (futureReceiver) {
                return;
            }
            futureReceiver = true;
        }
        Thread receiver = new Thread(this::receiveForFutures, "dragon-gs-futures");
        receiver.setDaemon(true);
        receiver.start();
    }

    /**
     * Receives (or lets a waiter receive) until no future is left; the last check is under the lock that
     * {@link #ensureFutureReceiver} takes, so a future added meanwhile finds either this thread going on or none.
     * If the return channel fails, every future fails with it.
     */
    private void receiveForFutures() {
        try {
            for (;;) {
                receiveUntil(futures::isEmpty);
                synchronized (futureReceiverLock) {
                    if (futures.isEmpty()) {
                        futureReceiver = false;
                        return;
                    }
                }
            }
        } catch (InterruptedException | RuntimeException e) {
            synchronized (futureReceiverLock) {
                futureReceiver = false;
            }
            GlobalServicesException failure = new GlobalServicesException("no answer from Global Services can be"
                + " received: " + e, Response.FAIL);
            futures.keySet().forEach(tag -> complete(tag, null, failure));
        }
    }

    private <R extends Response> R checked(Request sent, Response response, Class<R> responseType, int[] accepted) {
        if (!responseType.isInstance(response)) {
            throw new GlobalServicesException("Global Services answered a " + sent.type() + " with a "
                + response.type(), Response.FAIL);
        }
        if (!response.ok() && !contains(accepted, response.err())) {
            throw new GlobalServicesException(response.errInfo(), response.err());
        }
        return responseType.cast(response);
    }

    /** Reads the return channel for everyone while no other thread does, until {@code done}. */
    private void receiveUntil(BooleanSupplier done) throws InterruptedException {
        while (!done.getAsBoolean()) {
            if (receiving.tryLock()) {
                try {
                    while (!done.getAsBoolean()) {
                        if (answers.recv(1, TimeUnit.DAYS) instanceof Response r) {
                            file(r);
                        }
                    }
                } finally {
                    receiving.unlock();
                    synchronized (awaited) {
                        awaited.notifyAll(); // someone else may now have to receive
                    }
                }
            } else {
                synchronized (awaited) {
                    if (!done.getAsBoolean() && receiving.isLocked()) {
                        awaited.wait(RECEIVER_CHECK_MILLIS);
                    }
                }
            }
        }
    }

    /** Hands a response to its waiter or completes its future; drops it if its request was abandoned. */
    private void file(Response response) {
        if (awaited.replace(response.ref(), NO_RESPONSE_YET, response)) {
            synchronized (awaited) {
                awaited.notifyAll();
            }
        } else {
            complete(response.ref(), response, null);
        }
    }

    /**
     * Completes the future of request {@code tag}, if it is still in {@link #futures}, with the response or the
     * failure. It runs the future's dependent stages, which only check the response (user code is asynchronous).
     */
    private void complete(long tag, Response response, Throwable failure) {
        CompletableFuture<Response> future = futures.remove(tag);
        if (future == null) {
            return;
        }
        if (failure == null) {
            future.complete(response);
        } else {
            future.completeExceptionally(failure);
        }
    }

    private static boolean contains(int[] values, int value) {
        for (int v : values) {
            if (v == value) {
                return true;
            }
        }
        return false;
    }
}
