package io.dragon.core.messages;

import io.dragon.Gpu;
import io.dragon.core.messages.MessageType.Code;
import java.util.List;
import java.util.Map;

/**
 * The catalog of infrastructure messages. Names follow the original Dragon runtime, prefixed by the service that
 * sends them: {@code GS} Global Services, {@code SH} Local Services (the shepherd), {@code LA} launcher,
 * {@code BE} launcher backend, {@code Tree} either end of a link of the launcher's fan-out tree.
 * docs/messages.md describes each one.
 *
 * <p>A message is a record here with its wire code ({@link Code}) and its name in the {@code permits} clause of
 * {@link Message}, {@link Request} or {@link Response}. Serialized descriptors travel as {@code byte[]}. Codes 3
 * and 4 are retired (GSPingSH and SHPingGS: Global Services learns every node from LAChannelsInfo instead of pinging
 * each node's Local Services, which cost node 0 a link and its handshake per node at bringup).
 */
public final class Messages {
    private Messages() {
    }

    // ---- bringup and teardown of Local Services (on its stdin/stdout pipe, then on channels)

    @Code(1)
    public record SHIsUp(long tag, String hostname, int nodeIndex) implements Message {
    }

    /**
     * globalServicesChannel only from the primary node, where Global Services runs; gwChannel: the gateway; cpus: the
     * CPUs the runtime may use on the node; gpus: the node's GPUs.
     */
    @Code(2)
    public record SHChannelsUp(long tag, String hostname, int nodeIndex, int cpus, List<Gpu> gpus,
                               byte[] localServicesChannel,
                               byte[] globalServicesChannel, byte[] launcherChannel, byte[] infraPool,
                               byte[] defaultPool, byte[] gwChannel)
        implements Message {
    }

    /**
     * From the launcher to every Local Services (on its stdin), and on to Global Services: every node's channels,
     * by node index, the transport the nodes' agents use ("tcp" or "ofi"; "" on a single node), and where each
     * node's agent is (by node index: "host:port" for tcp, the endpoint's address in hexadecimal for ofi).
     */
    @Code(12)
    public record LAChannelsInfo(long tag, List<SHChannelsUp> nodes, String transport, List<String> transportAgents)
        implements Message {
    }

    @Code(5)
    public record GSIsUp(long tag) implements Message {
    }

    @Code(6)
    public record GSHeadExit(long tag, long puid, int exitCode) implements Message {
    }

    @Code(7)
    public record GSTeardown(long tag) implements Message {
    }

    /**
     * Global Services has stopped: what it knew of the run's managed processes, for the launcher's summary.
     * {@code started}: the processes it was asked to start; {@code failed}: those that could not start or exited
     * with a code other than 0; {@code firstFailed}: the first {@link #FAILED_LISTED} of these, in p_uid order.
     */
    @Code(8)
    public record GSHalted(long tag, int started, int failed, List<ProcessInfo> firstFailed) implements Message {
        /** Failed processes listed in a GSHalted at most; the others are counted. */
        public static final int FAILED_LISTED = 5;
    }

    @Code(9)
    public record SHTeardown(long tag) implements Message {
    }

    @Code(10)
    public record SHHaltBE(long tag) implements Message {
    }

    /**
     * One event of a run's timeline ({@code dragon --trace}), in the terms of Chrome's Trace Event Format: a slice
     * ({@code phase} "X": {@code ts} to {@code ts + dur}) or an instant ("i", {@code dur} 0) of {@code track} (a
     * service, or a managed process) on {@code node} (-1: the launcher). Times are wall-clock microseconds since
     * the epoch; {@code args} are numbers shown with the event.
     */
    public record TraceEvent(String phase, int node, String track, String name, long ts, long dur,
                             Map<String, Long> args) {
    }

    /**
     * A node's timeline, or a part of it: at teardown, with {@code dragon --trace}, Local Services sends the events
     * its node's runtime JVM recorded (its own, the backend's, Global Services') to the launcher.
     */
    @Code(13)
    public record SHTraceEvents(long tag, int node, String hostname, List<TraceEvent> events) implements Message {
        /** Events in one message at most, so that a long run's timeline travels in messages of modest size. */
        public static final int MAX_EVENTS = 256;
    }

    /** Something failed beyond repair; the receiver starts teardown. */
    @Code(11)
    public record AbnormalTermination(long tag, String errInfo) implements Message {
    }

    // ---- processes

    /**
     * How a process is started and where its output goes: {@code stdin}, {@code stdout} and {@code stderr} say
     * where each standard stream comes from or goes to (null: {@link StreamKind#INHERIT}). node: its node's index,
     * -1 for any; cpus: the cores it is confined to (empty: none); gpus: the indexes of its node's GPUs it sees
     * (empty: its environment decides).
     */
    public record ProcessSpec(String exe, List<String> args, Map<String, String> env, String cwd, String name,
                              boolean head, int node, StdStream stdin, StdStream stdout, StdStream stderr,
                              List<Integer> cpus, List<Integer> gpus) {
        /** A process whose standard streams are inherited (see {@link StreamKind#INHERIT}), with no affinity. */
        public ProcessSpec(String exe, List<String> args, Map<String, String> env, String cwd, String name,
                           boolean head, int node) {
            this(exe, args, env, cwd, name, head, node, null, null, null, List.of(), List.of());
        }

        /** This spec with other standard streams. */
        public ProcessSpec withStreams(StdStream in, StdStream out, StdStream err) {
            return new ProcessSpec(exe, args, env, cwd, name, head, node, in, out, err, cpus, gpus);
        }
    }

    /**
     * Where a standard stream of a process goes or comes from: {@code path} is the file name pattern of
     * {@link StreamKind#FILE}, {@code channel} the descriptor of the channel of {@link StreamKind#PIPE}.
     *
     * <p>The channel of a PIPE is made by the parent on its node, in its node's default pool, with
     * {@link #PIPE_CAPACITY} slots of {@link #PIPE_BLOCK} bytes, and registered with its node's Local Services
     * ({@link SHReplyChannel}), which destroys it once the parent has exited. Each message is a piece of the stream
     * of at most {@link #PIPE_BLOCK} bytes; an empty message ends the stream. Either end destroys the channel when
     * it lets go early (the reader closes, the process exits): the other end's next operation fails, as a pipe's
     * writer fails once its reader is gone.
     */
    public record StdStream(StreamKind kind, String path, byte[] channel) {
        /** Pieces of a piped stream in flight at most; a writer waits once they are all unread. */
        public static final int PIPE_CAPACITY = 16;
        /** The largest piece of a piped stream, in bytes. */
        public static final int PIPE_BLOCK = 8192;
        /** Replaced in a file name pattern by the process's p_uid. */
        public static final String PUID = "{puid}";
        /** Replaced in a file name pattern by the hostname of the process's node. */
        public static final String HOST = "{host}";

        /** The file name of process {@code puid} on {@code host}: the pattern with its placeholders replaced. */
        public String fileName(long puid, String host) {
            return path.replace(PUID, Long.toString(puid)).replace(HOST, host);
        }
    }

    /** The kinds of {@link StdStream}. */
    public enum StreamKind {
        /**
         * Output to the launcher's terminal (forwarded in {@link SHFwdOutput}); input from the launcher's stdin for
         * the head process, none (end of file at once) for the others.
         */
        INHERIT,
        /** No input (end of file at once); output thrown away. */
        DISCARD,
        /** A file on the process's node; a relative name is relative to the process's working directory. */
        FILE,
        /** The parent that started the process, through a channel (see {@link StdStream}). */
        PIPE
    }

    /** What Global Services knows of a managed process. */
    public record ProcessInfo(long puid, String name, int node, String hostname, long pid, ProcessState state,
                              int exitCode) {
    }

    public enum ProcessState {
        PENDING, ACTIVE, EXITED, FAILED
    }

    @Code(20)
    public record GSProcessCreate(long tag, long puid, long rCuid, ProcessSpec spec) implements Request {
    }

    @Code(21)
    public record GSProcessCreateResponse(long tag, long ref, int err, String errInfo, ProcessInfo info)
        implements Response {
    }

    /**
     * Starts process {@code tPuid}; Local Services makes its channel for Global Services' answers, c_uid
     * {@code returnCuid}.
     */
    @Code(22)
    public record SHProcessCreate(long tag, long puid, long rCuid, long tPuid, long returnCuid, ProcessSpec spec)
        implements Request {
    }

    @Code(23)
    public record SHProcessCreateResponse(long tag, long ref, int err, String errInfo, long pid, byte[] returnChannel)
        implements Response {
    }

    @Code(24)
    public record SHProcessExit(long tag, long puid, int exitCode) implements Message {
    }

    @Code(25)
    public record GSProcessJoin(long tag, long puid, long rCuid, long tPuid, long timeoutMillis) implements Request {
    }

    @Code(26)
    public record GSProcessJoinResponse(long tag, long ref, int err, String errInfo, ProcessInfo info)
        implements Response {
    }

    @Code(27)
    public record GSProcessQuery(long tag, long puid, long rCuid, long tPuid, String name) implements Request {
    }

    @Code(28)
    public record GSProcessQueryResponse(long tag, long ref, int err, String errInfo, ProcessInfo info)
        implements Response {
    }

    @Code(29)
    public record GSProcessList(long tag, long puid, long rCuid) implements Request {
    }

    @Code(30)
    public record GSProcessListResponse(long tag, long ref, int err, String errInfo, List<ProcessInfo> processes)
        implements Response {
    }

    @Code(31)
    public record GSProcessKill(long tag, long puid, long rCuid, long tPuid, int signal) implements Request {
    }

    @Code(32)
    public record GSProcessKillResponse(long tag, long ref, int err, String errInfo) implements Response {
    }

    @Code(33)
    public record SHProcessKill(long tag, long puid, long rCuid, long tPuid, int signal) implements Request {
    }

    @Code(34)
    public record SHProcessKillResponse(long tag, long ref, int err, String errInfo) implements Response {
    }

    /** Output of a managed process: fd 1 or 2, at most {@link #MAX_OUTPUT_CHUNK} bytes. */
    @Code(35)
    public record SHFwdOutput(long tag, long puid, int fd, byte[] data, long pid, String hostname)
        implements Message {
        public static final int MAX_OUTPUT_CHUNK = 8192;
    }

    /** Bytes for a managed process's stdin; {@code eof} closes it. */
    @Code(36)
    public record SHFwdInput(long tag, long tPuid, byte[] data, boolean eof) implements Message {
    }

    /**
     * A process of the node made a channel that must not outlive it ({@code descriptor}): a reply channel for its
     * gateway calls in the infrastructure pool, or the channel of a piped standard stream of a process it started
     * ({@link StdStream}). Local Services destroys it once process {@code pid}, which runs as managed process
     * {@code puid} (or was started by it), has exited.
     */
    @Code(37)
    public record SHReplyChannel(long tag, long puid, long pid, byte[] descriptor) implements Message {
    }

    // ---- channels and pools

    public enum ObjectState {
        ACTIVE, DESTROYED
    }

    /** What Global Services knows of a channel; {@code descriptor} attaches to it on its node. */
    public record ChannelInfo(long cuid, String name, long muid, int node, int capacity, int blockSize,
                              ObjectState state, byte[] descriptor) {
    }

    /** What Global Services knows of a pool; {@code descriptor} attaches to it on its node. */
    public record PoolInfo(long muid, String name, int node, long size, ObjectState state, byte[] descriptor) {
    }

    /** Creates a channel in pool {@code muid} (0: the default pool of the requester's node). */
    @Code(40)
    public record GSChannelCreate(long tag, long puid, long rCuid, long muid, int capacity, int blockSize,
                                  String name) implements Request {
    }

    @Code(41)
    public record GSChannelCreateResponse(long tag, long ref, int err, String errInfo, ChannelInfo info)
        implements Response {
    }

    /** A channel by c_uid, or by name when {@code name} is not empty. */
    @Code(42)
    public record GSChannelQuery(long tag, long puid, long rCuid, long cuid, String name) implements Request {
    }

    @Code(43)
    public record GSChannelQueryResponse(long tag, long ref, int err, String errInfo, ChannelInfo info)
        implements Response {
    }

    @Code(44)
    public record GSChannelList(long tag, long puid, long rCuid) implements Request {
    }

    @Code(45)
    public record GSChannelListResponse(long tag, long ref, int err, String errInfo, List<ChannelInfo> channels)
        implements Response {
    }

    @Code(46)
    public record GSChannelDestroy(long tag, long puid, long rCuid, long cuid) implements Request {
    }

    @Code(47)
    public record GSChannelDestroyResponse(long tag, long ref, int err, String errInfo) implements Response {
    }

    @Code(48)
    public record SHChannelCreate(long tag, long puid, long rCuid, long cuid, long muid, int capacity, int blockSize)
        implements Request {
    }

    @Code(49)
    public record SHChannelCreateResponse(long tag, long ref, int err, String errInfo, byte[] descriptor)
        implements Response {
    }

    @Code(50)
    public record SHChannelDestroy(long tag, long puid, long rCuid, long cuid) implements Request {
    }

    @Code(51)
    public record SHChannelDestroyResponse(long tag, long ref, int err, String errInfo) implements Response {
    }

    /** Creates a pool of {@code size} bytes on the requester's node. */
    @Code(52)
    public record GSPoolCreate(long tag, long puid, long rCuid, long size, String name) implements Request {
    }

    @Code(53)
    public record GSPoolCreateResponse(long tag, long ref, int err, String errInfo, PoolInfo info)
        implements Response {
    }

    /** A pool by m_uid, or by name when {@code name} is not empty. */
    @Code(54)
    public record GSPoolQuery(long tag, long puid, long rCuid, long muid, String name) implements Request {
    }

    @Code(55)
    public record GSPoolQueryResponse(long tag, long ref, int err, String errInfo, PoolInfo info) implements Response {
    }

    @Code(56)
    public record GSPoolList(long tag, long puid, long rCuid) implements Request {
    }

    @Code(57)
    public record GSPoolListResponse(long tag, long ref, int err, String errInfo, List<PoolInfo> pools)
        implements Response {
    }

    @Code(58)
    public record GSPoolDestroy(long tag, long puid, long rCuid, long muid) implements Request {
    }

    @Code(59)
    public record GSPoolDestroyResponse(long tag, long ref, int err, String errInfo) implements Response {
    }

    @Code(60)
    public record SHPoolCreate(long tag, long puid, long rCuid, long muid, long size) implements Request {
    }

    @Code(61)
    public record SHPoolCreateResponse(long tag, long ref, int err, String errInfo, byte[] descriptor)
        implements Response {
    }

    @Code(62)
    public record SHPoolDestroy(long tag, long puid, long rCuid, long muid) implements Request {
    }

    @Code(63)
    public record SHPoolDestroyResponse(long tag, long ref, int err, String errInfo) implements Response {
    }

    // ---- names of user objects, and nodes

    /**
     * Binds {@code name} to an object of the user API (queue, lock, shared array...): {@code kind} names its class,
     * {@code descriptor} is what attaches to it. Global Services does not look inside either.
     */
    @Code(70)
    public record GSNameBind(long tag, long puid, long rCuid, String name, String kind, byte[] descriptor)
        implements Request {
    }

    @Code(71)
    public record GSNameBindResponse(long tag, long ref, int err, String errInfo) implements Response {
    }

    @Code(72)
    public record GSNameLookup(long tag, long puid, long rCuid, String name) implements Request {
    }

    @Code(73)
    public record GSNameLookupResponse(long tag, long ref, int err, String errInfo, String kind, byte[] descriptor)
        implements Response {
    }

    @Code(74)
    public record GSNameUnbind(long tag, long puid, long rCuid, String name) implements Request {
    }

    @Code(75)
    public record GSNameUnbindResponse(long tag, long ref, int err, String errInfo) implements Response {
    }

    /** A node of the runtime: its index, hostname, the CPUs the runtime may use there, and its GPUs. */
    public record NodeInfo(int index, String hostname, int cpus, List<Gpu> gpus) {
    }

    @Code(76)
    public record GSNodeList(long tag, long puid, long rCuid) implements Request {
    }

    @Code(77)
    public record GSNodeListResponse(long tag, long ref, int err, String errInfo, List<NodeInfo> nodes)
        implements Response {
    }

    // ---- the fan-out tree between the launcher's frontend (position 0) and its backends (position 1 + node index)

    /**
     * A backend's first message, to the frontend, once the link's handshake has proven both ends: where it listens
     * for its own children in the tree.
     */
    @Code(80)
    public record TreeRegister(long tag, int position, String hostname, String host, int port) implements Message {
    }

    /** The frontend's answer: connect to the parent at host:port, or stay here if {@code host} is empty. */
    @Code(81)
    public record TreeParent(long tag, String host, int port) implements Message {
    }

    /** A child's first message to its parent backend, once the link's handshake has proven both ends. */
    @Code(82)
    public record TreeJoin(long tag, int position) implements Message {
    }

    /** Sent on a tree link that has been quiet for a while, so that the other end knows this one lives. */
    @Code(88)
    public record TreeHeartbeat(long tag) implements Message {
    }

    /**
     * A backend's part of bringup: its node's channels, where its TCP transport agent listens ("host:port"), and,
     * when the fabric transport was not ruled out, its fabric agent's endpoint address (hexadecimal; "" if it has
     * none) and {@code fabric}: the endpoint's provider and interface, or why the node has no fabric agent.
     */
    @Code(86)
    public record BENodeUp(long tag, SHChannelsUp channels, String transportAgent, String fabricAgent, String fabric)
        implements Message {
    }

    /**
     * From the frontend, broadcast: the backend of {@code node} (every backend if -1) puts {@code message} on
     * Global Services' channel or on its Local Services' channel.
     */
    @Code(87)
    public record BEForward(long tag, int node, boolean toGlobalServices, byte[] message) implements Message {
    }

    /**
     * At teardown, from a backend to the frontend: a piece of one of the node's log files ({@code name}, a file
     * name), which the frontend appends to the file of that name in the run's log directory; {@code last} (with no
     * name) says the node has sent all of them.
     */
    @Code(89)
    public record BELogs(long tag, String hostname, String name, byte[] data, boolean last) implements Message {
    }

    /** From the frontend to every backend: each delivers {@code message} and passes it on to its children. */
    @Code(83)
    public record TreeDown(long tag, byte[] message) implements Message {
    }

    /** From a backend to the frontend, passed up by every backend on the way. */
    @Code(84)
    public record TreeUp(long tag, int position, byte[] message) implements Message {
    }

    /**
     * Contributions of a subtree to reduction {@code id}: a backend sends it up once it has its own and all of
     * its children's, so the frontend gets one message per child, not one per backend.
     */
    @Code(85)
    public record TreeReduce(long tag, long id, List<TreeContribution> contributions) implements Message {
    }

    /** One backend's part of a reduction. */
    public record TreeContribution(int position, byte[] message) {
    }
}
