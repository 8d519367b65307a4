package io.dragon.core.channels;

/**
 * The gateway protocol (seed 003): how a process asks its node's transport agent to operate on a channel of another
 * node, and how the answer comes back. A request is one message on the node's gateway channel; the agent forwards
 * it unchanged to the agent of the channel's node, which performs it and sends back a completion; the requester's
 * agent puts the completion on the reply channel named in the request, where the requester waits for it.
 * Little-endian, like the shared memory it is copied from.
 *
 * <pre>
 * request
 *  offset  size
 *       0     4  op ({@link #SEND} .. {@link #SHARD})
 *       4     4  t: length of the target channel's descriptor
 *       8     4  r: length of the reply channel's descriptor
 *      12     4  RECV: the longest message the requester can take (it stays in the channel if longer)
 *      16     8  request id, echoed in the completion
 *      24     8  timeout in nanoseconds: {@link #FOREVER}, 0 to try once, else how long the op may wait;
 *                WATCH: the op of the request watched
 *      32     8  host id of the target channel's node
 *      40     4  the requester's pid (its node's agent cancels its waiting requests if it dies)
 *      44     t  target channel descriptor (none for CALL; SHARD: the shard's descriptor)
 *    44+t     r  reply channel descriptor
 *  44+t+r    ..  SEND: the message; CALL: a serialized java.util.concurrent.Callable to run on that node;
 *                SHARD: the operation ({@link io.dragon.core.map.ShardRequest})
 *
 * A SEND_BUFFERED is a SEND whose requester may have returned before it was performed ({@link SendReturn}): the
 * target's agent performs those that name the same reply channel in the order they came, a later one waiting
 * behind one that waits for room (one that may not wait finds the channel FULL while another waits), and never
 * cancels one, not even for a requester that has died, whose message was sent as far as it knows.
 *
 * A CANCEL names, by its id, a request of the same requester that may be waiting on the target's node (same host,
 * target and reply descriptors): if it is still waiting it ends without effect and its completion says
 * {@link #CANCELLED}; if it has taken effect already its completion is the usual one. A CANCEL has no completion
 * of its own.
 *
 * A WATCH goes to the requester's own agent, never further: a request of the same requester (same id, host and
 * descriptors) has had no completion for a while, and the agent is to watch the target's node from now on as it
 * watches a request announced as waiting there, failing it with {@link #LOST} if the node stops answering. So no
 * request waits forever on a node that is gone, whether it waits at the channel or was in flight when the node
 * went. An UNWATCH ends a WATCH whose request has completed. Neither has a completion of its own.
 *
 * A SHARD is one single-key operation on a shard of a distributed dictionary of the target's node, performed by
 * that node's agent as it reads the request, never waiting ({@link io.dragon.core.map.ShardRequest}): a remote get
 * or put costs the same hops as a remote channel operation, without a wake-up of the dictionary's manager.
 *
 * completion
 *       0     8  request id
 *       8     4  status ({@link #OK} .. {@link #CANCELLED})
 *      12     4  value: RECV the message length, SIZE/INFO the size, AWAIT_* 1 if ready
 *      16     4  INFO: capacity
 *      20     4  INFO: block size
 *      24    ..  RECV: the message; CALL: the serialized result, or with THREW the serialized exception;
 *                SHARD: the result, or with THREW what the shard refused ({@link io.dragon.core.map.ShardRequest});
 *                FAILED, LOST and the other errors: what went wrong (UTF-8)
 * </pre>
 */
public final class GatewayLayout {
    public static final int OP_OFFSET = 0;
    public static final int TARGET_LENGTH_OFFSET = 4;
    public static final int REPLY_LENGTH_OFFSET = 8;
    public static final int MAX_LENGTH_OFFSET = 12;
    public static final int REQUEST_ID_OFFSET = 16;
    public static final int TIMEOUT_OFFSET = 24;
    public static final int HOST_OFFSET = 32;
    public static final int PID_OFFSET = 40;
    public static final int DESCRIPTORS_OFFSET = 44;

    public static final int COMPLETION_ID_OFFSET = 0;
    public static final int STATUS_OFFSET = 8;
    public static final int VALUE_OFFSET = 12;
    public static final int CAPACITY_OFFSET = 16;
    public static final int BLOCK_SIZE_OFFSET = 20;
    public static final int COMPLETION_PAYLOAD_OFFSET = 24;

    public static final int SEND = 1;
    public static final int RECV = 2;
    public static final int AWAIT_RECV = 3;
    public static final int AWAIT_SEND = 4;
    public static final int INFO = 5;
    public static final int DESTROY = 6;
    public static final int CALL = 7;
    public static final int CANCEL = 8;
    public static final int SEND_BUFFERED = 9;
    public static final int WATCH = 10;
    public static final int UNWATCH = 11;
    public static final int SHARD = 12;

    public static final int OK = 0;
    public static final int EMPTY = 1;
    public static final int FULL = 2;
    public static final int DESTROYED = 3;
    public static final int TOO_LARGE = 4;
    public static final int FAILED = 5;
    public static final int THREW = 6;
    /** The request was cancelled (see {@link #CANCEL}) before it took effect. */
    public static final int CANCELLED = 7;
    /** The target's node was lost while the request was in flight or waited there: no other completion comes. */
    public static final int LOST = 8;

    public static final long FOREVER = -1;

    private GatewayLayout() {
    }

    /** Offset of the payload of a request with descriptors of these lengths. */
    public static int payloadOffset(int targetLength, int replyLength) {
        return DESCRIPTORS_OFFSET + targetLength + replyLength;
    }
}
