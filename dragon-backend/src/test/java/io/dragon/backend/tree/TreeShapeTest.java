package io.dragon.backend.tree;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TreeShapeTest {
    @Test
    void shouldFillLevelByLevel() {
        TreeShape shape = new TreeShape(10, 3);
        assertThat(shape.children(0)).containsExactly(1, 2, 3);
        assertThat(shape.children(1)).containsExactly(4, 5, 6);
        assertThat(shape.children(3)).containsExactly(10);
        assertThat(shape.children(4)).isEmpty();
        assertThat(shape.parent(10)).isEqualTo(3);
        assertThat(shape.parent(3)).isZero();
        assertThat(shape.subtreeSize(0)).isEqualTo(10);
        assertThat(shape.subtreeSize(1)).isEqualTo(4);
        assertThat(shape.subtreeSize(3)).isEqualTo(2);
    }

    @Test
    void shouldKeepEveryBackendUnderTheRootWhenTheFanOutIsLarge() {
        TreeShape shape = new TreeShape(5, 32);
        assertThat(shape.children(0)).containsExactly(1, 2, 3, 4, 5);
        assertThat(shape.subtreeSize(2)).isEqualTo(1);
    }

    @Test
    void shouldRejectEmptyShapes() {
        assertThatThrownBy(() -> new TreeShape(0, 2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TreeShape(2, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
