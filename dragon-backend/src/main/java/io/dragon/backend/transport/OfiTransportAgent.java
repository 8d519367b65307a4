package io.dragon.backend.transport;

import static io.dragon.backend.transport.OfiMessageLayout.ADDRESS_OFFSET;
import static io.dragon.core.channels.GatewayLayout.HOST_OFFSET;
import static io.dragon.backend.transport.OfiMessageLayout.COOKIE_OFFSET;
import static io.dragon.backend.transport.OfiMessageLayout.COUNTER_OFFSET;
import static io.dragon.backend.transport.OfiMessageLayout.FRAME_TAG_OFFSET;
import static io.dragon.backend.transport.OfiMessageLayout.HEADER;
import static io.dragon.backend.transport.OfiMessageLayout.KEY_OFFSET;
import static io.dragon.backend.transport.OfiMessageLayout.KIND_OFFSET;
import static io.dragon.backend.transport.OfiMessageLayout.LARGE_MESSAGE;
import static io.dragon.backend.transport.OfiMessageLayout.LENGTH_OFFSET;
import static io.dragon.backend.transport.OfiMessageLayout.MAX_MESSAGE;
import static io.dragon.backend.transport.OfiMessageLayout.SEQUENCE_OFFSET;
import static io.dragon.backend.transport.OfiMessageLayout.SOURCE_OFFSET;
import static io.dragon.backend.transport.OfiMessageLayout.fields;

import io.dragon.core.infrastructure.HostId;
import io.dragon.core.infrastructure.Settings;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The fabric transport agent: frames travel as libfabric messages between the nodes' endpoints (reliable datagrams),
 * so that the runtime uses InfiniBand (verbs), Slingshot (cxi), EFA ... where a site has them. The endpoints'
 * addresses travel through the fan-out tree at bringup (BENodeUp, LAChannelsInfo).
 *
 * <p>One progress thread owns the endpoint: it posts the frames other threads queue, reads completions, and
 * performs the requests that come (as the TCP agent's event loop does). After {@link #spinNanos} without work it
 * sleeps in the completion queue's wait object, which a queued frame ends; an idle agent burns no CPU.
 *
 * <p>A frame travels in one fabric message ({@link OfiMessageLayout}), or if larger than a message is offered in
 * one and read by the receiver straight from the sender's memory.
 *
 * <p>A message is acted on only if it comes from the endpoint of the node it names (where the provider says which
 * endpoint sent it: libfabric's FI_SOURCE), its tag is right, and its counter is new ({@link ReplayWindow}); a
 * large frame only if its bytes are those its LARGE message names. So whoever sees or even carries the messages
 * without the job's key (libfabric's tcp and verbs providers let another user of a node take over a connection,
 * and so pass the source check) can neither make nor change one, nor have one performed twice; they can still
 * read and drop them. Tags cost about 0.5 µs per KiB of message on each side, on the progress thread (a 64 KiB
 * message about 30 µs); large frames are tagged and checked by {@link #taggers}, at about 0.2 ms per MiB.
 * {@link #wholeMessages} can limit tags to headers.
 */
public final class OfiTransportAgent extends TransportAgent {
    static final int SLOTS = 64;
    static final int READS = 32;
    static final int LARGE_SENDS = 256;
    private static final int OUTBOUND = 4096;
    private static final int SLEEP_MS = 100;
    /** See {@link #sendTimeoutNanos}. */
    static final String SEND_TIMEOUT_PROPERTY = Settings.Property.OFI_SEND_TIMEOUT_MS.key();
    /** See {@link #wholeMessages}. */
    static final String INTEGRITY_PROPERTY = Settings.Property.OFI_INTEGRITY.key();
    /** Threads that tag and check large frames: they hash at about 5 GB/s each. */
    private static final int TAGGERS = Math.min(4, Math.max(1, Runtime.getRuntime().availableProcessors() / 2));

    private static final Logger LOG = LogManager.getLogger(OfiTransportAgent.class);
    private static final String DROPPED = "dropped a fabric message that claims to come from node {}: ";
    private static final String FULL = "full";
    private static final String HEADER_ONLY = "header";

    private final OfiEndpoint endpoint;
    /** Whether {@link #endpoint} says which endpoint sent a message. */
    private final boolean sourced;
    private final ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
    /**
     * How long a message may wait for its send to complete before its request is answered as failed: providers
     * keep a message for a dead peer queued, without an error, for as long as they try to reconnect.
     */
    private final long sendTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(Settings.ofiSendTimeoutMs());
    /**
     * How long the progress thread polls after its last work before it sleeps on the completion queue. 0 by
     * default: on the 2-vCPU test machines polling takes the CPUs from the processes (with 1 ms of it, a ping-pong
     * between two nodes starved); with cores to spare, and a fabric that completes faster than a wake-up, it pays.
     */
    private final long spinNanos = TimeUnit.MICROSECONDS.toNanos(Settings.transportSpinUs(HostId.cpus()));
    /**
     * Whether tags cover whole messages and large frames ({@code -Ddragon.ofi.integrity=full}, the default), or
     * only headers and a LARGE or READ_DONE message's fields ({@code header}): for sites whose fabric keeps jobs
     * apart itself (Slingshot's per-job VNIs), where no one else can carry a job's messages. Every node must have
     * the same (the runtime passes it on); otherwise every message is dropped as wrongly tagged.
     */
    private final boolean wholeMessages = wholeMessages();
    private final FrameTags frameTags;
    /** Tag large frames before they are offered and check them once read, off the progress thread. */
    private final ThreadPoolExecutor taggers = new ThreadPoolExecutor(TAGGERS, TAGGERS, 0, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), runnable -> {
            Thread thread = new Thread(runnable, "transport-fabric-tags");
            thread.setDaemon(true);
            return thread;
        });
    /** Large frames the taggers have tagged, for the progress thread to offer. */
    private final ConcurrentLinkedQueue<Tagged> tagged = new ConcurrentLinkedQueue<>();
    /** Large frames read and not yet checked: at most {@link #READS}, or reads wait (their memory is bounded). */
    private final AtomicInteger checking = new AtomicInteger();
    private final ArrayBlockingQueue<ByteBuf> outbound = new ArrayBlockingQueue<>(OUTBOUND);
    private final Thread progress = new Thread(this::progress, "transport-fabric");
    private volatile boolean running = true;
    private volatile boolean asleep;

    // Owned by the progress thread.
    private final MessageTags tags;
    private final ArrayDeque<ByteBuf> waiting = new ArrayDeque<>();
    private final IntDeque deferredReads = new IntDeque(SLOTS);
    private final SendSlots sends = new SendSlots(SLOTS);
    private long lastTimeoutScan;
    private final LargeSends largeSends = new LargeSends(LARGE_SENDS);
    /** Cookies of large frames to offer (tagged, under full integrity), in order. */
    private final IntDeque ready = new IntDeque(LARGE_SENDS);
    /** The sequence of the last large frame tagged. */
    private long largeSequence;
    private final ReadSlots reads = new ReadSlots(READS);
    /** This path reorders frames to a node (large ones are tagged and read apart): buffered sends go one by one. */
    private final StreamOrder order = new StreamOrder();

    // Set by peers(), before the progress thread starts.
    private int self;
    private long[] fabricAddresses;
    private long[] sortedHosts;
    private int[] nodesOfSortedHosts;
    private Peer[] peers;
    /** By node: the counter of the last message posted to it. */
    private long[] sentCounters;
    /** By node: the counters of its messages that were accepted. */
    private ReplayWindow[] windows;
    /** By node: since when the provider has refused to take a message for it (FI_EAGAIN), or 0. */
    private long[] busySince;

    /** Frames in parts are not taken: a large frame is read by RMA from one registered region, so it is one. */
    private OfiTransportAgent(OfiEndpoint endpoint, byte[] key) {
        super(false);
        this.endpoint = endpoint;
        this.sourced = endpoint.sourced();
        this.tags = new MessageTags(key);
        this.frameTags = new FrameTags(key);
        progress.setDaemon(true);
    }

    private static boolean wholeMessages() {
        String integrity = Settings.ofiIntegrity();
        return switch (integrity) {
            case FULL -> true;
            case HEADER_ONLY -> false;
            default -> throw new IllegalStateException("-D" + INTEGRITY_PROPERTY + " must be " + FULL + " (tags cover"
                + " whole fabric messages, the default) or " + HEADER_ONLY + " (headers only, for fabrics that keep"
                + " jobs apart), not '" + integrity + "'");
        };
    }

    /**
     * Opens this node's endpoint of {@code provider} on the interface with address {@code ip}. With no provider
     * named, the first of a real fabric (see {@link OfiEndpoint#defaultProvider}), or with {@code ipProviders}
     * failing that libfabric's tcp provider. Messages are tagged with {@code key}, the job's key for the fabric
     * ({@code LinkSecurity.key("fabric")}), the same on every node.
     *
     * @throws IllegalStateException if libfabric cannot be used here: the message says why
     */
    public static OfiTransportAgent start(byte[] key, String provider, boolean ipProviders, String ip) {
        String chosen = provider.isEmpty() ? OfiEndpoint.defaultProvider(ipProviders) : provider;
        OfiEndpoint endpoint = OfiEndpoint.open(chosen, ip, SLOTS, MAX_MESSAGE, READS);
        try {
            OfiTransportAgent agent = new OfiTransportAgent(endpoint, key);
            LOG.info("fabric transport agent on {}; tags cover {}", endpoint.description(), agent.wholeMessages
                ? "whole messages" : "headers only (" + INTEGRITY_PROPERTY + "=" + HEADER_ONLY + ")");
            if (!agent.sourced) {
                LOG.info("{} does not say which endpoint sent a message (FI_SOURCE): messages are accepted by their"
                    + " tags alone", endpoint.description());
            }
            return agent;
        } catch (RuntimeException e) {
            endpoint.close();
            throw e;
        }
    }

    /** "provider on interface". */
    public String fabric() {
        return endpoint.description();
    }

    /** The endpoint's address, in hexadecimal. */
    @Override
    public String address() {
        return HexFormat.of().formatHex(endpoint.name());
    }

    @Override
    void peers(List<Long> hosts, List<String> addresses) {
        int nodes = hosts.size();
        String here = address();
        fabricAddresses = new long[nodes];
        busySince = new long[nodes];
        peers = new Peer[nodes];
        sentCounters = new long[nodes];
        windows = new ReplayWindow[nodes];
        long[][] byHost = new long[nodes][];
        for (int node = 0; node < nodes; node++) {
            fabricAddresses[node] = endpoint.insert(HexFormat.of().parseHex(addresses.get(node)));
            peers[node] = new NodePeer(node);
            windows[node] = new ReplayWindow();
            byHost[node] = new long[] {hosts.get(node), node};
            if (addresses.get(node).equals(here)) {
                self = node;
            }
        }
        Arrays.sort(byHost, (a, b) -> Long.compare(a[0], b[0]));
        sortedHosts = Arrays.stream(byHost).mapToLong(pair -> pair[0]).toArray();
        nodesOfSortedHosts = Arrays.stream(byHost).mapToInt(pair -> (int) pair[1]).toArray();
        progress.start();
    }

    @Override
    void forward(ByteBuf frame, long host) {
        if (frame.getInt(frame.readerIndex() + TransportFrames.KIND_OFFSET + Integer.BYTES) != FrameKind.REQUEST
            || order.admit(frame)) {
            send(frame, host);
        }
    }

    /** A SEND_BUFFERED held behind one of its stream goes once that one's completion is here. */
    @Override
    void answered(ByteBuf body) {
        ByteBuf next = order.completed(body);
        if (next != null) {
            send(next, next.getLongLE(next.readerIndex() + TransportFrames.FRAME_HEADER + HOST_OFFSET));
        }
    }

    private void send(ByteBuf frame, long host) {
        int at = sortedHosts == null ? -1 : Arrays.binarySearch(sortedHosts, host);
        if (at < 0) {
            fail(frame, "no node of this runtime has host id " + Long.toHexString(host));
            return;
        }
        queue(frame, nodesOfSortedHosts[at]);
    }

    @Override
    void stop() {
        running = false;
        if (progress.isAlive()) {
            endpoint.wake();
            try {
                progress.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        // The frames the taggers read must outlive them; a tagging ends in under a second (1 GiB), and what is
        // still queued is skipped.
        taggers.shutdown();
        try {
            if (!taggers.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("the fabric agent's taggers did not end within 10 s");
                taggers.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        endpoint.close();
        sends.releaseAll();
        largeSends.releaseAll();
        reads.releaseAll();
        order.releaseAll();
        waiting.forEach(SlotTable::release);
        outbound.forEach(SlotTable::release);
    }

    /**
     * Queues a frame for {@code node}: its first word (the length prefix, useless here) names the node. A large frame
     * is read from its memory, which must therefore have an address.
     */
    private void queue(ByteBuf frame, int node) {
        if (!frame.hasMemoryAddress()) {
            ByteBuf direct = alloc.directBuffer(frame.readableBytes()).writeBytes(frame, frame.readerIndex(),
                frame.readableBytes());
            frame.release();
            frame = direct;
        }
        frame.setInt(frame.readerIndex(), node);
        if (Thread.currentThread() == progress) {
            waiting.addLast(frame);
            return;
        }
        try {
            outbound.put(frame);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            frame.release();
            return;
        }
        wake();
    }

    /** Ends the progress thread's sleep, if it sleeps, for work another thread gave it. */
    private void wake() {
        if (asleep) {
            endpoint.wake();
        }
    }

    private void progress() {
        long idleSince = System.nanoTime();
        try {
            while (running) {
                boolean worked = post() | offerReady() | retryReads();
                int completions = endpoint.poll(0);
                worked |= completions > 0;
                complete(completions);
                long now = System.nanoTime();
                if (now - lastTimeoutScan > TimeUnit.MILLISECONDS.toNanos(SLEEP_MS)) {
                    abandonStuckSends(now);
                }
                if (worked) {
                    idleSince = now;
                } else if (now - idleSince < spinNanos) {
                    Thread.onSpinWait();
                } else {
                    asleep = true;
                    if (outbound.isEmpty() && tagged.isEmpty()) {
                        // Frames the provider could not take yet, and reads that waited, are retried soon (the
                        // provider may make progress without a completion: a connection set up; a check may end).
                        complete(endpoint.poll(waiting.isEmpty() && ready.isEmpty()
                            && deferredReads.isEmpty() ? SLEEP_MS : 1));
                    }
                    asleep = false;
                    idleSince = System.nanoTime();
                }
            }
        } catch (RuntimeException e) {
            LOG.error("the fabric transport agent stopped: {}", e.toString(), e);
        }
    }

    /**
     * Posts queued frames: each waiting one once, in order, then new ones while there are slots. A frame the
     * provider cannot take yet waits at the back (frames to other nodes go on meanwhile); one whose node has taken
     * nothing for the send timeout is answered as failed.
     */
    private boolean post() {
        boolean posted = false;
        for (int i = waiting.size(); i > 0 && !sends.full(); i--) {
            posted |= postOrWait(waiting.pollFirst());
        }
        while (!sends.full()) {
            ByteBuf frame = outbound.poll();
            if (frame == null) {
                break;
            }
            posted |= postOrWait(frame);
        }
        return posted;
    }

    /** Whether the frame was posted, staged or answered as undeliverable rather than put back to wait. */
    private boolean postOrWait(ByteBuf frame) {
        int node = frame.getInt(frame.readerIndex());
        if (frame.readableBytes() - TransportFrames.FRAME_HEADER + HEADER > MAX_MESSAGE) {
            return stage(frame, node);
        }
        if (sends.full()) {
            waiting.addLast(frame);
            return false;
        }
        if (post(frame, node)) {
            busySince[node] = 0;
            return true;
        }
        if (givenUp(node)) {
            undeliverable(frame, node, silence());
            return true;
        }
        waiting.addLast(frame);
        return false;
    }

    /**
     * Whether the provider has now refused messages for {@code node} for longer than the send timeout; the first
     * refusal starts the clock, a message taken stops it.
     */
    private boolean givenUp(int node) {
        long now = System.nanoTime();
        if (busySince[node] == 0) {
            busySince[node] = now;
            return false;
        }
        return now - busySince[node] > sendTimeoutNanos;
    }

    /** Sends a frame whose body fits in a slot, in one message; false if the provider is busy. */
    private boolean post(ByteBuf frame, int node) {
        int start = frame.readerIndex();
        int body = frame.readableBytes() - TransportFrames.FRAME_HEADER;
        int slot = sends.next();
        int kind = frame.getInt(start + TransportFrames.KIND_OFFSET + Integer.BYTES);
        try {
            header(slot, node, kind).setBytes(endpoint.offset(slot) + HEADER, frame,
                start + TransportFrames.FRAME_HEADER, body);
            if (!send(node, slot, kind, HEADER + body)) {
                return false;
            }
        } catch (RuntimeException e) {
            undeliverable(frame, node, e.getMessage());
            return true;
        }
        sends.posted(frame, node);
        return true;
    }

    /** Writes a message's header but its tag into send slot {@code slot}; the send slab. */
    private ByteBuf header(int slot, int node, int kind) {
        int base = endpoint.offset(slot);
        return endpoint.sendSlab().setInt(base + SOURCE_OFFSET, self).setInt(base + KIND_OFFSET, kind)
            .setLong(base + COUNTER_OFFSET, sentCounters[node] + 1);
    }

    /**
     * Gives a large frame a cookie; a tagger tags it ({@link #wholeMessages}), or it is ready to be offered at
     * once. False if every cookie is out: the frame waits.
     */
    private boolean stage(ByteBuf frame, int node) {
        if (largeSends.full()) {
            waiting.addLast(frame);
            return false;
        }
        long sequence = wholeMessages ? ++largeSequence : 0;
        int cookie = largeSends.stage(frame, node, sequence);
        if (!wholeMessages) {
            ready.addLast(cookie);
            return true;
        }
        byte[] tag = largeSends.tag(cookie);
        taggers.execute(() -> {
            RuntimeException failure = null;
            try {
                if (running) {
                    frameTags.tag(frame, self, sequence, tag);
                }
            } catch (RuntimeException e) {
                failure = e;
            }
            tagged.add(new Tagged(cookie, failure));
            wake();
        });
        return true;
    }

    /** A large frame tagged by a tagger (or that it failed to tag). */
    private record Tagged(int cookie, RuntimeException failure) {
    }

    /** Offers the large frames that are ready, in order, while there are slots; whether any was handled. */
    private boolean offerReady() {
        boolean offered = false;
        for (Tagged done = tagged.poll(); done != null; done = tagged.poll()) {
            if (done.failure() == null) {
                ready.addLast(done.cookie());
            } else {
                int node = largeSends.node(done.cookie());
                undeliverable(largeSends.give(done.cookie()), node, "its frame could not be tagged: " + done.failure());
                offered = true;
            }
        }
        for (int i = ready.size(); i > 0 && !sends.full(); i--) {
            int cookie = ready.pollFirst();
            int node = largeSends.node(cookie);
            if (offer(cookie, node)) {
                busySince[node] = 0;
                offered = true;
            } else if (givenUp(node)) {
                undeliverable(largeSends.give(cookie), node, silence());
                offered = true;
            } else {
                ready.addLast(cookie);
            }
        }
        return offered;
    }

    /**
     * Registers large frame {@code cookie} and sends its LARGE message; false if the provider is busy (true if the
     * frame was answered as undeliverable).
     */
    private boolean offer(int cookie, int node) {
        ByteBuf frame = largeSends.buffer(cookie);
        int slot = sends.next();
        int base = endpoint.offset(slot);
        long registration = 0;
        try {
            registration = endpoint.register(frame.memoryAddress() + frame.readerIndex(), frame.readableBytes());
            header(slot, node, FrameKind.LARGE).setLong(base + COOKIE_OFFSET, cookie)
                .setLong(base + ADDRESS_OFFSET, endpoint.remoteAddress()).setLong(base + KEY_OFFSET, endpoint.key())
                .setInt(base + LENGTH_OFFSET, frame.readableBytes())
                .setLong(base + SEQUENCE_OFFSET, largeSends.sequence(cookie))
                .setBytes(base + FRAME_TAG_OFFSET, largeSends.tag(cookie));
            if (!send(node, slot, FrameKind.LARGE, LARGE_MESSAGE)) {
                endpoint.unregister(registration);
                return false;
            }
        } catch (RuntimeException e) {
            if (registration != 0) {
                endpoint.unregister(registration);
            }
            undeliverable(largeSends.give(cookie), node, e.getMessage());
            return true;
        }
        sends.offered(cookie, node);
        largeSends.registered(cookie, registration);
        return true;
    }

    /**
     * Tags the message that send slot {@code slot} holds for {@code node} (its counter is the next one) and sends
     * it; false if the provider is busy, in which case the counter stays unused.
     */
    private boolean send(int node, int slot, int kind, int length) {
        tags.sign(endpoint.sendSlab(), endpoint.offset(slot), node, covered(kind, length));
        if (!endpoint.send(fabricAddresses[node], slot, length)) {
            return false;
        }
        sentCounters[node]++;
        return true;
    }

    /**
     * The bytes after the header that the tag of a message of {@code kind} and {@code length} bytes covers: all
     * ({@link #wholeMessages}), or its kind's fields.
     */
    private int covered(int kind, int length) {
        return wholeMessages ? length - HEADER : fields(kind);
    }

    /**
     * Answers the requests whose messages have waited too long for their sends: their nodes are gone. The slots
     * stay taken until the provider lets go of them; a large frame stays registered, as its peer may still read it.
     */
    private void abandonStuckSends(long now) {
        lastTimeoutScan = now;
        for (int slot = 0; slot < SLOTS; slot++) {
            if (!sends.abandon(slot, now, sendTimeoutNanos)) {
                continue;
            }
            ByteBuf frame = sends.dropBuffer(slot);
            ByteBuf offered = frame == null ? largeSends.buffer(sends.cookie(slot)) : null;
            if (offered != null) {
                frame = offered.retainedDuplicate();
            }
            if (frame != null) {
                undeliverable(frame, sends.node(slot), silence());
            }
        }
    }

    private String silence() {
        return "its agent has taken no message for " + TimeUnit.NANOSECONDS.toSeconds(sendTimeoutNanos)
            + " s (is the node down?)";
    }

    /** A frame that cannot reach {@code node}: a request is answered with the failure, anything else dropped. */
    private void undeliverable(ByteBuf frame, int node, String why) {
        String what = "cannot reach the transport agent of node " + node + " over the fabric: " + why;
        if (frame.getInt(frame.readerIndex() + TransportFrames.KIND_OFFSET + Integer.BYTES)
            == FrameKind.REQUEST) {
            fail(frame, what);
        } else {
            LOG.warn("dropped a frame: {}", what);
            frame.release();
        }
    }

    private void complete(int completions) {
        for (int i = 0; i < completions; i++) {
            int index = endpoint.index(i);
            long length = endpoint.length(i);
            switch (endpoint.block(i)) {
                case OfiLibrary.SEND_BLOCK -> sent(index, length);
                case OfiLibrary.RECEIVE_BLOCK -> received(index, length, endpoint.source(i));
                default -> read(index, length);
            }
        }
    }

    private void sent(int slot, long result) {
        int cookie = sends.cookie(slot);
        int node = sends.node(slot);
        boolean abandoned = sends.abandoned(slot);
        ByteBuf frame = sends.completed(slot);
        if (result < 0 && cookie >= 0 && !abandoned) {
            endpoint.unregister(largeSends.registration(cookie));
            frame = largeSends.give(cookie);
        }
        if (result < 0) {
            if (frame != null) {
                undeliverable(frame, node, endpoint.error());
            } else {
                LOG.warn("a fabric send to node {} failed: {}", node, endpoint.error());
            }
        } else if (frame != null) {
            frame.release();
        }
    }

    /** A message has come into receive slot {@code slot} from the endpoint {@code from} (see {@link #sourced}). */
    private void received(int slot, long length, long from) {
        if (length < 0) {
            LOG.warn("a fabric receive failed: {}", endpoint.error());
        } else if (authentic(slot, (int) length, from)) {
            ByteBuf slab = endpoint.recvSlab();
            int base = endpoint.offset(slot);
            int source = slab.getInt(base + SOURCE_OFFSET);
            int kind = slab.getInt(base + KIND_OFFSET);
            switch (kind) {
                case FrameKind.REQUEST, FrameKind.COMPLETION, FrameKind.WAITING, FrameKind.WAITED, FrameKind.PING,
                    FrameKind.PONG -> {
                    ByteBuf body = alloc.directBuffer((int) length - HEADER).writeBytes(slab, base + HEADER,
                        (int) length - HEADER);
                    endpoint.repost(slot);
                    dispatch(kind, body, source);
                    return;
                }
                case FrameKind.LARGE -> {
                    if (!startRead(slot, source)) {
                        return;
                    }
                }
                case FrameKind.READ_DONE -> released(slab.getLong(base + COOKIE_OFFSET));
            }
        }
        endpoint.repost(slot);
    }

    /**
     * Whether the message in receive slot {@code slot} may be acted on: it names a node of the job, comes from
     * that node's endpoint, is long enough for its kind, carries its tag, and has a counter not seen before. If
     * not, says why at WARN. Nothing but the header is read before the tag is checked.
     */
    private boolean authentic(int slot, int length, long from) {
        ByteBuf slab = endpoint.recvSlab();
        int base = endpoint.offset(slot);
        if (length < HEADER) {
            LOG.warn("dropped a fabric message of {} bytes, shorter than a header", length);
            return false;
        }
        int source = slab.getInt(base + SOURCE_OFFSET);
        int kind = slab.getInt(base + KIND_OFFSET);
        int fields = fields(kind);
        long counter = slab.getLong(base + COUNTER_OFFSET);
        if (source < 0 || source >= peers.length) {
            LOG.warn(DROPPED + "this runtime has no such node", source);
        } else if (sourced && from != fabricAddresses[source]) {
            LOG.warn(DROPPED + "it comes from {}", source, from == OfiLibrary.NO_SOURCE
                ? "an endpoint that is not in the job's address vector" : "the endpoint of node " + node(from));
        } else if (fields < 0 || length < HEADER + fields) {
            LOG.warn(DROPPED + "it is of unknown kind {} or too short for its kind ({} bytes)", source, kind, length);
        } else if (!tags.verify(slab, base, self, covered(kind, length))) {
            LOG.warn(DROPPED + "its tag is wrong (not made with the job's key, made for another node, or changed on"
                + " the way; or the nodes' " + INTEGRITY_PROPERTY + " differ)", source);
        } else if (!windows[source].accept(counter)) {
            LOG.warn(DROPPED + "its counter {} was seen before or is more than {} below the highest seen (a replay)",
                source, counter, ReplayWindow.SIZE);
        } else {
            return true;
        }
        return false;
    }

    /** The node whose endpoint has address {@code fabricAddress} in the address vector (for messages). */
    private int node(long fabricAddress) {
        for (int node = 0; node < fabricAddresses.length; node++) {
            if (fabricAddresses[node] == fabricAddress) {
                return node;
            }
        }
        return -1;
    }

    /**
     * Starts reading the large frame that receive slot {@code slot} offers; false if it must wait for a read (the
     * slot then stays out of the receive queue until {@link #read} starts it).
     */
    private boolean startRead(int slot, int source) {
        if (reads.full() || checking.get() >= READS) {
            deferredReads.addLast(slot);
            return false;
        }
        ByteBuf slab = endpoint.recvSlab();
        int base = endpoint.offset(slot);
        int length = slab.getInt(base + LENGTH_OFFSET);
        if (length < TransportFrames.FRAME_HEADER || length > TransportFrames.MAX_FRAME_BYTES) {
            LOG.warn("dropped a large frame of {} bytes from node {}", length, source);
            return true;
        }
        int token = reads.next();
        ByteBuf buffer = alloc.directBuffer(length);
        if (!endpoint.read(fabricAddresses[source], buffer.memoryAddress(), length, slab.getLong(base
            + ADDRESS_OFFSET), slab.getLong(base + KEY_OFFSET), token)) {
            buffer.release();
            deferredReads.addFirst(slot);
            return false;
        }
        slab.getBytes(base + FRAME_TAG_OFFSET, reads.started(buffer.writerIndex(length), source,
            slab.getLong(base + COOKIE_OFFSET), slab.getLong(base + SEQUENCE_OFFSET)));
        return true;
    }

    /**
     * A large frame has been read: tells its sender, then handles it, once a tagger has checked it
     * ({@link #wholeMessages}).
     */
    private void read(int token, long result) {
        int source = reads.node(token);
        long cookie = reads.cookie(token);
        long sequence = reads.sequence(token);
        byte[] tag = wholeMessages ? reads.tag(token).clone() : null;
        ByteBuf frame = reads.give(token);
        queue(alloc.directBuffer(TransportFrames.FRAME_HEADER + Long.BYTES).writeInt(source)
            .writeInt(FrameKind.READ_DONE).writeLong(cookie), source);
        if (result < 0) {
            LOG.warn("reading a large frame from node {} failed: {}", source, endpoint.error());
            frame.release();
        } else if (wholeMessages) {
            checking.incrementAndGet();
            taggers.execute(() -> {
                try {
                    check(frame, source, sequence, tag);
                } finally {
                    checking.decrementAndGet();
                    wake();
                }
            });
        } else {
            dispatchLarge(frame, source);
        }
    }

    /** On a tagger: handles a large frame read from {@code source} if its bytes have the tag its LARGE named. */
    private void check(ByteBuf frame, int source, long sequence, byte[] tag) {
        try {
            if (!running) {
                frame.release();
            } else if (!frameTags.matches(frame, source, sequence, tag)) {
                LOG.warn("dropped a large frame of {} bytes read from node {}: its bytes are not those its LARGE"
                    + " message was tagged for (changed on the way, or served by another endpoint)",
                    frame.readableBytes(), source);
                frame.release();
            } else {
                dispatchLarge(frame, source);
            }
        } catch (RuntimeException e) {
            LOG.error("a large frame from node {} could not be checked or handled: {}", source, e.toString(), e);
            if (frame.refCnt() > 0) {
                frame.release();
            }
        }
    }

    /** Handles a large frame (TransportFrames' layout, whose first word is not read). */
    private void dispatchLarge(ByteBuf frame, int source) {
        int kind = frame.skipBytes(Integer.BYTES).readInt();
        dispatch(kind, frame, source);
    }

    /** Starts the reads that waited for a free read (or for the provider); whether one started. */
    private boolean retryReads() {
        boolean started = false;
        while (!deferredReads.isEmpty() && !reads.full()) {
            int slot = deferredReads.pollFirst();
            if (!startRead(slot, endpoint.recvSlab().getInt(endpoint.offset(slot) + SOURCE_OFFSET))) {
                return started;
            }
            endpoint.repost(slot);
            started = true;
        }
        return started;
    }

    /** The receiver has read large frame {@code cookie}. */
    private void released(long cookie) {
        if (!largeSends.isOut(cookie)) {
            LOG.warn("dropped a READ_DONE for large frame {}, which is not out", cookie);
            return;
        }
        endpoint.unregister(largeSends.registration((int) cookie));
        largeSends.give((int) cookie).release();
    }

    private void dispatch(int kind, ByteBuf body, int source) {
        dispatch(kind, body, peers[source]);
    }

    /** Answers go back through this agent's endpoint. */
    private final class NodePeer implements Peer {
        private final int node;

        NodePeer(int node) {
            this.node = node;
        }

        @Override
        public void send(ByteBuf frame) {
            queue(frame, node);
        }

        @Override
        public String toString() {
            return "node " + node;
        }
    }
}
