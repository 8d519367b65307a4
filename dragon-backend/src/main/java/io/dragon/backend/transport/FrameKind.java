package io.dragon.backend.transport;

/**
 * The kinds of frames between transport agents: one number space for both transports, the TCP agent's frames
 * ({@link TransportFrames}) and the fabric agent's messages ({@link OfiMessageLayout}), which carry every kind the
 * TCP agent has and two of the fabric's own. Plain ints rather than an enum: frames carry a kind as a word, and
 * the agents switch on it for every frame.
 *
 * <pre>
 *  kind  name        transports   what
 *     0  -           -            never a kind, so that a zeroed word is no frame
 *     1  -           -            retired (HELLO, the first frame of a TCP link before LinkHandshake); not to be
 *                                 reused, as the security tests' forgeries still send it
 *     2  REQUEST     TCP, fabric  a gateway request
 *     3  COMPLETION  TCP, fabric  the completion of a request, for the requester's reply channel
 *     4  LARGE       fabric       a frame too large for a message, offered for the receiver to read (RMA)
 *     5  READ_DONE   fabric       the receiver has read a LARGE frame: its sender may release it
 *     6  WAITING     TCP, fabric  a request waits on the sender's node
 *     7  WAITED      TCP, fabric  the completion of a request that was announced WAITING
 *     8  PING        TCP, fabric  is the node with this host id alive?
 *     9  PONG        TCP, fabric  the answer to a PING
 * </pre>
 */
final class FrameKind {
    static final int REQUEST = 2;
    static final int COMPLETION = 3;
    static final int LARGE = 4;
    static final int READ_DONE = 5;
    static final int WAITING = 6;
    static final int WAITED = 7;
    static final int PING = 8;
    static final int PONG = 9;

    private FrameKind() {
    }
}
