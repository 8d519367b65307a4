package io.dragon.it.security;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The TCP conversations of a capture file as {@code tcpdump -w} writes it (pcap; Ethernet or Linux "any" link
 * layers; IPv4): for each connection whose SYN was captured, what its opener and its acceptor sent, in the order
 * they sent it. A segment seen twice (on both veths of the bridge, with {@code -i any}) counts once.
 */
final class Capture {
    private static final int ETHERNET = 1;
    private static final int LINUX_SLL = 113;
    private static final int LINUX_SLL2 = 276;
    private static final int IPV4 = 0x0800;
    private static final int TCP = 6;
    private static final int SYN = 0x02;
    private static final int ACK = 0x10;

    /** Bytes one side sent before the other answered. */
    record Chunk(boolean fromOpener, byte[] bytes) {
    }

    /** One connection from its SYN on. */
    record Conversation(InetSocketAddress opener, InetSocketAddress acceptor, List<Chunk> chunks) {
        @Override
        public String toString() {
            return opener + "->" + acceptor;
        }
    }

    private Capture() {
    }

    /** The conversations of {@code file} that start with a captured SYN, in the order of their SYNs. */
    static List<Conversation> conversations(Path file) throws IOException {
        ByteBuffer in = ByteBuffer.wrap(Files.readAllBytes(file));
        int magic = in.getInt(0);
        if (magic != 0xa1b2c3d4 && magic != 0xa1b23c4d) {
            in.order(ByteOrder.LITTLE_ENDIAN);
            magic = in.getInt(0);
            if (magic != 0xa1b2c3d4 && magic != 0xa1b23c4d) {
                throw new IOException(file + " is not a pcap file (magic " + Integer.toHexString(magic) + ")");
            }
        }
        int linkType = in.getInt(20);
        Map<String, Builder> connections = new LinkedHashMap<>();
        for (int record = 24; record + 16 <= in.limit(); record += 16 + in.getInt(record + 8)) {
            int captured = in.getInt(record + 8);
            ByteBuffer packet = ByteBuffer.wrap(in.array(), record + 16, Math.min(captured, in.limit() - record - 16))
                .slice();
            tcp(packet, linkType, connections);
        }
        List<Conversation> conversations = new ArrayList<>();
        for (Builder builder : connections.values()) {
            if (builder.opener != null) {
                conversations.add(new Conversation(builder.opener, builder.acceptor, builder.chunks));
            }
        }
        return conversations;
    }

    /** Adds one captured frame, if it is a TCP segment over IPv4. */
    private static void tcp(ByteBuffer frame, int linkType, Map<String, Builder> connections) throws IOException {
        int ip;
        int protocol;
        switch (linkType) {
            case ETHERNET -> {
                ip = 14;
                protocol = frame.getShort(12) & 0xffff;
            }
            case LINUX_SLL -> {
                ip = 16;
                protocol = frame.getShort(14) & 0xffff;
            }
            case LINUX_SLL2 -> {
                ip = 20;
                protocol = frame.getShort(0) & 0xffff;
            }
            default -> throw new IOException("unsupported link type " + linkType + " in the capture");
        }
        if (protocol != IPV4 || frame.limit() < ip + 20 || frame.get(ip + 9) != TCP) {
            return;
        }
        int ipHeader = (frame.get(ip) & 0x0f) * 4;
        int ipEnd = Math.min(frame.limit(), ip + (frame.getShort(ip + 2) & 0xffff));
        int tcp = ip + ipHeader;
        InetSocketAddress source = address(frame, ip + 12, tcp);
        InetSocketAddress destination = address(frame, ip + 16, tcp + 2);
        long seq = frame.getInt(tcp + 4) & 0xffffffffL;
        int flags = frame.get(tcp + 13);
        int payload = tcp + ((frame.get(tcp + 12) & 0xf0) >> 2);
        String key = source.toString().compareTo(destination.toString()) < 0 ? source + " " + destination
            : destination + " " + source;
        Builder connection = connections.computeIfAbsent(key, ignored -> new Builder());
        if ((flags & SYN) != 0) {
            connection.syn(source, destination, seq, (flags & ACK) == 0);
        } else if (payload < ipEnd) {
            connection.data(source, seq, Arrays.copyOfRange(frame.array(), frame.arrayOffset() + payload,
                frame.arrayOffset() + ipEnd));
        }
    }

    private static InetSocketAddress address(ByteBuffer frame, int ipOffset, int portOffset) throws IOException {
        byte[] ip = new byte[4];
        frame.get(ipOffset, ip);
        return new InetSocketAddress(InetAddress.getByAddress(ip), frame.getShort(portOffset) & 0xffff);
    }

    /** One connection as its segments come: each side's stream put together in sequence order. */
    private static final class Builder {
        private InetSocketAddress opener;
        private InetSocketAddress acceptor;
        private long openerNext = -1;
        private long acceptorNext = -1;
        private final List<Chunk> chunks = new ArrayList<>();
        private final ByteArrayOutputStream last = new ByteArrayOutputStream();

        void syn(InetSocketAddress from, InetSocketAddress to, long seq, boolean opening) {
            if (opening && opener == null) {
                opener = from;
                acceptor = to;
                openerNext = (seq + 1) & 0xffffffffL;
            } else if (!opening && from.equals(acceptor)) {
                acceptorNext = (seq + 1) & 0xffffffffL;
            }
        }

        /** A segment: the part past what that side has sent so far, if it follows on without a gap. */
        void data(InetSocketAddress from, long seq, byte[] bytes) {
            if (opener == null) {
                return;
            }
            boolean fromOpener = from.equals(opener);
            long next = fromOpener ? openerNext : acceptorNext;
            long skip = (next - seq) & 0xffffffffL;
            if (next < 0 || skip >= bytes.length) {
                return; // seen already (the other veth), or after a gap in what was captured
            }
            byte[] fresh = Arrays.copyOfRange(bytes, (int) skip, bytes.length);
            if (fromOpener) {
                openerNext = (next + fresh.length) & 0xffffffffL;
            } else {
                acceptorNext = (next + fresh.length) & 0xffffffffL;
            }
            if (!chunks.isEmpty() && chunks.get(chunks.size() - 1).fromOpener() == fromOpener) {
                last.writeBytes(fresh);
                chunks.set(chunks.size() - 1, new Chunk(fromOpener, last.toByteArray()));
            } else {
                last.reset();
                last.writeBytes(fresh);
                chunks.add(new Chunk(fromOpener, fresh));
            }
        }
    }
}
