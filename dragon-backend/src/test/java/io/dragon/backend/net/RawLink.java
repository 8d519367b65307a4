package io.dragon.backend.net;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.security.SecureRandom;

/**
 * A plain socket to a member's listener that speaks the {@link LinkHandshake} by hand, as its opener: for tests that
 * send what a real member never would (replays, wrong proofs, frames before the handshake).
 */
public final class RawLink implements AutoCloseable {
    private final Socket socket;
    private final DataOutputStream out;
    private final DataInputStream in;
    private byte[] hello;
    private byte[] proof;

    private RawLink(InetSocketAddress acceptor) throws IOException {
        socket = new Socket();
        socket.connect(acceptor, 5_000);
        socket.setSoTimeout(10_000);
        out = new DataOutputStream(socket.getOutputStream());
        in = new DataInputStream(socket.getInputStream());
    }

    /** A connection that has sent nothing yet. */
    public static RawLink connect(InetSocketAddress acceptor) throws IOException {
        return new RawLink(acceptor);
    }

    /** A connection through the whole handshake with {@code secret}'s key. */
    public static RawLink authenticated(InetSocketAddress acceptor, String secret, LinkHandshake.Purpose purpose)
        throws IOException {
        RawLink link = new RawLink(acceptor);
        link.handshake(LinkSecurity.plain(secret).key(LinkSecurity.LINK_PURPOSE), purpose);
        return link;
    }

    /**
     * Runs the opener's side with {@code key}: sends its HELLO, reads the challenge (without checking the acceptor's
     * proof), sends its proof. Records both for {@link #replay}.
     */
    public void handshake(byte[] key, LinkHandshake.Purpose purpose) throws IOException {
        byte[] nonce = new byte[LinkHandshake.NONCE_BYTES];
        new SecureRandom().nextBytes(nonce);
        hello = ByteBuffer.allocate(LinkHandshake.HELLO_BYTES).putInt(LinkHandshake.MAGIC).put(LinkHandshake.VERSION)
            .put(purpose.code).putShort((short) 0).put(nonce).array();
        send(hello);
        byte[] challenge = new byte[LinkHandshake.CHALLENGE_BYTES];
        in.readFully(challenge);
        byte[] acceptorNonce = new byte[LinkHandshake.NONCE_BYTES];
        System.arraycopy(challenge, 0, acceptorNonce, 0, acceptorNonce.length);
        proof = LinkHandshake.proof(key, LinkHandshake.OPENER, purpose, nonce, acceptorNonce,
            socket.getRemoteSocketAddress());
        send(proof);
    }

    /** Sends, on this connection, the HELLO and proof another one recorded: a replay of its handshake. */
    public void replay(RawLink recorded) throws IOException {
        send(recorded.hello);
        in.readFully(new byte[LinkHandshake.CHALLENGE_BYTES]);
        send(recorded.proof);
    }

    /** Sends a frame: a 4-byte length, then {@code body}. */
    public void sendFrame(byte[] body) throws IOException {
        send(ByteBuffer.allocate(Integer.BYTES + body.length).putInt(body.length).put(body).array());
    }

    /** Sends a frame, unless the peer has closed the connection already (which may come first): whether it went. */
    public boolean trySendFrame(byte[] body) {
        try {
            sendFrame(body);
            return true;
        } catch (IOException closed) {
            return false;
        }
    }

    public void send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    public int localPort() {
        return socket.getLocalPort();
    }

    public DataInputStream in() {
        return in;
    }

    /** Whether the peer closed the connection within {@code millis} (reading and dropping what it sent). */
    public boolean closedByPeer(int millis) throws IOException {
        socket.setSoTimeout(millis);
        try {
            while (in.read() >= 0) {
                // skip
            }
            return true;
        } catch (SocketTimeoutException stillOpen) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
