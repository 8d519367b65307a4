package io.dragon.internal;

import io.dragon.DragonException;
import io.dragon.core.channels.ChannelEmptyException;
import io.dragon.core.channels.ChannelFullException;
import io.dragon.core.channels.LocalChannel;
import io.dragon.core.infrastructure.LaunchParameters;
import io.dragon.core.messages.MessageChannel;
import io.dragon.core.messages.Messages.ProcessSpec;
import io.dragon.core.messages.Messages.SHReplyChannel;
import io.dragon.core.messages.Messages.StdStream;
import io.dragon.core.messages.Messages.StreamKind;
import io.dragon.core.shm.ObjectGoneException;
import io.dragon.core.sync.WaitMode;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The parent's ends of the piped standard streams of a process it starts ({@link StreamKind#PIPE}): a channel per
 * stream on the parent's node, laid out and owned as {@link StdStream} says, read or written through an
 * {@link InputStream} or {@link OutputStream}. Local Services of the process's node holds the other end.
 */
public final class ProcessStreams {
    /** How long a wait on a pipe channel lasts at a time, so that a destroyed channel is seen within it. */
    private static final long SLICE_MS = 100;

    private final ProcessSpec spec;
    private final List<LocalChannel> channels = new ArrayList<>(3);
    private final OutputStream stdin;
    private final InputStream stdout;
    private final InputStream stderr;

    /** Makes the channels of the streams {@code request} pipes; {@link #spec()} is the request with them. */
    public ProcessStreams(ProcessSpec request) {
        try {
            LocalChannel in = channel(request.stdin());
            LocalChannel out = channel(request.stdout());
            LocalChannel err = channel(request.stderr());
            spec = request.withStreams(withChannel(request.stdin(), in), withChannel(request.stdout(), out),
                withChannel(request.stderr(), err));
            stdin = in == null ? null : new PipeOutput(in);
            stdout = out == null ? null : new PipeInput(out);
            stderr = err == null ? null : new PipeInput(err);
        } catch (RuntimeException e) {
            destroy();
            throw e;
        }
    }

    /** The request to Global Services, with the descriptors of the pipes' channels. */
    public ProcessSpec spec() {
        return spec;
    }

    /** The process's stdin, or null if it is not piped. */
    public OutputStream stdin() {
        return stdin;
    }

    /** The process's stdout, or null if it is not piped. */
    public InputStream stdout() {
        return stdout;
    }

    /** The process's stderr, or null if it is not piped. */
    public InputStream stderr() {
        return stderr;
    }

    /** Destroys the channels (the process could not be started). */
    public void destroy() {
        channels.forEach(ProcessStreams::destroyQuietly);
    }

    private LocalChannel channel(StdStream stream) {
        if (stream == null || stream.kind() != StreamKind.PIPE) {
            return null;
        }
        LocalChannel channel = LocalChannel.create(Services.defaultPool(),
            ThreadLocalRandom.current().nextLong(Long.MIN_VALUE, 0), StdStream.PIPE_CAPACITY, StdStream.PIPE_BLOCK);
        channels.add(channel);
        LaunchParameters params = Services.globalServices().launchParameters();
        try {
            MessageChannel.attach(params.localServicesChannel()).send(new SHReplyChannel(0, params.puid(),
                ProcessHandle.current().pid(), channel.serialize()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DragonException("interrupted while making the pipes of a process", e);
        }
        return channel;
    }

    private static StdStream withChannel(StdStream stream, LocalChannel channel) {
        return channel == null ? stream : new StdStream(StreamKind.PIPE, null, channel.serialize());
    }

    private static void destroyQuietly(LocalChannel channel) {
        try {
            channel.destroy();
        } catch (ObjectGoneException e) {
            // the other end let go first
        }
    }

    /** Output of the process: pieces from the channel, until the empty one. One thread reads at a time. */
    static final class PipeInput extends InputStream {
        private final LocalChannel channel;
        private final ByteBuffer piece = ByteBuffer.allocate(StdStream.PIPE_BLOCK).flip();
        private boolean ended;

        PipeInput(LocalChannel channel) {
            this.channel = channel;
            channel.waitMode(WaitMode.SLEEP);
        }

        @Override
        public int read() throws IOException {
            return fill() ? piece.get() & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (!fill()) {
                return -1;
            }
            int n = Math.min(len, piece.remaining());
            piece.get(b, off, n);
            return n;
        }

        @Override
        public int available() {
            return piece.remaining();
        }

        /** Closing before the end makes the process's further writes to the stream fail. */
        @Override
        public void close() {
            ended = true;
            piece.clear().flip();
            destroyQuietly(channel);
        }

        /** Waits for the next piece unless some of the last is unread; false at the end of the stream. */
        private boolean fill() throws IOException {
            while (!piece.hasRemaining()) {
                if (ended) {
                    return false;
                }
                try {
                    piece.clear();
                    channel.recv(piece, SLICE_MS, TimeUnit.MILLISECONDS);
                    piece.flip();
                    if (!piece.hasRemaining()) {
                        close();
                    }
                } catch (ChannelEmptyException e) {
                    piece.clear().flip(); // nothing yet
                } catch (ObjectGoneException e) {
                    throw new IOException("the stream is closed", e);
                } catch (InterruptedException e) {
                    piece.clear().flip();
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while reading the output of a process");
                }
            }
            return true;
        }
    }

    /**
     * Input of the process: buffered, as {@link java.lang.Process#getOutputStream()}, so {@link #flush()} sends
     * what was written; {@link #close()} flushes and ends the stream. One thread writes at a time.
     */
    static final class PipeOutput extends OutputStream {
        private final LocalChannel channel;
        private final ByteBuffer piece = ByteBuffer.allocate(StdStream.PIPE_BLOCK);
        private boolean closed;

        PipeOutput(LocalChannel channel) {
            this.channel = channel;
            channel.waitMode(WaitMode.SLEEP);
        }

        @Override
        public void write(int b) throws IOException {
            if (!piece.hasRemaining()) {
                flush();
            }
            open().put((byte) b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            for (int done = 0; done < len; ) {
                if (!piece.hasRemaining()) {
                    flush();
                }
                int n = Math.min(len - done, open().remaining());
                piece.put(b, off + done, n);
                done += n;
            }
        }

        @Override
        public void flush() throws IOException {
            if (open().position() > 0) {
                send();
            }
        }

        @Override
        public void close() throws IOException {
            if (!closed) {
                flush();
                send(); // empty: the end of the stream
                closed = true;
            }
        }

        private ByteBuffer open() throws IOException {
            if (closed) {
                throw new IOException("the stream is closed");
            }
            return piece;
        }

        /** Sends what the piece holds, waiting while the channel is full; empties the piece. */
        private void send() throws IOException {
            piece.flip();
            try {
                for (;;) {
                    try {
                        channel.send(piece, SLICE_MS, TimeUnit.MILLISECONDS);
                        break;
                    } catch (ChannelFullException e) {
                        // the process has not read it yet: wait on, noticing a destroyed channel
                    }
                }
            } catch (ObjectGoneException e) {
                closed = true;
                throw new IOException("the process has exited: its stdin is closed", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while writing to the input of a process");
            } finally {
                piece.clear();
            }
        }
    }
}
