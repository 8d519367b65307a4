package io.dragon.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dragon.core.channels.Channel;
import io.dragon.core.channels.LocalChannel;
import io.dragon.core.memory.MemoryPool;
import io.dragon.core.messages.Messages.StdStream;
import io.dragon.core.testing.ChildJvm;
import io.dragon.core.testing.LeakCheck;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The parent's ends of a piped stream, over a channel laid out as {@link StdStream} says. */
@ExtendWith(LeakCheck.class)
class ProcessStreamsTest {
    private MemoryPool pool;
    private LocalChannel channel;

    @BeforeEach
    void createChannel() {
        pool = MemoryPool.create(ChildJvm.uniqueRuntimeId(), 1, 4 << 20);
        channel = Channel.create(pool, -7, StdStream.PIPE_CAPACITY, StdStream.PIPE_BLOCK);
    }

    @AfterEach
    void destroyPool() {
        pool.destroy();
    }

    @Test
    void shouldCarrySeveralMebibytesIntactThroughAFullPipeAndEndTheStream() throws Exception {
        byte[] data = new byte[5 << 20];
        new Random(21).nextBytes(data);
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            try (OutputStream out = new ProcessStreams.PipeOutput(channel)) {
                for (int at = 0; at < data.length; at += 100_000) {
                    out.write(data, at, Math.min(100_000, data.length - at));
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(50); // the writer fills the channel and waits: nothing may be dropped
        InputStream in = new ProcessStreams.PipeInput(channel);
        byte[] read = in.readAllBytes();
        writer.get(60, TimeUnit.SECONDS);
        assertThat(read).isEqualTo(data);
        assertThat(in.read()).isEqualTo(-1);
        assertThat(channel.isDestroyed()).as("the reader lets go of the pipe at its end").isTrue();
    }

    @Test
    void shouldSendOnlyOnFlushAndByteByByte() throws Exception {
        OutputStream out = new ProcessStreams.PipeOutput(channel);
        InputStream in = new ProcessStreams.PipeInput(channel);
        out.write('a');
        out.write("bc".getBytes(), 0, 2);
        assertThat(channel.size()).isZero();
        out.flush();
        assertThat(in.read()).isEqualTo('a');
        assertThat(in.available()).isEqualTo(2);
        out.close();
        assertThat(new String(in.readAllBytes())).isEqualTo("bc");
        assertThatThrownBy(() -> out.write('x')).isInstanceOf(IOException.class);
    }

    @Test
    void shouldFailTheWriterOnceTheReaderHasClosed() throws Exception {
        OutputStream out = new ProcessStreams.PipeOutput(channel);
        out.write(1);
        out.flush();
        new ProcessStreams.PipeInput(channel).close();
        out.write(2);
        assertThatThrownBy(out::flush).isInstanceOf(IOException.class).hasMessageContaining("has exited");
    }
}
