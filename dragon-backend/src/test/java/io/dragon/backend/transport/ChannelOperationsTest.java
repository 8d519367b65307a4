package io.dragon.backend.transport;

import static io.dragon.backend.transport.GatewayRequests.status;
import static io.dragon.core.channels.GatewayLayout.AWAIT_RECV;
import static io.dragon.core.channels.GatewayLayout.CALL;
import static io.dragon.core.channels.GatewayLayout.CANCEL;
import static io.dragon.core.channels.GatewayLayout.CANCELLED;
import static io.dragon.core.channels.GatewayLayout.COMPLETION_ID_OFFSET;
import static io.dragon.core.channels.GatewayLayout.COMPLETION_PAYLOAD_OFFSET;
import static io.dragon.core.channels.GatewayLayout.DESTROY;
import static io.dragon.core.channels.GatewayLayout.DESTROYED;
import static io.dragon.core.channels.GatewayLayout.EMPTY;
import static io.dragon.core.channels.GatewayLayout.FAILED;
import static io.dragon.core.channels.GatewayLayout.FOREVER;
import static io.dragon.core.channels.GatewayLayout.FULL;
import static io.dragon.core.channels.GatewayLayout.INFO;
import static io.dragon.core.channels.GatewayLayout.OK;
import static io.dragon.core.channels.GatewayLayout.PID_OFFSET;
import static io.dragon.core.channels.GatewayLayout.RECV;
import static io.dragon.core.channels.GatewayLayout.REQUEST_ID_OFFSET;
import static io.dragon.core.channels.GatewayLayout.SEND;
import static io.dragon.core.channels.GatewayLayout.SEND_BUFFERED;
import static io.dragon.core.channels.GatewayLayout.STATUS_OFFSET;
import static io.dragon.core.channels.GatewayLayout.THREW;
import static io.dragon.core.channels.GatewayLayout.TOO_LARGE;
import static io.dragon.core.channels.GatewayLayout.VALUE_OFFSET;
import static org.assertj.core.api.Assertions.assertThat;

import io.dragon.core.channels.Channel;
import io.dragon.core.channels.LocalChannel;
import io.dragon.core.infrastructure.HostId;
import io.dragon.core.infrastructure.RuntimeIds;
import io.dragon.core.memory.MemoryPool;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The owner's side of the gateway protocol (ChannelOperations) and the requester's (Replies) on real channels in
 * shared memory, with the TCP link between the agents replaced by a queue of the frames sent (thread-safe: calls and
 * waits answer from the operations' own threads): requests built as a process builds them, completions delivered
 * to a reply channel as an agent delivers them.
 */
class ChannelOperationsTest {
    private final ChannelOperations operations = new ChannelOperations(true);
    private final Replies replies = new Replies();
    private final BlockingQueue<ByteBuf> sent = new LinkedBlockingQueue<>();
    private final Peer peer = sent::add;
    private MemoryPool pool;
    private LocalChannel target;
    private LocalChannel replyChannel;
    private long requestIds;

    @BeforeEach
    void setUp() {
        pool = MemoryPool.create(RuntimeIds.next(), 1, 1 << 20);
        target = Channel.create(pool, 10, 2, 64);
        replyChannel = Channel.create(pool, -11, 2, 256);
    }

    @AfterEach
    void tearDown() {
        operations.close();
        sent.forEach(ByteBuf::release);
        pool.destroy();
    }

    @Test
    void shouldSendAndReceiveOnTheTargetChannel() throws Exception {
        assertThat(status(perform(SEND, 0, 0, "hello"))).isEqualTo(OK);
        assertThat(target.size()).isEqualTo(1);
        ByteBuffer completion = perform(RECV, Integer.MAX_VALUE, 0, null);
        assertThat(status(completion)).isEqualTo(OK);
        assertThat(completion.getInt(VALUE_OFFSET)).isEqualTo(5);
        assertThat(payload(completion)).isEqualTo("hello");
        assertThat(target.size()).isZero();
    }

    @Test
    void shouldReportFullEmptyAndTooLargeWithoutLosingAMessage() throws Exception {
        perform(SEND, 0, 0, "a");
        perform(SEND, 0, 0, "b");
        assertThat(status(perform(SEND, 0, 0, "c"))).isEqualTo(FULL);
        ByteBuffer tooLarge = perform(RECV, 0, 0, null);
        assertThat(status(tooLarge)).isEqualTo(TOO_LARGE);
        assertThat(tooLarge.getInt(VALUE_OFFSET)).isEqualTo(1);
        assertThat(payload(perform(RECV, 1, 0, null))).isEqualTo("a");
        assertThat(payload(perform(RECV, 1, 0, null))).isEqualTo("b");
        assertThat(status(perform(RECV, 1, 0, null))).isEqualTo(EMPTY);
    }

    @Test
    void shouldReceiveAMessageLongerThanABlockInOneCompletion() throws Exception {
        String text = "x".repeat(5000);
        perform(SEND, 0, 0, text);
        assertThat(payload(perform(RECV, Integer.MAX_VALUE, 0, null))).isEqualTo(text);
    }

    @Test
    void shouldWaitOffTheEventLoopUntilAMessageComesOrTheTimeoutPasses() throws Exception {
        long start = System.nanoTime();
        assertThat(status(perform(RECV, 100, TimeUnit.MILLISECONDS.toNanos(200), null))).isEqualTo(EMPTY);
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(190));

        operations.perform(request(AWAIT_RECV, 0, TimeUnit.SECONDS.toNanos(10), null), peer);
        ByteBuf announced = sent.poll(10, TimeUnit.SECONDS);
        assertThat(announced.getInt(Integer.BYTES)).as("a WAITING").isEqualTo(FrameKind.WAITING);
        announced.release();
        assertThat(sent.poll()).as("nothing else before a message comes").isNull();
        target.send("now".getBytes(StandardCharsets.UTF_8));
        ByteBuffer ready = awaitCompletion();
        assertThat(status(ready)).isEqualTo(OK);
        assertThat(ready.getInt(VALUE_OFFSET)).isEqualTo(1);
    }

    @Test
    void shouldCancelAWaitingReceiveBeforeItTakesAMessageAndAnnounceIt() throws Exception {
        operations.perform(request(RECV, 100, FOREVER, null), peer);
        ByteBuf announced = sent.poll(10, TimeUnit.SECONDS);
        assertThat(announced.getInt(Integer.BYTES)).isEqualTo(FrameKind.WAITING);
        assertThat(announced.getLongLE(TransportFrames.FRAME_HEADER + REQUEST_ID_OFFSET)).isEqualTo(requestIds);
        announced.release();
        operations.perform(cancel(requestIds), peer);
        ByteBuf frame = sent.poll(10, TimeUnit.SECONDS);
        assertThat(frame.getInt(Integer.BYTES)).as("the completion of a request that waited").isEqualTo(
            FrameKind.WAITED);
        sent.add(frame);
        assertThat(status(awaitCompletion())).isEqualTo(CANCELLED);
        target.send("later".getBytes(StandardCharsets.UTF_8));
        assertThat(target.size()).as("nothing took the message after the cancel").isEqualTo(1);
    }

    @Test
    void shouldCancelAWaitingSendWithoutSendingAndIgnoreACancelOfAnotherProcess() throws Exception {
        perform(SEND, 0, 0, "a");
        perform(SEND, 0, 0, "b");
        operations.perform(request(SEND, 0, FOREVER, "c".getBytes(StandardCharsets.UTF_8)), peer);
        ByteBuf forged = cancel(requestIds);
        forged.setIntLE(PID_OFFSET, GatewayRequests.PID + 1);
        operations.perform(forged, peer);
        operations.perform(cancel(requestIds), peer);
        assertThat(status(awaitCompletion())).isEqualTo(CANCELLED);
        assertThat(new String(target.recv(), StandardCharsets.UTF_8)).isEqualTo("a");
        assertThat(new String(target.recv(), StandardCharsets.UTF_8)).isEqualTo("b");
        assertThat(target.size()).as("the cancelled message was not sent").isZero();
    }

    @Test
    void shouldCompleteAsUsualWhenTheCancelComesAfterTheMessageWasTaken() throws Exception {
        operations.perform(request(RECV, 100, FOREVER, null), peer);
        target.send("taken".getBytes(StandardCharsets.UTF_8));
        ByteBuffer completion = awaitCompletion();
        operations.perform(cancel(requestIds), peer);
        assertThat(status(completion)).isEqualTo(OK);
        assertThat(payload(completion)).isEqualTo("taken");
        assertThat(sent.poll(200, TimeUnit.MILLISECONDS)).as("a late cancel is not answered").isNull();
    }

    @Test
    void shouldInterruptAWaitingCallOnCancel() throws Exception {
        operations.perform(request(CALL, 0, FOREVER, serialize((Callable<String> & Serializable) () -> {
            Thread.sleep(60_000);
            return "slept";
        })), peer);
        Thread.sleep(100);
        long start = System.nanoTime();
        operations.perform(cancel(requestIds), peer);
        ByteBuffer completion = awaitCompletion();
        assertThat(status(completion)).isEqualTo(THREW);
        Object thrown = new ObjectInputStream(new ByteArrayInputStream(completion.array(),
            COMPLETION_PAYLOAD_OFFSET, completion.limit() - COMPLETION_PAYLOAD_OFFSET)).readObject();
        assertThat(thrown).isInstanceOf(InterruptedException.class);
        assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(5));
    }

    @Test
    void shouldDescribeAndDestroyTheChannel() throws Exception {
        perform(SEND, 0, 0, "a");
        ByteBuffer info = perform(INFO, 0, 0, null);
        assertThat(info.getInt(VALUE_OFFSET)).isEqualTo(1);
        assertThat(info.getInt(16)).isEqualTo(2);
        assertThat(info.getInt(20)).isEqualTo(64);
        assertThat(status(perform(DESTROY, 0, 0, null))).isEqualTo(OK);
        assertThat(status(perform(SEND, 0, 0, "b"))).isEqualTo(DESTROYED);
    }

    @Test
    void shouldRunACallAndReturnItsValueOrWhatItThrew() throws Exception {
        ByteBuffer value = perform(CALL, 0, 0, serialize((Callable<String> & Serializable) () -> "ran here"));
        assertThat(status(value)).isEqualTo(OK);
        ByteBuffer threw = perform(CALL, 0, 0, serialize((Callable<String> & Serializable) () -> {
            throw new IllegalStateException("on purpose");
        }));
        assertThat(status(threw)).isEqualTo(THREW);
        ByteBuffer garbage = perform(CALL, 0, 0, "not a serialized object");
        assertThat(status(garbage)).isEqualTo(FAILED);
        assertThat(payload(garbage)).contains("could not be read");
    }

    @Test
    void shouldAnswerACallThatCannotBeReadWithAFailureNamingWhy() throws Exception {
        java.util.ArrayList<String> list = new java.util.ArrayList<>(java.util.List.of("a"));
        ByteBuffer refused = perform(CALL, 0, 0, serialize((Callable<Integer> & Serializable) list::size));
        assertThat(status(refused)).isEqualTo(FAILED);
        assertThat(payload(refused)).contains("could not be read", "class java.util.ArrayList is refused",
            "--serial-filter 'java.util.ArrayList'");

        ByteBuffer throwing = perform(CALL, 0, 0, serialize(new Unreadable(false)));
        assertThat(status(throwing)).isEqualTo(FAILED);
        assertThat(payload(throwing)).contains("could not be read", "IllegalStateException: unreadable on purpose");

        ByteBuffer erring = perform(CALL, 0, 0, serialize(new Unreadable(true)));
        assertThat(status(erring)).isEqualTo(FAILED);
        assertThat(payload(erring)).contains("could not be read", "NoClassDefFoundError: unreadable on purpose");

        ByteBuffer notACall = perform(CALL, 0, 0, serialize("just a string"));
        assertThat(status(notACall)).isEqualTo(FAILED);
        assertThat(payload(notACall)).contains("must be a java.util.concurrent.Callable, got a java.lang.String");
    }

    @Test
    void shouldAnswerACallThatThrowsAnErrorWithAFailureNamingIt() throws Exception {
        ByteBuffer failed = perform(CALL, 0, 0, serialize((Callable<String> & Serializable) () -> {
            throw new StackOverflowError("thrown on purpose");
        }));
        assertThat(status(failed)).isEqualTo(FAILED);
        assertThat(payload(failed)).contains("the remote call failed on", "java.lang.StackOverflowError: thrown on"
            + " purpose");

        ByteBuffer unsendable = perform(CALL, 0, 0, serialize((Callable<Object> & Serializable) Object::new));
        assertThat(status(unsendable)).isEqualTo(FAILED);
        assertThat(payload(unsendable)).contains("result of the remote call could not be serialized",
            "java.lang.Object");
        assertThat(status(perform(SEND, 0, 0, "still here"))).isEqualTo(OK);
    }

    /** A call whose deserialization throws: a RuntimeException, or an Error. */
    private record Unreadable(boolean error) implements Callable<String>, Serializable {
        @Override
        public String call() {
            return "never read";
        }

        private Object readResolve() {
            if (error) {
                throw new NoClassDefFoundError("unreadable on purpose");
            }
            throw new IllegalStateException("unreadable on purpose");
        }
    }

    @Test
    void shouldAnswerOrDropMalformedRequestsAndStayUsable() throws Exception {
        Random random = new Random(42);
        ByteBuf valid = request(SEND, 0, 0, "x".getBytes(StandardCharsets.UTF_8));
        byte[] template = new byte[valid.readableBytes()];
        valid.getBytes(0, template);
        valid.release();
        for (int i = 0; i < 100_000; i++) {
            boolean mutated = random.nextInt(4) != 0;
            byte[] bytes = mutated ? template.clone() : new byte[random.nextInt(80)];
            if (mutated) {
                for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
                    bytes[random.nextInt(bytes.length)] = (byte) random.nextInt();
                }
            } else {
                random.nextBytes(bytes);
            }
            if (bytes.length >= 32) {
                // No destroying the target, no waiting, no calls: every request is answered at once.
                ByteBuffer header = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
                if (header.getInt(0) == DESTROY || header.getInt(0) == CALL) {
                    header.putInt(0, SEND);
                }
                header.putLong(24, 0);
            }
            ByteBuf request = Unpooled.buffer(Math.max(1, bytes.length)).writeBytes(bytes);
            operations.perform(request, peer);
            assertThat(request.refCnt()).isZero();
            for (ByteBuf out = sent.poll(); out != null; out = sent.poll()) {
                out.release();
            }
            while (target.tryRecv() != null) {
                // drain what a mutated send put there
            }
        }
        assertThat(status(perform(SEND, 0, 0, "still here"))).isEqualTo(OK);
    }

    @Test
    void shouldPerformTheBufferedSendsOfOneSenderInOrderBehindOneThatWaits() throws Exception {
        operations.perform(request(SEND_BUFFERED, 0, FOREVER, bytes("a")), peer);
        operations.perform(request(SEND_BUFFERED, 0, FOREVER, bytes("b")), peer);
        assertThat(statuses(2)).containsExactly(OK, OK);
        operations.perform(request(SEND_BUFFERED, 0, FOREVER, bytes("c")), peer); // full: waits, unannounced
        operations.perform(request(SEND_BUFFERED, 0, FOREVER, bytes("d")), peer); // queues behind c
        operations.perform(request(SEND_BUFFERED, 0, 0, bytes("x")), peer); // may not wait: full while c waits
        assertThat(statuses(1)).as("the try finds the channel full").containsExactly(FULL);
        operations.perform(cancel(requestIds - 2), peer);

        assertThat(new String(target.recv(), StandardCharsets.UTF_8)).isEqualTo("a");
        assertThat(new String(target.recv(), StandardCharsets.UTF_8)).isEqualTo("b");
        assertThat(new String(target.recv(), StandardCharsets.UTF_8)).as("never cancelled").isEqualTo("c");
        assertThat(new String(target.recv(), StandardCharsets.UTF_8)).isEqualTo("d");
        assertThat(statuses(2)).containsExactly(OK, OK);
        operations.perform(request(SEND_BUFFERED, 0, FOREVER, bytes("e")), peer);
        assertThat(statuses(1)).as("the stream is free again").containsExactly(OK);
        assertThat(target.size()).isEqualTo(1);
    }

    @Test
    void shouldKeepABufferedSendsTimeoutFromWhenItCameWhileItQueued() throws Exception {
        perform(SEND, 0, 0, "a");
        perform(SEND, 0, 0, "b");
        operations.perform(request(SEND_BUFFERED, 0, TimeUnit.MILLISECONDS.toNanos(300), bytes("c")), peer);
        operations.perform(request(SEND_BUFFERED, 0, TimeUnit.MILLISECONDS.toNanos(100), bytes("d")), peer);
        assertThat(statuses(2)).as("both stayed full past their deadlines").containsExactly(FULL, FULL);
        assertThat(target.size()).isEqualTo(2);
    }

    /** The statuses of the next {@code count} completions, in the order they were sent. */
    private int[] statuses(int count) throws InterruptedException {
        int[] statuses = new int[count];
        for (int i = 0; i < count; i++) {
            ByteBuf frame = sent.poll(10, TimeUnit.SECONDS);
            assertThat(frame).as("completion %d of %d within 10 s", i + 1, count).isNotNull();
            assertThat(frame.getInt(Integer.BYTES)).as("no WAITING").isIn(FrameKind.COMPLETION, FrameKind.WAITED);
            statuses[i] = frame.getIntLE(TransportFrames.completionOffset(frame) + STATUS_OFFSET);
            frame.release();
        }
        return statuses;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    // ---- the requester's side, as GatewayCall and the requester's agent do it

    private ByteBuffer perform(int op, int maxLength, long timeout, Object payload) throws Exception {
        byte[] bytes = payload == null ? null : payload instanceof byte[] b ? b
            : ((String) payload).getBytes(StandardCharsets.UTF_8);
        operations.perform(request(op, maxLength, timeout, bytes), peer);
        return awaitCompletion();
    }

    /**
     * The next completion (a WAITING announcement before it skipped), delivered by Replies to the reply channel and
     * received from there.
     */
    private ByteBuffer awaitCompletion() throws InterruptedException {
        ByteBuf frame = sent.poll(10, TimeUnit.SECONDS);
        assertThat(frame).as("a completion within 10 s").isNotNull();
        if (frame.getInt(Integer.BYTES) == FrameKind.WAITING) {
            frame.release();
            return awaitCompletion();
        }
        frame.skipBytes(TransportFrames.FRAME_HEADER);
        replies.deliver(frame);
        byte[] completion = replyChannel.recv(1, TimeUnit.SECONDS);
        ByteBuffer buffer = ByteBuffer.wrap(completion).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(buffer.getLong(COMPLETION_ID_OFFSET)).isEqualTo(requestIds);
        return buffer;
    }

    private ByteBuf request(int op, int maxLength, long timeout, byte[] payload) {
        return GatewayRequests.request(op, op == CALL ? new byte[0] : target.serialize(), replyChannel.serialize(),
            ++requestIds, maxLength, timeout, HostId.local(), payload);
    }

    /** A CANCEL of request {@code id}, as GatewayCall or the requester's agent sends it. */
    private ByteBuf cancel(long id) {
        return GatewayRequests.request(CANCEL, target.serialize(), replyChannel.serialize(), id, 0, 0, HostId.local(),
            null);
    }

    private static String payload(ByteBuffer completion) {
        return new String(completion.array(), COMPLETION_PAYLOAD_OFFSET, completion.limit()
            - COMPLETION_PAYLOAD_OFFSET, StandardCharsets.UTF_8);
    }

    private static byte[] serialize(Object value) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        }
        return bytes.toByteArray();
    }
}
