package io.dragon.core.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PoolTest {
    @Test
    void smoke() {
        Pool pool = Pool.create("t" + ProcessHandle.current().pid(), 7, 1 << 20);
        try {
            Allocation a = pool.allocate(100);
            assertThat(pool.usedBytes()).isEqualTo(128);
            a.buffer().putLong(0, 42);
            a.free();
            assertThat(pool.usedBytes()).isZero();
        } finally {
            pool.destroy();
        }
        assertThatThrownBy(() -> Pool.attach(pool.descriptor())).isInstanceOf(PoolDestroyedException.class);
    }
}
