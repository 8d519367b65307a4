package io.dragon.bench;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.Locale;

/**
 * The peer of {@link OffNode}: the same exchanges over one plain TCP connection (TCP_NODELAY, blocking sockets)
 * between the same two nodes. {@code TcpPeer server PORT} on one node (echoes 64-byte messages, acknowledges each
 * block of one-way messages), {@code TcpPeer rtt|bw|msgrate HOST PORT [warmup=3] [blocks=5]} on the other prints
 * {@code result tcp_rtt_us}, {@code result tcp_bw_mibs} or {@code result tcp_msgrate}. For msgrate each 64-byte
 * message is written and flushed on its own, as many flushes as messages.
 */
public final class TcpPeer {
    private TcpPeer() {
    }

    public static void main(String[] args) throws Exception {
        if (args[0].equals("server")) {
            serve(Integer.parseInt(args[1]));
            return;
        }
        String what = args[0];
        Options options = Options.parse(args, 3);
        int warmup = options.getInt("warmup", 3);
        double[] values = new double[options.getInt("blocks", 5)];
        try (Socket socket = connect(args[1], Integer.parseInt(args[2]))) {
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            DataInputStream in = new DataInputStream(socket.getInputStream());
            out.writeUTF(what);
            byte[] message = new byte[OffNode.messageBytes(what)];
            for (int block = -warmup; block < values.length; block++) {
                long start = System.nanoTime();
                if (what.equals("rtt")) {
                    for (int i = 0; i < OffNode.RTT_ROUNDS; i++) {
                        out.write(message);
                        out.flush();
                        in.readFully(message);
                    }
                } else {
                    boolean flushEach = what.equals("msgrate");
                    for (int i = 0; i < OffNode.blockMessages(what); i++) {
                        out.write(message);
                        if (flushEach) {
                            out.flush();
                        }
                    }
                    out.flush();
                    in.readByte();
                }
                long nanos = System.nanoTime() - start;
                if (block >= 0) {
                    values[block] = what.equals("rtt") ? nanos / 1e3 / OffNode.RTT_ROUNDS : what.equals("bw")
                        ? OffNode.BW_MESSAGES * (double) OffNode.LARGE / (1 << 20) / (nanos / 1e9)
                        : OffNode.RATE_MESSAGES / (nanos / 1e9);
                    System.err.printf(Locale.ROOT, "  tcp %s block %d: %.3f%n", what, block + 1, values[block]);
                }
            }
        }
        Arrays.sort(values);
        double median = values[values.length / 2];
        System.out.println("result " + switch (what) {
            case "rtt" -> String.format(Locale.ROOT, "tcp_rtt_us %.3f us", median);
            case "bw" -> String.format(Locale.ROOT, "tcp_bw_mibs %.3f MiB/s", median);
            default -> String.format(Locale.ROOT, "tcp_msgrate %.1f messages/s", median);
        });
    }

    private static Socket connect(String host, int port) throws IOException, InterruptedException {
        for (int attempt = 0; ; attempt++) {
            try {
                Socket socket = new Socket();
                socket.setTcpNoDelay(true);
                socket.connect(new InetSocketAddress(host, port), 1000);
                return socket;
            } catch (IOException e) {
                if (attempt == 100) {
                    throw e;
                }
                Thread.sleep(100); // the server's JVM may still be starting
            }
        }
    }

    /** Serves one client: echoes 64-byte messages, or acknowledges each block of one-way messages. */
    private static void serve(int port) throws IOException {
        try (ServerSocket server = new ServerSocket(port); Socket socket = server.accept()) {
            socket.setTcpNoDelay(true);
            DataInputStream in = new DataInputStream(socket.getInputStream());
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            String what = in.readUTF();
            boolean rtt = what.equals("rtt");
            byte[] message = new byte[OffNode.messageBytes(what)];
            try {
                for (long received = 1; ; received++) {
                    in.readFully(message);
                    if (rtt) {
                        out.write(message);
                        out.flush();
                    } else if (received % OffNode.blockMessages(what) == 0) {
                        out.writeByte(1);
                        out.flush();
                    }
                }
            } catch (java.io.EOFException done) {
                // the client is finished
            }
        }
    }
}
