package io.dragon.it.security;

import io.dragon.core.messages.MessageType;
import io.dragon.it.security.Capture.Chunk;
import io.dragon.it.security.Capture.Conversation;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Another user of the cluster, with no part of the job's secret: it connects to each port given and, on a new
 * connection each time, sends what a member could be fooled by (see {@link Forgeries}), replays on every port what
 * members sent when they opened their links to any of the ports (from a capture, if given), sends oversized,
 * garbage and wrong-proof handshakes and nothing at all, and then floods each port with connections it holds open
 * (for {@link #FLOOD_MS} ms, replacing those the port closes).
 * SecurityIT runs it as another uid, inside a node's network namespace, while a job runs; a site can run it the same
 * way against a job of its own cluster (docs/security-check.md).
 *
 * <p>Usage: {@code Stranger [--tls] --markers DIR [--capture FILE] HOST:PORT...}: {@code --tls} adds a TLS session
 * with a certificate of the stranger's own; DIR is where a forged process would leave its marker file. It reports
 * on stdout, one line per connection (tab-separated): {@code attempt TARGET ATTACK LOCAL OUTCOME MILLIS RECEIVED
 * FIRST-BYTES}, where OUTCOME is {@code closed} (end of stream), {@code reset}, {@code tls-refused} (the TLS
 * handshake or session failed), {@code open} (still open {@link #CLOSE_DEADLINE_MS} ms after connecting; the
 * stranger closed it) or {@code unreachable}; RECEIVED counts what the port sent (decrypted, on a TLS session of the
 * stranger's own). {@code connected-back REMOTE RECEIVED FIRST-BYTES} reports a member that connected to the
 * stranger's own listener; {@code flooding} says that every port is flooded now; {@code done} ends the report.
 */
public final class Stranger {
    /** A member closes an unauthenticated link after 5 s (dragon.link.handshake.timeout.ms); some slack on top. */
    public static final long CLOSE_DEADLINE_MS = 8_000;
    /** Connections held open at once per port: more than a listener keeps pending (dragon.link.pending.max, 64). */
    public static final int FLOOD = 200;
    /** How long the flood goes on: long enough for the job to open new links meanwhile. */
    private static final long FLOOD_MS = 10_000;
    /** New connections a second per port that replace those the port closed during the flood. */
    private static final int REFLOOD_PER_SECOND = 50;
    /** Connections in flight per port during the single attacks: under the pending cap, so each is judged alone. */
    private static final int PARALLEL = 24;
    /** How long a replay waits for the part of the answer it captured before it goes on. */
    private static final long ANSWER_WAIT_MS = 2_000;
    private static final int CONNECT_TIMEOUT_MS = 3_000;
    private static final int FIRST_BYTES = 16;

    private final PrintStream report = System.out;
    private final Forgeries forgeries;
    private final boolean tls;
    private final List<Conversation> captured;
    private final ServerSocket trap;

    private Stranger(String markers, boolean tls, List<Conversation> captured) throws IOException {
        this.forgeries = new Forgeries(markers);
        this.tls = tls;
        this.captured = captured;
        this.trap = new ServerSocket(0);
    }

    public static void main(String[] args) throws Exception {
        boolean tls = false;
        String markers = null;
        Path capture = null;
        List<InetSocketAddress> targets = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--tls" -> tls = true;
                case "--markers" -> markers = args[++i];
                case "--capture" -> capture = Path.of(args[++i]);
                default -> {
                    int colon = args[i].lastIndexOf(':');
                    targets.add(new InetSocketAddress(args[i].substring(0, colon),
                        Integer.parseInt(args[i].substring(colon + 1))));
                }
            }
        }
        if (markers == null || targets.isEmpty()) {
            System.err.println("usage: Stranger [--tls] --markers DIR [--capture FILE] HOST:PORT...");
            System.exit(2);
        }
        List<Conversation> links = capture == null ? List.of() : Capture.conversations(capture).stream()
            .filter(conversation -> targets.contains(conversation.acceptor())).toList();
        new Stranger(markers, tls, links).attack(targets);
        System.exit(0);
    }

    private void attack(List<InetSocketAddress> targets) throws Exception {
        Thread trapping = new Thread(this::trap, "trap");
        trapping.setDaemon(true);
        trapping.start();
        report.println("captured " + captured.size() + " links to the ports: " + captured);
        eachPort(targets, this::attackPort);
        CountDownLatch flooding = new CountDownLatch(targets.size());
        Thread announce = new Thread(() -> {
            try {
                flooding.await();
                report.println("flooding"); // for whoever waits to act while every port is flooded
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "announce");
        announce.start();
        eachPort(targets, target -> flood(target, flooding));
        announce.join();
        Thread.sleep(1_000); // a member fooled by a redirect connects back at once
        report.println("done");
        report.flush();
    }

    /** Runs {@code work} on every port at once; returns when all are done. */
    private static void eachPort(List<InetSocketAddress> targets, PortWork work) throws Exception {
        ExecutorService ports = Executors.newFixedThreadPool(targets.size());
        List<Future<?>> done = new ArrayList<>();
        for (InetSocketAddress target : targets) {
            done.add(ports.submit(() -> {
                work.on(target);
                return null;
            }));
        }
        try {
            for (Future<?> port : done) {
                port.get();
            }
        } finally {
            ports.shutdown();
        }
    }

    /** What the stranger does to one port. */
    @FunctionalInterface
    private interface PortWork {
        void on(InetSocketAddress target) throws Exception;
    }

    /** Every single attack on one port, each on a connection of its own, {@link #PARALLEL} at a time. */
    private void attackPort(InetSocketAddress target) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(PARALLEL);
        List<Future<?>> attempts = new ArrayList<>();
        for (Map.Entry<String, Script> attack : attacks().entrySet()) {
            attempts.add(pool.submit(() -> {
                attempt(target, attack.getKey(), attack.getValue());
                return null;
            }));
        }
        for (Future<?> attempt : attempts) {
            attempt.get();
        }
        pool.shutdown();
    }

    /** The attacks, by name. */
    private Map<String, Script> attacks() {
        Map<String, Script> attacks = new LinkedHashMap<>();
        attacks.put("hijack-local-services", link -> link.send(forgeries.hijack("hijack-local-services", false)));
        attacks.put("hijack-global-services", link -> link.send(forgeries.hijack("hijack-global-services", true)));
        attacks.put("redirect", link -> link.send(Forgeries.redirect(link.socket.getLocalAddress().getHostAddress(),
            trap.getLocalPort())));
        for (MessageType type : MessageType.values()) {
            attacks.put("catalog-" + type, link -> link.send(Forgeries.treeFrame(forgeries.catalogSample(type))));
        }
        attacks.put("transport-hello", link -> link.send(Forgeries.concat(Forgeries.transportHello(),
            forgeries.transportSend("transport-hello"), Forgeries.transportCall())));
        attacks.put("transport-send", link -> link.send(forgeries.transportSend("transport-send")));
        attacks.put("transport-call", link -> link.send(Forgeries.transportCall()));
        attacks.put("transport-completion", link -> link.send(Forgeries.transportCompletion()));
        for (int purpose : new int[] {Forgeries.TREE, Forgeries.TRANSPORT}) {
            String name = "wrong-proof-" + (purpose == Forgeries.TREE ? "tree" : "transport");
            attacks.put(name, link -> {
                link.send(Forgeries.handshakeOpening(purpose));
                link.receive(Forgeries.HANDSHAKE_ANSWER_BYTES);
                link.send(Forgeries.concat(Forgeries.wrongProof(), purpose == Forgeries.TREE
                    ? forgeries.hijack(name, false) : forgeries.transportSend(name)));
            });
        }
        attacks.put("oversized", link -> link.send(Forgeries.concat(new byte[] {0x7f, (byte) 0xff, (byte) 0xff,
            (byte) 0xff}, new byte[1024])));
        attacks.put("garbage", link -> link.send(Forgeries.random(4096)));
        attacks.put("silent", link -> {
        });
        for (Conversation conversation : captured) {
            attacks.put("replay " + conversation, link -> replay(link, conversation));
        }
        if (tls) {
            attacks.put("tls-own-certificate", link -> {
                link.ownTls();
                link.send(forgeries.hijack("tls-own-certificate", false));
            });
        }
        return attacks;
    }

    /** What the opener of {@code conversation} sent, each part once the port has answered as much as it did then. */
    private static void replay(Link link, Conversation conversation) throws IOException {
        for (Chunk chunk : conversation.chunks()) {
            if (chunk.fromOpener()) {
                link.send(chunk.bytes());
            } else if (link.receive(chunk.bytes().length) < chunk.bytes().length) {
                return; // the port stopped answering as it did to the member
            }
        }
    }

    /** Connects, plays {@code script}, waits for the port to close the connection, and reports. */
    private void attempt(InetSocketAddress target, String attack, Script script) {
        Link link = new Link(new Socket(), System.nanoTime());
        String outcome;
        try {
            link.socket.connect(target, CONNECT_TIMEOUT_MS);
            link.local = link.socket.getLocalAddress().getHostAddress() + ":" + link.socket.getLocalPort();
            script.play(link);
            outcome = link.awaitClose();
        } catch (SSLException e) {
            outcome = "tls-refused";
        } catch (SocketTimeoutException e) {
            outcome = "open";
        } catch (IOException e) {
            outcome = link.local.equals("-") ? "unreachable" : "reset";
        } finally {
            link.close();
        }
        report(target, attack, outcome, link);
    }

    /**
     * {@link #FLOOD} connections to {@code target} at once, sending nothing, kept at that number for {@link
     * #FLOOD_MS} (at most {@link #REFLOOD_PER_SECOND} new ones a second replace those the port closes), then held
     * until the port closes them or {@link #CLOSE_DEADLINE_MS} passes after the last was made; one attempt line
     * each. {@code flooding} counts down once the first {@link #FLOOD} are open.
     */
    private void flood(InetSocketAddress target, CountDownLatch flooding) throws IOException {
        long start = System.nanoTime();
        long end = start + TimeUnit.MILLISECONDS.toNanos(FLOOD_MS);
        Map<SocketChannel, Held> open = new LinkedHashMap<>();
        try (Selector selector = Selector.open()) {
            for (int i = 0; i < FLOOD; i++) {
                connect(target, selector, open);
            }
            flooding.countDown();
            long lastConnect = System.nanoTime();
            long replaced = 0;
            ByteBuffer buffer = ByteBuffer.allocate(4096);
            for (long now = lastConnect; !open.isEmpty() || now < end; now = System.nanoTime()) {
                if (now >= end && now - lastConnect > TimeUnit.MILLISECONDS.toNanos(CLOSE_DEADLINE_MS)) {
                    break;
                }
                while (now < end && open.size() < FLOOD
                    && replaced < (now - start) * REFLOOD_PER_SECOND / TimeUnit.SECONDS.toNanos(1)) {
                    connect(target, selector, open);
                    replaced++;
                    lastConnect = now;
                }
                selector.select(100);
                for (SelectionKey key : selector.selectedKeys()) {
                    SocketChannel channel = (SocketChannel) key.channel();
                    String outcome;
                    try {
                        buffer.clear();
                        int n = channel.read(buffer);
                        if (n >= 0) {
                            open.get(channel).count(buffer.array(), n);
                            continue;
                        }
                        outcome = "closed";
                    } catch (IOException e) {
                        outcome = "reset";
                    }
                    report(target, "flood", outcome, open.remove(channel));
                    key.cancel();
                    channel.close();
                }
                selector.selectedKeys().clear();
            }
            for (Map.Entry<SocketChannel, Held> left : open.entrySet()) {
                report(target, "flood", "open", left.getValue());
                left.getKey().close();
            }
        }
    }

    /** One more connection of the flood, registered for reading. */
    private void connect(InetSocketAddress target, Selector selector, Map<SocketChannel, Held> open)
        throws IOException {
        Held held = new Held(System.nanoTime());
        SocketChannel channel = SocketChannel.open();
        try {
            channel.socket().connect(target, CONNECT_TIMEOUT_MS);
        } catch (IOException e) {
            channel.close();
            report(target, "flood", "unreachable", held);
            return;
        }
        InetSocketAddress local = (InetSocketAddress) channel.getLocalAddress();
        held.local = local.getAddress().getHostAddress() + ":" + local.getPort();
        open.put(channel, held);
        channel.configureBlocking(false);
        channel.register(selector, SelectionKey.OP_READ);
    }

    /** One attempt line: {@code attack} on {@code held} ended in {@code outcome}. */
    private void report(InetSocketAddress target, String attack, String outcome, Held held) {
        synchronized (report) {
            report.println(String.join("\t", "attempt", target.getAddress().getHostAddress() + ":" + target.getPort(),
                attack, held.local, outcome, Long.toString(TimeUnit.NANOSECONDS.toMillis(System.nanoTime()
                - held.start)), Long.toString(held.received), HexFormat.of().formatHex(held.first, 0,
                held.firstLength)));
        }
    }

    /** Reports whoever connects to the stranger's own port (where a redirect points a fooled member). */
    private void trap() {
        for (;;) {
            try (Socket member = trap.accept()) {
                member.setSoTimeout(2_000);
                byte[] bytes = new byte[4096];
                int read = 0;
                try {
                    for (int n; read < bytes.length && (n = member.getInputStream().read(bytes, read,
                        bytes.length - read)) > 0;) {
                        read += n;
                    }
                } catch (IOException e) {
                    // what it sent so far is the point
                }
                synchronized (report) {
                    report.println(String.join("\t", "connected-back", member.getRemoteSocketAddress().toString(),
                        Integer.toString(read), HexFormat.of().formatHex(bytes, 0, Math.min(read, 64))));
                }
            } catch (IOException e) {
                return;
            }
        }
    }

    /** One attack's moves on a connection. */
    @FunctionalInterface
    private interface Script {
        void play(Link link) throws IOException;
    }

    /** A connection the stranger holds: since when, and what the port sent back on it. */
    private static class Held {
        final long start;
        String local = "-";
        final byte[] first = new byte[FIRST_BYTES];
        int firstLength;
        long received;

        Held(long start) {
            this.start = start;
        }

        void count(byte[] bytes, int n) {
            int copy = Math.min(n, FIRST_BYTES - firstLength);
            System.arraycopy(bytes, 0, first, firstLength, copy);
            firstLength += copy;
            received += n;
        }
    }

    /** A connection under attack. */
    private static final class Link extends Held {
        private Socket socket;

        Link(Socket socket, long start) {
            super(start);
            this.socket = socket;
        }

        /**
         * From now on a TLS session, with a certificate of the stranger's own (made with the JDK's keytool) and
         * trust in whatever the port shows: a stranger who speaks TLS but has not the job's key.
         */
        void ownTls() throws IOException {
            InetSocketAddress peer = (InetSocketAddress) socket.getRemoteSocketAddress();
            SSLSocket session = (SSLSocket) OwnCertificate.CONTEXT.getSocketFactory().createSocket(socket,
                peer.getHostString(), peer.getPort(), true);
            session.setUseClientMode(true);
            socket = session;
            session.startHandshake();
        }

        void send(byte[] bytes) throws IOException {
            socket.getOutputStream().write(bytes);
            socket.getOutputStream().flush();
        }

        /** Reads up to {@code length} bytes within {@link #ANSWER_WAIT_MS}; returns how many came. */
        int receive(int length) throws IOException {
            socket.setSoTimeout((int) ANSWER_WAIT_MS);
            byte[] bytes = new byte[length];
            int read = 0;
            try {
                for (int n; read < length && (n = socket.getInputStream().read(bytes, read, length - read)) > 0;) {
                    read += n;
                }
            } catch (SocketTimeoutException e) {
                // it answered less than it did to the member: go on, the rest of the script tells
            }
            count(bytes, read);
            return read;
        }

        /**
         * Reads until the port closes the connection: "closed" at end of stream.
         *
         * @throws SocketTimeoutException if it is still open {@link #CLOSE_DEADLINE_MS} after connecting
         */
        String awaitClose() throws IOException {
            InputStream in = socket.getInputStream();
            byte[] bytes = new byte[4096];
            for (;;) {
                long left = CLOSE_DEADLINE_MS - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                if (left <= 0) {
                    throw new SocketTimeoutException("still open");
                }
                socket.setSoTimeout((int) left);
                int n = in.read(bytes);
                if (n < 0) {
                    return "closed";
                }
                count(bytes, n);
            }
        }

        void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // closing is all that was left
            }
        }
    }

    /** The stranger's own key and self-signed certificate, made once with keytool; it trusts any peer. */
    private static final class OwnCertificate {
        static final SSLContext CONTEXT = create();

        private static SSLContext create() {
            try {
                Path dir = Files.createTempDirectory("stranger-");
                Path store = dir.resolve("stranger.p12");
                char[] password = "stranger".toCharArray();
                Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool")
                    .toString(), "-J-XX:-UsePerfData", "-genkeypair", "-alias", "stranger", "-keyalg", "EC",
                    "-dname", "CN=stranger", "-validity", "1", "-storetype", "PKCS12", "-keystore", store.toString(),
                    "-storepass", new String(password)).redirectErrorStream(true).start();
                String output = new String(keytool.getInputStream().readAllBytes());
                if (keytool.waitFor() != 0) {
                    throw new IllegalStateException("keytool failed: " + output);
                }
                KeyStore keys = KeyStore.getInstance("PKCS12");
                try (InputStream in = Files.newInputStream(store)) {
                    keys.load(in, password);
                }
                Files.delete(store);
                Files.delete(dir);
                KeyManagerFactory managers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                managers.init(keys, password);
                SSLContext context = SSLContext.getInstance("TLS");
                context.init(managers.getKeyManagers(), new TrustManager[] {new TrustingAnyone()}, null);
                return context;
            } catch (Exception e) {
                throw new IllegalStateException("cannot make the stranger's certificate: " + e, e);
            }
        }
    }

    /** Trusts every certificate: the stranger does not care whom it talks to. */
    private static final class TrustingAnyone implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
