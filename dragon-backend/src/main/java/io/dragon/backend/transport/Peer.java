package io.dragon.backend.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;

/** Where the answers to a peer agent's requests go: a TCP link, or a node's endpoint on the fabric. */
interface Peer {
    /** Sends a frame (see {@link TransportFrames}); takes ownership of it. */
    void send(ByteBuf frame);

    /** The peer at the other end of a TCP link. */
    static Peer of(Channel link) {
        return new Peer() {
            @Override
            public void send(ByteBuf frame) {
                link.writeAndFlush(frame);
            }

            @Override
            public String toString() {
                return String.valueOf(link.remoteAddress());
            }
        };
    }
}
