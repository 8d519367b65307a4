package io.dragon.backend.transport;

/**
 * The fabric agent's messages ({@link OfiTransportAgent}): one per frame, big-endian like {@link TransportFrames}.
 * A frame whose body fits in a message travels in one (copied into the sender's registered send slab and out of
 * the receiver's receive slab); a larger one is offered in a LARGE message and read by the receiver straight from
 * the sender's memory into its own.
 *
 * <pre>
 * header
 *  offset  size
 *       0     4  the sender's node index
 *       4     4  kind ({@link FrameKind}): any of the TCP agent's, LARGE or READ_DONE
 *       8     8  counter: 1 for the sender's first message to this node, then one more for each
 *      16    16  tag ({@link MessageTags}): HMAC-SHA256, keyed with the job's fabric key, of the receiver's node
 *                index, bytes 0-15 and every byte after the tag (under dragon.ofi.integrity=header, a LARGE or
 *                READ_DONE message's fields only)
 *      32    ..  REQUEST, COMPLETION, WAITING, WAITED, PING, PONG: the frame's body, as in TransportFrames
 *
 * LARGE: a frame (TransportFrames' layout, whose first word is not read) that the sender registered for this read
 *      32     8  cookie: the sender's number for the frame, which READ_DONE gives back
 *      40     8  remote address of the frame's first byte
 *      48     8  key of its registration
 *      56     4  length of the frame
 *      60     8  sequence and
 *      68    16  tag of the frame's bytes ({@link FrameTags}; zero under dragon.ofi.integrity=header): the receiver
 *                reads the frame (RMA), answers READ_DONE and acts on it only if its bytes have that tag
 *
 * READ_DONE
 *      32     8  cookie: the sender may release that frame
 * </pre>
 */
final class OfiMessageLayout {
    static final int SOURCE_OFFSET = 0;
    static final int KIND_OFFSET = 4;
    static final int COUNTER_OFFSET = 8;
    static final int TAG_OFFSET = 16;
    /** The bytes before a message's body or fields. */
    static final int HEADER = TAG_OFFSET + MessageTags.BYTES;

    static final int COOKIE_OFFSET = HEADER;
    static final int ADDRESS_OFFSET = HEADER + 8;
    static final int KEY_OFFSET = HEADER + 16;
    static final int LENGTH_OFFSET = HEADER + 24;
    static final int SEQUENCE_OFFSET = HEADER + 28;
    static final int FRAME_TAG_OFFSET = HEADER + 36;
    /** The bytes of a LARGE message. */
    static final int LARGE_MESSAGE = FRAME_TAG_OFFSET + FrameTags.BYTES;
    /** The bytes of a READ_DONE message. */
    static final int READ_DONE_MESSAGE = HEADER + Long.BYTES;

    /** The most bytes of a message: the size of the slots every node sends from and receives into. */
    static final int MAX_MESSAGE = 64 * 1024;

    private OfiMessageLayout() {
    }

    /** The bytes after the header that a message of {@code kind} has at least; -1: no such kind. */
    static int fields(int kind) {
        return switch (kind) {
            case FrameKind.REQUEST, FrameKind.COMPLETION, FrameKind.WAITING, FrameKind.WAITED, FrameKind.PING,
                FrameKind.PONG -> 0;
            case FrameKind.LARGE -> LARGE_MESSAGE - HEADER;
            case FrameKind.READ_DONE -> READ_DONE_MESSAGE - HEADER;
            default -> -1;
        };
    }
}
