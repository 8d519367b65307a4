package io.dragon.internal;

import io.dragon.Codec;
import io.dragon.Codecs;
import io.dragon.DragonException;
import io.dragon.Output;
import io.dragon.Queue;
import io.dragon.SerializableRunnable;
import io.dragon.core.channels.Channel;
import io.dragon.core.channels.ChannelException;
import io.dragon.core.channels.SendReturn;
import io.dragon.core.infrastructure.HostId;
import io.dragon.core.map.Shard;
import io.dragon.core.map.Shard.Op;
import io.dragon.core.memory.MemoryPool;
import io.dragon.core.messages.Messages.ChannelInfo;
import io.dragon.core.messages.Messages.PoolInfo;
import io.dragon.core.sync.Deadline;
import io.dragon.core.sync.WaitMode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The loop of one manager of a {@link io.dragon.DDict}, a process of its own: it makes its pool, its shard and its
 * request channel, reports them ({@link ManagerInfo}), then serves requests ({@link DDictFrames}) one at a time until
 * the dictionary is destroyed. Processes of its node mostly use the shard directly; the manager serves the other
 * nodes, runs the functions of compute and merge (user code: a manager runs with the program's classpath), and
 * alone moves the working set of checkpoints.
 */
public final class DDictManager implements SerializableRunnable {
    private static final long serialVersionUID = 1L;
    /** Requests the channel holds; a client has at most one outstanding per thread. */
    public static final int REQUEST_CAPACITY = 1024;
    /** Bytes a request may take inline: a 16 B key and 64 B value with the header and reply address. */
    public static final int REQUEST_BLOCK = 256;
    /**
     * How long a reply may wait for room in a reply channel of this node before it is dropped: a full one holds
     * replies no caller waits for (its callers gave up, or are gone), so the manager serves the others.
     */
    private static final long REPLY_TIMEOUT_MILLIS = 100;
    /** Functions of compute requests remembered, by their serialized form. */
    private static final int MAX_FUNCTIONS = 256;
    /** Buckets each of the shard's maps starts with (they double as they fill). */
    private static final int INITIAL_BUCKETS = 256;
    /** Reply channels remembered; more are attached again as needed. */
    private static final int MAX_REPLY_CHANNELS = 4096;

    private final String dictionary;
    private final int index;
    private final long bytes;
    private final int workingSet;
    private final int stripes;
    private final Codec<Object> keys;
    private final Codec<Object> values;
    private final Queue<ManagerInfo> setup;

    private transient Shard shard;
    private transient Map<Long, Channel> replyChannels;
    private transient Output out;
    private transient Map<ByteBuffer, Object> functions;

    /**
     * Manager {@code index} of dictionary {@code dictionary}: a shard of {@code bytes} with {@code workingSet}
     * checkpoints of {@code stripes} maps, keys and values in the dictionary's codecs; it reports on {@code setup}.
     */
    public DDictManager(String dictionary, int index, long bytes, int workingSet, int stripes, Codec<?> keys,
                        Codec<?> values, Queue<ManagerInfo> setup) {
        this.dictionary = dictionary;
        this.index = index;
        this.bytes = bytes;
        this.workingSet = workingSet;
        this.stripes = stripes;
        this.keys = cast(keys);
        this.values = cast(values);
        this.setup = setup;
    }

    @SuppressWarnings("unchecked")
    private static Codec<Object> cast(Codec<?> codec) {
        return (Codec<Object>) codec;
    }

    /**
     * Sets up, reports, serves until DESTROY, then frees the pool and channel. A manager that fails to set up frees
     * what it made; one that fails while serving leaves its shard to the processes of its node (they use it
     * directly) until the end of the runtime.
     */
    @Override
    public void run() {
        var gs = Services.globalServices();
        PoolInfo pool = Services.ask(() -> gs.createPool(bytes, null));
        ChannelInfo requests = null;
        boolean serving = false;
        try {
            // in the node's default pool: a shard that fills its own pool does not keep requests out
            requests = Services.ask(() -> gs.createChannel(0, REQUEST_CAPACITY, REQUEST_BLOCK, null));
            shard = Shard.create(MemoryPool.attach(pool.descriptor()), workingSet, stripes, INITIAL_BUCKETS);
            replyChannels = new HashMap<>();
            out = new Output(4096);
            functions = new HashMap<>();
            setup.put(new ManagerInfo(index, gs.launchParameters().nodeIndex(), HostId.local(),
                gs.launchParameters().puid(), requests.descriptor(), shard.serialize()));
            serving = true;
            serve(Channel.attach(requests.descriptor()));
            serving = false; // destroyed
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (!serving) {
                long cuid = requests == null ? 0 : requests.cuid();
                Services.ask(() -> {
                    if (cuid != 0) {
                        gs.destroyChannel(cuid);
                    }
                    gs.destroyPool(pool.muid());
                    return null;
                });
            }
        }
    }

    private void serve(Channel requests) throws InterruptedException {
        for (;;) {
            ByteBuffer request = ByteBuffer.wrap(requests.recv(WaitMode.ADAPTIVE, Deadline.FOREVER));
            byte op;
            long cuid;
            byte[] address;
            long id;
            try {
                op = request.get();
                cuid = request.getLong();
                address = DDictFrames.getBytes(request);
                id = request.getLong();
                if (address == null) {
                    throw new DragonException("no reply channel");
                }
            } catch (RuntimeException e) {
                warn("a malformed request of " + request.capacity() + " bytes was dropped: " + e);
                continue;
            }
            out.clear().putLong(id).putByte(DDictFrames.OK);
            try {
                answer(op, request);
            } catch (Exception | Error e) {
                failed(id, e);
            }
            reply(cuid, address);
            if (op == DDictFrames.DESTROY) {
                return;
            }
        }
    }

    /** Makes {@link #out} the ERROR reply of request {@code id}: the failure, or its text if it cannot travel. */
    private void failed(long id, Throwable failure) {
        out.clear().putLong(id).putByte(DDictFrames.ERROR);
        try {
            Codecs.serialization().encode(failure instanceof RuntimeException ? failure
                : new DragonException(failure.toString(), failure), out);
        } catch (RuntimeException e) { // something in it is not Serializable
            out.clear().putLong(id).putByte(DDictFrames.ERROR);
            Codecs.serialization().encode(new DragonException(failure.toString()), out);
        }
    }

    /** Does the request and writes its reply's body. */
    private void answer(byte op, ByteBuffer in) throws Exception {
        switch (op) {
            case DDictFrames.COMPUTE -> {
                byte[] key = DDictFrames.getBytes(in);
                byte kind = in.get();
                byte[] given = DDictFrames.getBytes(in);
                Object function = function(in);
                DDictFrames.putBytes(out, KeyCompute.run(this::write, key, kind, given, function, keys, values));
            }
            case DDictFrames.PUT_ALL -> {
                for (int n = in.getInt(); n > 0; n--) {
                    write(Op.PUT, DDictFrames.getBytes(in), DDictFrames.getBytes(in), null);
                }
            }
            case DDictFrames.GET_ALL -> {
                for (int n = in.getInt(); n > 0; n--) {
                    DDictFrames.putBytes(out, shard.apply(Op.GET, DDictFrames.getBytes(in), null, null));
                }
            }
            case DDictFrames.SIZE -> out.putLong(shard.size(in.getLong()));
            case DDictFrames.CLEAR -> shard.clear(in.getLong());
            case DDictFrames.ADVANCE -> shard.advance(in.getLong());
            case DDictFrames.ENTRIES -> entries(in.getLong(), in.getInt());
            case DDictFrames.STATS -> out.putLong(shard.entries()).putLong(shard.dataBytes()).putLong(shard.hits())
                .putLong(shard.misses());
            case DDictFrames.DESTROY -> shard.destroy(); // before the reply: no use of it succeeds afterwards
            case DDictFrames.PERSIST -> ShardFile.write(shard, Path.of(new String(DDictFrames.getBytes(in),
                StandardCharsets.UTF_8)), out);
            default -> throw new DragonException("unknown request " + op);
        }
    }

    /**
     * The function of a compute request, Java-serialized with its length in front: deserialized only the first time
     * these bytes come (a loop of merges sends the same function each time).
     */
    private Object function(ByteBuffer in) {
        int at = in.position();
        int length = in.getInt();
        if (length < 0 || length > in.remaining()) {
            throw new DragonException("corrupt compute request: a function of " + length + " bytes");
        }
        ByteBuffer serialized = in.slice(at, 4 + length);
        in.position(at + 4 + length);
        Object function = functions.get(serialized);
        if (function == null) {
            function = Codecs.serialization().decode(serialized.duplicate());
            if (functions.size() >= MAX_FUNCTIONS) {
                functions.clear();
            }
            functions.put(serialized, function);
        }
        return function;
    }

    /** {@link Shard#apply}, beginning the key's checkpoint first if the shard has not. */
    private byte[] write(Op op, byte[] key, byte[] value, byte[] expected) {
        try {
            return shard.apply(op, key, value, expected);
        } catch (Shard.NotBegunException e) {
            shard.advance(Shard.checkpointOf(key));
            return shard.apply(op, key, value, expected);
        }
    }

    /** A snapshot of one stripe of a checkpoint: the reply of {@link DDictFrames#ENTRIES}. */
    private void entries(long checkpoint, int stripe) {
        int countAt = out.length();
        out.putInt(0);
        int[] count = new int[1];
        shard.forEach(checkpoint, stripe, (key, value) -> {
            DDictFrames.putBytes(out, key);
            DDictFrames.putBytes(out, value);
            count[0]++;
        });
        out.putInt(countAt, count[0]);
    }

    /**
     * Sends the reply in {@link #out} to the channel a request named. To another node, the send returns once this
     * node's agent holds the reply; an earlier reply that could not be deposited there is reported by this send,
     * which is then tried once more.
     */
    private void reply(long cuid, byte[] address) throws InterruptedException {
        Channel channel = replyChannels.get(cuid);
        try {
            if (channel == null) {
                if (replyChannels.size() >= MAX_REPLY_CHANNELS) {
                    replyChannels.clear();
                }
                channel = Channel.attach(address).sendReturn(SendReturn.WHEN_BUFFERED);
                replyChannels.put(cuid, channel);
            }
            try {
                channel.send(out.view(), REPLY_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
            } catch (ChannelException e) {
                warn("a reply to channel " + cuid + " was dropped: " + e.getMessage());
                channel.send(out.view(), REPLY_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
            }
        } catch (RuntimeException e) { // the caller gave up, or is gone: its wait fails on its own
            warn("a reply to channel " + cuid + " was dropped: " + e);
            replyChannels.remove(cuid);
        }
    }

    private void warn(String what) {
        System.err.println("dragon: dictionary " + dictionary + ", manager " + index + ": " + what);
    }
}
