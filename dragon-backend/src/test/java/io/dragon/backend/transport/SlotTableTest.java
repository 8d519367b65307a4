package io.dragon.backend.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

class SlotTableTest {
    private final SendSlots sends = new SendSlots(2);

    @Test
    void shouldTakeTheSlotItNamedNextAndGiveItBackWithItsFrame() {
        ByteBuf frame = Unpooled.buffer(1);
        int slot = sends.next();
        sends.posted(frame, 3);
        assertThat(sends.buffer(slot)).isSameAs(frame);
        assertThat(sends.node(slot)).isEqualTo(3);
        assertThat(sends.cookie(slot)).as("no large frame").isEqualTo(-1);
        int other = sends.next();
        sends.offered(7, 4);
        assertThat(other).isNotEqualTo(slot);
        assertThat(sends.cookie(other)).isEqualTo(7);
        assertThat(sends.full()).isTrue();

        assertThat(sends.completed(slot)).isSameAs(frame);
        assertThat(sends.full()).isFalse();
        assertThat(sends.next()).as("the slot given back").isEqualTo(slot);
        assertThat(sends.buffer(slot)).isNull();
    }

    @Test
    void shouldAbandonASendOnceItHasWaitedTheTimeout() {
        int slot = sends.next();
        sends.posted(Unpooled.buffer(1), 0);
        long now = System.nanoTime();
        assertThat(sends.abandon(slot, now, 1_000_000_000L)).as("not yet").isFalse();
        assertThat(sends.abandon(slot, now + 2_000_000_000L, 1_000_000_000L)).isTrue();
        assertThat(sends.abandoned(slot)).isTrue();
        assertThat(sends.abandon(slot, now + 3_000_000_000L, 1_000_000_000L)).as("once").isFalse();
        assertThat(sends.abandon(sends.next(), now + 3_000_000_000L, 0)).as("a free slot").isFalse();
    }

    @Test
    void shouldKnowWhichCookiesAreOut() {
        LargeSends large = new LargeSends(2);
        int cookie = large.stage(Unpooled.buffer(1), 1, 42);
        assertThat(large.isOut(cookie)).isTrue();
        assertThat(large.sequence(cookie)).isEqualTo(42);
        assertThat(large.isOut(1 - cookie)).as("never staged").isFalse();
        assertThat(large.isOut(-1)).isFalse();
        assertThat(large.isOut(2)).isFalse();
        large.give(cookie).release();
        assertThat(large.isOut(cookie)).as("given back").isFalse();
    }
}
