package io.dragon.backend.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ReplayWindowTest {
    private final ReplayWindow window = new ReplayWindow();

    @Test
    void shouldAcceptEachCounterOnceInAnyOrder() {
        assertThat(window.accept(3)).isTrue();
        assertThat(window.accept(1)).isTrue();
        assertThat(window.accept(2)).isTrue();
        assertThat(window.accept(1)).isFalse();
        assertThat(window.accept(3)).isFalse();
        assertThat(window.accept(4)).isTrue();
    }

    @Test
    void shouldRejectCountersThatNoSenderUses() {
        assertThat(window.accept(0)).isFalse();
        assertThat(window.accept(-1)).isFalse();
        assertThat(window.accept(Long.MIN_VALUE)).isFalse();
    }

    @Test
    void shouldRejectACounterAsFarBelowTheHighestAsTheWindowIsWide() {
        long highest = 10_000;
        assertThat(window.accept(highest)).isTrue();
        assertThat(window.accept(highest - ReplayWindow.SIZE)).isFalse();
        assertThat(window.accept(highest - ReplayWindow.SIZE + 1)).isTrue();
    }

    @Test
    void shouldAcceptCountersOfWordsTheWindowEntersAgainAfterALap() {
        for (long counter = 1; counter <= 2_000; counter++) {
            assertThat(window.accept(counter)).isTrue();
        }
        // The ring's words now hold bits of 1 ... 2000; moving on must clear those the window takes again.
        long highest = 2_000 + 16 * Long.SIZE;
        assertThat(window.accept(highest)).isTrue();
        for (long counter = highest - ReplayWindow.SIZE + 1; counter < highest; counter++) {
            assertThat(window.accept(counter)).as("counter %d", counter).isTrue();
        }
    }

    @Test
    void shouldDecideAsASetOfEverySeenCounterWithinTheWindow() {
        Random random = new Random(15);
        Set<Long> seen = new HashSet<>();
        long highest = 0;
        for (int i = 0; i < 200_000; i++) {
            // Mostly near the highest, in disorder; sometimes far ahead.
            long counter = random.nextInt(50) == 0 ? highest + random.nextInt(3_000)
                : highest + 20 - random.nextInt(ReplayWindow.SIZE + 100);
            boolean expected = counter > 0 && !seen.contains(counter)
                && (counter > highest || highest - counter < ReplayWindow.SIZE);
            assertThat(window.accept(counter)).as("counter %d with %d the highest", counter, highest)
                .isEqualTo(expected);
            if (expected) {
                seen.add(counter);
                highest = Math.max(highest, counter);
            }
        }
    }
}
