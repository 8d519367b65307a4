package io.dragon.core.channels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dragon.core.infrastructure.CorruptDescriptorException;
import io.dragon.core.memory.Allocation;
import io.dragon.core.memory.AllocationTooLargeException;
import io.dragon.core.memory.MemoryPool;
import io.dragon.core.memory.PoolFullException;
import io.dragon.core.sync.Deadline;
import io.dragon.core.sync.WaitMode;
import io.dragon.core.testing.ChildJvm;
import io.dragon.core.testing.LeakCheck;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

@ExtendWith(LeakCheck.class)
class ChannelTest {
    private static final long POOL_SIZE = 1 << 20;
    private static final int CAPACITY = 8;
    private static final int BLOCK = 64;
    private static final long LONG_WAIT_SECONDS = 60;

    private MemoryPool pool;
    private long usedBeforeChannel;
    private LocalChannel channel;
    private ExecutorService executor;

    @BeforeEach
    void createChannel() {
        pool = MemoryPool.create(ChildJvm.uniqueRuntimeId(), 1, POOL_SIZE);
        usedBeforeChannel = pool.usedBytes();
        channel = Channel.create(pool, 42, CAPACITY, BLOCK);
        executor = Executors.newCachedThreadPool();
    }

    @AfterEach
    void destroyPool() throws InterruptedException {
        executor.shutdownNow();
        assertThat(executor.awaitTermination(30, TimeUnit.SECONDS)).as("test threads ended").isTrue();
        pool.destroy(); // works even if a killed child held the pool's lock
    }

    @Test
    void shouldReadAnInlineMessageOfAChannelMadeInMemoryThatHeldOtherData() throws InterruptedException {
        channel.destroy();
        long size = ChannelLayout.allocationSize(CAPACITY, BLOCK);
        Allocation dirty = pool.allocate(size);
        dirty.buffer().setMemory(0, size, (byte) 1); // as a freed side allocation of a long message leaves it
        dirty.free();
        channel = Channel.create(pool, 43, CAPACITY, BLOCK);
        channel.send(ByteBuffer.wrap(new byte[] {7, 7, 7}));
        assertThat(channel.recv(1, TimeUnit.SECONDS)).containsExactly(7, 7, 7);
    }

    @Test
    void shouldPeekWithoutTakingAndRemoveFromAnywhereKeepingTheOthersInOrder() throws InterruptedException {
        long withChannel = pool.usedBytes();
        Peeked empty = channel.peek(0, Long.MAX_VALUE, 10, 1 << 20);
        assertThat(empty.count()).isZero();
        assertThat(empty.more()).isFalse();
        for (int round = 0; round < 3; round++) { // laps past removed slots
            for (int i = 0; i < CAPACITY; i++) {
                channel.send(message(i, i % 3 == 0 ? 3 * BLOCK : 4)); // some in side allocations
            }
            assertThat(channel.size()).isEqualTo(CAPACITY);
            Peeked all = channel.peek(0, Long.MAX_VALUE, CAPACITY, 1 << 20);
            assertThat(all.count()).isEqualTo(CAPACITY);
            for (int i = 0; i < CAPACITY; i++) {
                assertThat(all.messages()[i]).isEqualTo(message(i, i % 3 == 0 ? 3 * BLOCK : 4));
            }
            assertThat(channel.remove(all.positions()[3])).isTrue();
            assertThat(channel.remove(all.positions()[3])).as("removed once").isFalse();
            assertThat(channel.remove(all.positions()[6])).as("a side allocation").isTrue();
            assertThat(channel.remove(all.positions()[CAPACITY - 1])).as("the last").isTrue();
            assertThat(channel.size()).isEqualTo(CAPACITY - 3);
            assertThat(channel.peek(0, Long.MAX_VALUE, 1, 1 << 20).messages()[0]).isEqualTo(message(0, 3 * BLOCK));
            assertThat(channel.remove(all.positions()[0])).as("the first").isTrue();
            for (int i : new int[] {1, 2, 4, 5}) {
                assertThat(channel.recv(1, TimeUnit.SECONDS)).isEqualTo(message(i, i % 3 == 0 ? 3 * BLOCK : 4));
            }
            assertThat(channel.tryRecv()).isNull();
            assertThat(channel.size()).isZero();
        }
        assertThat(pool.usedBytes()).as("side allocations freed").isEqualTo(withChannel);
    }

    @Test
    void shouldLookInBatchesUpToTheTailOfTheFirstLook() throws InterruptedException {
        for (int i = 0; i < 5; i++) {
            channel.send(message(i, 4));
        }
        Peeked first = channel.peek(0, Long.MAX_VALUE, 2, 1 << 20);
        assertThat(first.count()).isEqualTo(2);
        assertThat(first.more()).isTrue();
        channel.send(message(5, 4)); // after the look began: not seen
        assertThat(channel.tryRecv()).isEqualTo(message(0, 4)); // seen already
        assertThat(channel.tryRecv()).isEqualTo(message(1, 4));
        assertThat(channel.tryRecv()).isEqualTo(message(2, 4)); // taken before it was looked at: not seen
        Peeked rest = channel.peek(first.next(), first.end(), 10, 1 << 20);
        assertThat(rest.messages()).isDeepEqualTo(new byte[][] {message(3, 4), message(4, 4)});
        assertThat(rest.more()).isFalse();
        Peeked oneBig = channel.peek(0, Long.MAX_VALUE, 10, 1);
        assertThat(oneBig.count()).as("at least one, however few bytes").isEqualTo(1);
    }

    @Test
    void shouldNeverLookAtATornMessageWhileOthersSendAndReceive() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        Future<?> traffic = executor.submit(() -> {
            for (int i = 0; !stop.get(); i++) { // half the ring stays full: a look always finds messages
                byte[] message = new byte[8 + i % (2 * BLOCK)];
                Arrays.fill(message, (byte) i);
                channel.send(ByteBuffer.wrap(message), WaitMode.ADAPTIVE, Deadline.after(10, TimeUnit.SECONDS));
                if (i >= CAPACITY / 2) {
                    channel.recv(WaitMode.ADAPTIVE, Deadline.after(10, TimeUnit.SECONDS));
                }
            }
            return null;
        });
        long filled = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (channel.size() < CAPACITY / 2 && !traffic.isDone() && System.nanoTime() < filled) {
            Thread.yield(); // the looks begin once the ring is half full: on a busy machine, the sender starts late
        }
        long looked = 0;
        for (int look = 0; look < 5_000; look++) {
            for (byte[] message : channel.peek(0, Long.MAX_VALUE, CAPACITY, 1 << 20).messages()) {
                for (byte b : message) {
                    assertThat(b).as("every byte of a message looked at is its own").isEqualTo(message[0]);
                }
                looked++;
            }
        }
        stop.set(true);
        traffic.get();
        assertThat(looked).isPositive();
    }

    @Test
    void shouldRejectBadShapes() {
        assertThatThrownBy(() -> Channel.create(pool, 1, 0, BLOCK)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Channel.create(pool, 1, 1, BLOCK)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("at least 2");
        assertThatThrownBy(() -> Channel.create(pool, 1, 4, ChannelLayout.MIN_BLOCK_SIZE - 1))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Channel.create(pool, 1, 1 << 20, 1024))
            .isInstanceOf(AllocationTooLargeException.class);
        assertThat(pool.usedBytes() - usedBeforeChannel).isEqualTo(channelBytes());
    }

    @Test
    void shouldDescribeItsShape() {
        assertThat(channel.capacity()).isEqualTo(CAPACITY);
        assertThat(channel.blockSize()).isEqualTo(BLOCK);
        assertThat(channel.cuid()).isEqualTo(42);
        assertThat(channel.pool()).isSameAs(pool);
        assertThat(channel.waitMode()).isEqualTo(WaitMode.ADAPTIVE);
        assertThat(channel.isDestroyed()).isFalse();
        assertThat(pool.usedBytes() - usedBeforeChannel)
            .isGreaterThanOrEqualTo(ChannelLayout.allocationSize(CAPACITY, BLOCK));
    }

    @Test
    void shouldDeliverInFifoOrderWithExactContent() throws Exception {
        int[] lengths = {0, 1, 7, BLOCK - 1, BLOCK, BLOCK + 1, 3 * BLOCK, 10_000};
        for (int i = 0; i < lengths.length; i++) {
            channel.send(message(i, lengths[i]));
            assertThat(channel.size()).isEqualTo(i + 1);
        }
        for (int i = 0; i < lengths.length; i++) {
            assertThat(channel.recv(1, TimeUnit.SECONDS)).as("message %d", i).isEqualTo(message(i, lengths[i]));
        }
        assertThat(channel.size()).isZero();
        assertThat(pool.usedBytes() - usedBeforeChannel).as("side allocations freed")
            .isEqualTo(channelBytes());
    }

    @Test
    void shouldSendAndTakeMessagesWhereTheyLieInSideAllocations() throws Exception {
        byte[] long1 = message(1, 3 * BLOCK);
        long side = pool.tryAllocate(long1.length);
        pool.buffer().putBytes(side, long1, 0, long1.length);
        assertThat(channel.trySendSide(side, long1.length)).isTrue();
        channel.send(message(2, 5));
        byte[] long2 = message(3, 10_000);
        channel.send(long2);
        for (int i = 3; i < CAPACITY; i++) {
            channel.send(message(i, 1));
        }
        long full = pool.tryAllocate(long1.length);
        assertThat(channel.trySendSide(full, long1.length)).as("full").isFalse();
        assertThatThrownBy(() -> channel.sendSide(full, long1.length, WaitMode.SLEEP, Deadline.after(10,
            TimeUnit.MILLISECONDS))).isInstanceOf(ChannelFullException.class);
        pool.free(full);

        List<long[]> taken = new ArrayList<>();
        SideTaker taker = (offset, length) -> taken.add(new long[] {offset, length});
        ByteBuffer dst = ByteBuffer.allocate(BLOCK);
        assertThat(channel.tryRecv(dst, Integer.MAX_VALUE, taker)).isEqualTo(long1.length);
        assertThat(dst.position()).as("nothing copied").isZero();
        assertThat(taken).hasSize(1);
        assertThat(taken.get(0)[0]).as("the very allocation sent").isEqualTo(side);
        assertThat(channel.tryRecv(dst, Integer.MAX_VALUE, taker)).isEqualTo(5);
        assertThat(Arrays.copyOf(dst.array(), 5)).isEqualTo(message(2, 5));
        assertThatThrownBy(() -> channel.tryRecv(dst, long2.length - 1, taker)).as("longer than allowed")
            .isInstanceOf(MessageTooLargeException.class);
        assertThat(channel.recv(dst, long2.length, taker, WaitMode.SLEEP, Deadline.FOREVER)).isEqualTo(long2.length);
        byte[] copy = new byte[long2.length];
        pool.buffer().getBytes(taken.get(1)[0], copy, 0, copy.length);
        assertThat(copy).isEqualTo(long2);
        taken.forEach(message -> pool.free(message[0]));
        while (channel.tryRecv() != null) {
            // the short ones
        }
        assertThat(channel.tryRecv(dst, Integer.MAX_VALUE, taker)).as("empty").isEqualTo(-1);
        assertThat(pool.usedBytes() - usedBeforeChannel).as("side allocations freed").isEqualTo(channelBytes());
    }

    @Test
    void shouldMoveMessagesThroughHeapAndDirectBuffers() throws Exception {
        for (int length : new int[] {0, 5, BLOCK, BLOCK + 1, 5000}) {
            ByteBuffer src = ByteBuffer.allocateDirect(length + 10);
            src.position(3);
            src.put(message(length, length));
            src.flip().position(3);
            assertThat(channel.trySend(src)).isTrue();
            assertThat(src.hasRemaining()).as("source consumed").isFalse();

            ByteBuffer dst = (length % 2 == 0 ? ByteBuffer.allocate(6000) : ByteBuffer.allocateDirect(6000));
            dst.position(11);
            assertThat(channel.recv(dst, 1, TimeUnit.SECONDS)).isEqualTo(length);
            assertThat(dst.position()).isEqualTo(11 + length);
            byte[] received = new byte[length];
            dst.flip().position(11);
            dst.get(received);
            assertThat(received).isEqualTo(message(length, length));
        }
    }

    @Test
    void shouldSendFromReadOnlyBuffers() throws Exception {
        for (int length : new int[] {10, 1000}) {
            ByteBuffer heap = ByteBuffer.wrap(message(length, length)).asReadOnlyBuffer();
            ByteBuffer direct = ByteBuffer.allocateDirect(length).put(message(length, length)).flip()
                .asReadOnlyBuffer();

            assertThat(channel.trySend(heap)).isTrue();
            channel.send(direct, 1, TimeUnit.SECONDS);

            assertThat(channel.tryRecv()).isEqualTo(message(length, length));
            assertThat(channel.tryRecv()).isEqualTo(message(length, length));
        }
    }

    @Test
    void shouldRejectReadOnlyReceiveBufferAndKeepMessage() throws Exception {
        channel.send(message(1, 10));

        for (ByteBuffer readOnly : List.of(ByteBuffer.allocate(100).asReadOnlyBuffer(),
            ByteBuffer.allocateDirect(100).asReadOnlyBuffer())) {
            assertThatThrownBy(() -> channel.tryRecv(readOnly)).isInstanceOf(ReadOnlyBufferException.class);
            assertThatThrownBy(() -> channel.recv(readOnly, 1, TimeUnit.SECONDS))
                .isInstanceOf(ReadOnlyBufferException.class);
        }

        assertThat(channel.tryRecv()).isEqualTo(message(1, 10));
        for (int i = 0; i < 3 * CAPACITY; i++) { // every slot still cycles
            channel.send(ByteBuffer.wrap(message(i, 10)), 1, TimeUnit.SECONDS);
            assertThat(channel.tryRecv()).isEqualTo(message(i, 10));
        }
    }

    @Test
    void shouldReportReadinessAndSize() throws Exception {
        assertThat(channel.canRecv()).isFalse();
        assertThat(channel.canSend()).isTrue();
        assertThat(channel.awaitRecv(10, TimeUnit.MILLISECONDS)).isFalse();
        assertThat(channel.awaitSend(0, TimeUnit.MILLISECONDS)).isTrue();

        channel.send(new byte[] {1});
        assertThat(channel.canRecv()).isTrue();
        assertThat(channel.awaitRecv(0, TimeUnit.MILLISECONDS)).isTrue();
        assertThat(channel.size()).isEqualTo(1);

        fill(CAPACITY - 1);
        assertThat(channel.size()).isEqualTo(CAPACITY);
        assertThat(channel.canSend()).isFalse();
        assertThat(channel.awaitSend(10, TimeUnit.MILLISECONDS)).isFalse();
        assertThat(channel.canRecv()).isTrue();

        channel.tryRecv();
        assertThat(channel.canSend()).isTrue();
        assertThat(channel.size()).isEqualTo(CAPACITY - 1);
    }

    @Test
    void shouldRejectTrySendWhenChannelFull() {
        for (int i = 0; i < CAPACITY; i++) {
            assertThat(channel.trySend(ByteBuffer.wrap(message(i, i % 2 == 0 ? 10 : 1000)))).isTrue();
        }
        long used = pool.usedBytes();

        ByteBuffer inline = ByteBuffer.wrap(message(100, 10));
        ByteBuffer side = ByteBuffer.wrap(message(101, 1000));
        assertThat(channel.trySend(inline)).isFalse();
        assertThat(channel.trySend(side)).isFalse();

        assertThat(inline.remaining()).as("not consumed").isEqualTo(10);
        assertThat(side.remaining()).as("not consumed").isEqualTo(1000);
        assertThat(pool.usedBytes()).isEqualTo(used);
        assertThat(channel.size()).isEqualTo(CAPACITY);
    }

    @Test
    void shouldThrowChannelFullOnSendTimeoutAndLoseNothing() throws Exception {
        for (int i = 0; i < CAPACITY; i++) {
            channel.send(message(i, i % 2 == 0 ? 10 : 1000));
        }
        long used = pool.usedBytes();

        for (int length : new int[] {10, 1000}) {
            ByteBuffer src = ByteBuffer.wrap(message(99, length));
            long start = System.nanoTime();
            assertThatThrownBy(() -> channel.send(src, 100, TimeUnit.MILLISECONDS))
                .isInstanceOf(ChannelFullException.class);
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(100));
            assertThat(src.remaining()).isEqualTo(length);
        }

        assertThat(pool.usedBytes()).as("the side allocation of the unsent message was freed").isEqualTo(used);
        assertThat(channel.size()).isEqualTo(CAPACITY);
        for (int i = 0; i < CAPACITY; i++) {
            assertThat(channel.tryRecv()).isEqualTo(message(i, i % 2 == 0 ? 10 : 1000));
        }
        assertThat(channel.tryRecv()).isNull();
    }

    @Test
    void shouldThrowChannelEmptyOnRecvTimeout() {
        long start = System.nanoTime();
        assertThatThrownBy(() -> channel.recv(100, TimeUnit.MILLISECONDS)).isInstanceOf(ChannelEmptyException.class);
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(100));

        assertThatThrownBy(() -> channel.recv(ByteBuffer.allocate(10), 10, TimeUnit.MILLISECONDS))
            .isInstanceOf(ChannelEmptyException.class);
        assertThatThrownBy(() -> channel.recv(ByteBuffer.allocate(10), WaitMode.SLEEP,
            Deadline.after(10, TimeUnit.MILLISECONDS))).isInstanceOf(ChannelEmptyException.class);
        assertThat(channel.tryRecv()).isNull();
        assertThat(channel.tryRecv(ByteBuffer.allocate(10))).isEqualTo(-1);
    }

    @Test
    void shouldRejectMessageLargerThanPoolCanEverHold() {
        byte[] huge = new byte[(int) pool.maxAllocation() + 1];
        long used = pool.usedBytes();

        assertThatThrownBy(() -> channel.send(huge)).isInstanceOf(MessageTooLargeException.class)
            .satisfies(e -> assertThat(((MessageTooLargeException) e).messageLength()).isEqualTo(huge.length));
        assertThatThrownBy(() -> channel.trySend(ByteBuffer.wrap(huge))).isInstanceOf(MessageTooLargeException.class);
        assertThatThrownBy(() -> channel.send(ByteBuffer.wrap(huge), 1, TimeUnit.SECONDS))
            .isInstanceOf(MessageTooLargeException.class);

        assertThat(pool.usedBytes()).isEqualTo(used);
        assertThat(channel.size()).isZero();
    }

    @Test
    void shouldThrowPoolFullWhenSideAllocationFindsNoMemoryInTime() throws InterruptedException {
        Allocation filler = pool.allocate(pool.maxAllocation()); // the only block of that size
        byte[] large = new byte[(int) pool.maxAllocation()];
        long used = pool.usedBytes();

        assertThatThrownBy(() -> channel.send(ByteBuffer.wrap(large), 50, TimeUnit.MILLISECONDS))
            .isInstanceOf(PoolFullException.class);
        assertThat(channel.trySend(ByteBuffer.wrap(large))).isFalse();
        assertThat(pool.usedBytes()).isEqualTo(used);
        assertThat(channel.size()).isZero();

        filler.free();
        channel.send(ByteBuffer.wrap(large), 1, TimeUnit.SECONDS);
        assertThat(channel.tryRecv()).isEqualTo(large);
    }

    @Test
    void shouldKeepMessageWhenReceiveBufferTooSmall() throws Exception {
        channel.send(message(1, 40));
        channel.send(message(2, 3000));

        for (int round = 0; round < 2; round++) {
            int expected = round == 0 ? 40 : 3000;
            ByteBuffer small = ByteBuffer.allocate(expected - 1);
            assertThatThrownBy(() -> channel.tryRecv(small)).isInstanceOf(MessageTooLargeException.class)
                .satisfies(e -> assertThat(((MessageTooLargeException) e).messageLength()).isEqualTo(expected));
            assertThatThrownBy(() -> channel.recv(small, 1, TimeUnit.SECONDS))
                .isInstanceOf(MessageTooLargeException.class);
            assertThat(small.position()).isZero();

            ByteBuffer big = ByteBuffer.allocate(expected);
            assertThat(channel.recv(big, 1, TimeUnit.SECONDS)).isEqualTo(expected);
            assertThat(big.array()).isEqualTo(message(round + 1, expected));
        }
        assertThat(pool.usedBytes() - usedBeforeChannel).isEqualTo(channelBytes());
    }

    @ParameterizedTest
    @EnumSource(WaitMode.class)
    void shouldDeliverToBlockedReceiverAndSenderInEveryWaitMode(WaitMode mode) throws Exception {
        channel.waitMode(mode);
        int messages = 200;
        Future<List<byte[]>> receiver = executor.submit(() -> {
            List<byte[]> received = new ArrayList<>();
            for (int i = 0; i < messages; i++) {
                received.add(channel.recv()); // waits forever in the handle's mode
            }
            return received;
        });
        // The sender outpaces the receiver now and then, so it blocks on a full channel too.
        for (int i = 0; i < messages; i++) {
            channel.send(ByteBuffer.wrap(message(i, i % 3 == 0 ? 200 : 20)), mode,
                Deadline.after(LONG_WAIT_SECONDS, TimeUnit.SECONDS));
        }

        List<byte[]> received = receiver.get(LONG_WAIT_SECONDS, TimeUnit.SECONDS);
        for (int i = 0; i < messages; i++) {
            assertThat(received.get(i)).isEqualTo(message(i, i % 3 == 0 ? 200 : 20));
        }
        assertThat(pool.usedBytes() - usedBeforeChannel).isEqualTo(channelBytes());
    }

    @ParameterizedTest
    @EnumSource(WaitMode.class)
    void shouldWakeSenderBlockedOnFullChannel(WaitMode mode) throws Exception {
        fill(CAPACITY);
        Future<?> sender = executor.submit(() -> {
            channel.send(ByteBuffer.wrap(message(77, 500)), mode, Deadline.after(LONG_WAIT_SECONDS, TimeUnit.SECONDS));
            return null;
        });
        Thread.sleep(20);

        channel.tryRecv();

        sender.get(LONG_WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(channel.size()).isEqualTo(CAPACITY);
    }

    @ParameterizedTest
    @EnumSource(WaitMode.class)
    void shouldInterruptBlockedRecv(WaitMode mode) throws Exception {
        channel.waitMode(mode);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread receiver = new Thread(() -> {
            try {
                channel.recv();
                thrown.set(new AssertionError("received from an empty channel"));
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        receiver.start();
        Thread.sleep(20);

        receiver.interrupt();
        receiver.join(TimeUnit.SECONDS.toMillis(30));

        assertThat(receiver.isAlive()).isFalse();
        assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
        channel.send(new byte[] {5});
        assertThat(channel.tryRecv()).containsExactly(5);
    }

    @Test
    void shouldAttachFromDescriptorAndShareMessages() throws Exception {
        Channel other = Channel.attach(channel.serialize());

        assertThat(other.descriptor()).isEqualTo(channel.descriptor());
        assertThat(ChannelDescriptor.deserialize(channel.serialize())).isEqualTo(channel.descriptor());
        channel.send(message(1, 30));
        other.send(message(2, 300));
        assertThat(other.tryRecv()).isEqualTo(message(1, 30));
        assertThat(channel.tryRecv()).isEqualTo(message(2, 300));
    }

    @Test
    void shouldRejectDestroyedChannelOnAttachAndOnOldHandles() throws Exception {
        byte[] descriptor = channel.serialize();
        Channel other = Channel.attach(descriptor);

        channel.destroy();

        assertThat(channel.isDestroyed()).isTrue();
        assertThat(other.isDestroyed()).isTrue();
        assertThatThrownBy(() -> Channel.attach(descriptor)).isInstanceOf(ChannelDestroyedException.class);
        for (Channel handle : List.of(channel, other)) {
            assertThatThrownBy(() -> handle.trySend(ByteBuffer.wrap(new byte[1])))
                .isInstanceOf(ChannelDestroyedException.class);
            assertThatThrownBy(() -> handle.send(new byte[1])).isInstanceOf(ChannelDestroyedException.class);
            assertThatThrownBy(handle::tryRecv).isInstanceOf(ChannelDestroyedException.class);
            assertThatThrownBy(() -> handle.recv(1, TimeUnit.SECONDS)).isInstanceOf(ChannelDestroyedException.class);
            assertThatThrownBy(handle::destroy).isInstanceOf(ChannelDestroyedException.class);
        }

        // Memory reused by a new channel does not make the old descriptor valid again.
        LocalChannel successor = Channel.create(pool, 42, CAPACITY, BLOCK);
        assertThat(successor.descriptor().allocation()).isEqualTo(channel.descriptor().allocation());
        assertThatThrownBy(() -> Channel.attach(descriptor)).isInstanceOf(ChannelDestroyedException.class);
        assertThatThrownBy(other::tryRecv).isInstanceOf(ChannelDestroyedException.class);
        channel = successor;
    }

    @Test
    void shouldWakeBlockedReceiverWhenDestroyed() throws Exception {
        Future<byte[]> receiver = executor.submit(() -> channel.recv(LONG_WAIT_SECONDS, TimeUnit.SECONDS));
        Thread.sleep(20);

        channel.destroy();

        assertThatThrownBy(() -> receiver.get(LONG_WAIT_SECONDS, TimeUnit.SECONDS))
            .hasCauseInstanceOf(ChannelDestroyedException.class);
    }

    @Test
    void shouldRejectCorruptDescriptors() {
        byte[] bytes = channel.serialize();
        for (int i = 0; i < bytes.length; i++) {
            byte[] corrupt = bytes.clone();
            corrupt[i] ^= (byte) 0xFF;
            int at = i;
            assertThatThrownBy(() -> Channel.attach(corrupt)).as("byte %d flipped", at)
                .isInstanceOf(CorruptDescriptorException.class);
        }
        for (int length = 0; length < bytes.length; length++) {
            byte[] truncated = Arrays.copyOf(bytes, length);
            assertThatThrownBy(() -> Channel.attach(truncated)).as("truncated to %d", length)
                .isInstanceOf(CorruptDescriptorException.class);
        }
        assertThatThrownBy(() -> Channel.attach(pool.descriptor().serialize()))
            .isInstanceOf(CorruptDescriptorException.class);
        assertThat(Channel.attach(bytes).descriptor()).isEqualTo(channel.descriptor());
    }

    @Test
    void shouldReturnAllMemoryOnDestroyIncludingUnreceivedMessages() throws Exception {
        for (int i = 0; i < CAPACITY; i++) {
            channel.send(message(i, i % 2 == 0 ? 5 : 2000 + i * 100));
        }
        channel.tryRecv(); // one message out; its slot stays behind the others
        channel.send(message(8, 9000));
        assertThat(pool.usedBytes() - usedBeforeChannel).isGreaterThan(channelBytes());

        channel.destroy();

        assertThat(pool.usedBytes()).isEqualTo(usedBeforeChannel);
        assertThat(pool.allocationCount()).isZero();
        channel = Channel.create(pool, 43, CAPACITY, BLOCK);
    }

    @Test
    void shouldKeepOrderAcrossManyWrapsOfTheRing() throws Exception {
        SplittableRandom random = new SplittableRandom(5);
        int sent = 0;
        int received = 0;
        while (received < 5_000) {
            if (random.nextInt(3) != 0 && channel.trySend(ByteBuffer.wrap(message(sent, sent % 200)))) {
                sent++;
            } else {
                byte[] message = channel.tryRecv();
                if (message != null) {
                    assertThat(message).isEqualTo(message(received, received % 200));
                    received++;
                }
            }
            assertThat(channel.size()).isEqualTo(sent - received);
        }
    }

    // ---- helpers

    /** MemoryPool bytes the channel itself takes (its allocation, rounded up to a block). */
    private long channelBytes() {
        return Long.highestOneBit(ChannelLayout.allocationSize(CAPACITY, BLOCK) - 1) << 1;
    }

    private void fill(int count) throws InterruptedException {
        for (int i = 0; i < count; i++) {
            channel.send(ByteBuffer.wrap(message(1000 + i, 8)), 1, TimeUnit.SECONDS);
        }
    }

    /** A message of {@code length} bytes whose content depends on {@code id}. */
    static byte[] message(int id, int length) {
        byte[] bytes = new byte[length];
        new SplittableRandom(id * 7919L + length).nextBytes(bytes);
        return bytes;
    }
}
