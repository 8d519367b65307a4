package io.dragon.core.messages;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Messages on a byte stream (the bringup pipes between the launcher and Local Services): each frame is a 4-byte
 * big-endian length followed by that many bytes of {@link MessageCodec} encoding.
 */
public final class PipeCodec {
    private PipeCodec() {
    }

    /** Writes one frame and flushes. Callers serialize concurrent writers. */
    public static void write(OutputStream out, Message message) throws IOException {
        byte[] body = MessageCodec.encode(message);
        byte[] frame = new byte[4 + body.length];
        frame[0] = (byte) (body.length >>> 24);
        frame[1] = (byte) (body.length >>> 16);
        frame[2] = (byte) (body.length >>> 8);
        frame[3] = (byte) body.length;
        System.arraycopy(body, 0, frame, 4, body.length);
        out.write(frame);
        out.flush();
    }

    /**
     * Reads one frame.
     *
     * @throws EOFException if the stream ends before a frame starts (the peer closed its end)
     * @throws MalformedMessageException if the frame's length or contents are invalid
     */
    public static Message read(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > MessageCodec.MAX_MESSAGE_BYTES) {
            throw new MalformedMessageException("pipe frame claims " + (length & 0xFFFF_FFFFL) + " bytes, more than"
                + " the limit of " + MessageCodec.MAX_MESSAGE_BYTES + ": the stream is not a Dragon message stream");
        }
        // Read in chunks, so that a forged length costs no more memory than the bytes that actually come.
        byte[] body = in.readNBytes(length);
        if (body.length < length) {
            throw new EOFException("the pipe ended inside a frame of " + length + " bytes, after " + body.length);
        }
        return MessageCodec.decode(body);
    }
}
