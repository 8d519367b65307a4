package io.dragon.backend.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayDeque;
import java.util.NoSuchElementException;
import java.util.Random;
import org.junit.jupiter.api.Test;

class IntDequeTest {
    @Test
    void shouldBehaveAsAnArrayDequeAcrossWrapArounds() {
        IntDeque deque = new IntDeque(5);
        ArrayDeque<Integer> expected = new ArrayDeque<>();
        Random random = new Random(42);
        for (int i = 0; i < 10_000; i++) {
            int op = random.nextInt(3);
            if (op == 0 && expected.size() < 5) {
                deque.addLast(i);
                expected.addLast(i);
            } else if (op == 1 && expected.size() < 5) {
                deque.addFirst(i);
                expected.addFirst(i);
            } else if (!expected.isEmpty()) {
                assertThat(deque.pollFirst()).isEqualTo(expected.pollFirst());
            }
            assertThat(deque.size()).isEqualTo(expected.size());
            assertThat(deque.isEmpty()).isEqualTo(expected.isEmpty());
        }
    }

    @Test
    void shouldRefuseToOverflowOrUnderflow() {
        IntDeque deque = new IntDeque(1);
        assertThatThrownBy(deque::pollFirst).isInstanceOf(NoSuchElementException.class);
        deque.addLast(1);
        assertThatThrownBy(() -> deque.addFirst(2)).isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("full");
        assertThat(deque.pollFirst()).isEqualTo(1);
    }
}
