package io.dragon.core.map;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dragon.core.map.Shard.Op;
import io.dragon.core.memory.MemoryPool;
import io.dragon.core.shm.ObjectGoneException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ShardTest {
    private static final AtomicInteger POOLS = new AtomicInteger();

    private MemoryPool pool;

    @BeforeEach
    void createPool() {
        pool = MemoryPool.create("s" + ProcessHandle.current().pid() + "_" + POOLS.incrementAndGet(), 1, 8 << 20);
    }

    @AfterEach
    void destroyPool() {
        pool.destroy();
    }

    @Test
    void shouldRunEachOperationOnItsKey() {
        Shard shard = Shard.create(pool, 1, 4, 16);
        byte[] key = key(0, "k");

        assertThat(shard.apply(Op.GET, key, null, null)).isNull();
        assertThat(shard.apply(Op.PUT, key, bytes("1"), null)).isNull();
        assertThat(shard.apply(Op.PUT, key, bytes("2"), null)).isEqualTo(bytes("1"));
        assertThat(shard.apply(Op.PUT_IF_ABSENT, key, bytes("3"), null)).isEqualTo(bytes("2"));
        assertThat(shard.apply(Op.REPLACE_IF, key, bytes("4"), bytes("9"))).isNull();
        assertThat(shard.apply(Op.REPLACE_IF, key, bytes("4"), bytes("2"))).isSameAs(Shard.YES);
        assertThat(shard.apply(Op.REPLACE, key, bytes("5"), null)).isEqualTo(bytes("4"));
        assertThat(shard.apply(Op.CONTAINS, key, null, null)).isSameAs(Shard.YES);
        assertThat(shard.apply(Op.REMOVE_IF, key, null, bytes("4"))).isNull();
        assertThat(shard.apply(Op.REMOVE, key, null, null)).isEqualTo(bytes("5"));
        assertThat(shard.apply(Op.REPLACE, key, bytes("6"), null)).isNull();
        assertThat(shard.apply(Op.CONTAINS, key, null, null)).isNull();
        assertThat(shard.hits()).isZero();
        assertThat(shard.misses()).isEqualTo(1);
    }

    @Test
    void shouldKeepEachCheckpointApartAndRetireTheOldestBeyondTheWorkingSet() {
        Shard shard = Shard.create(pool, 2, 2, 16);
        shard.apply(Op.PUT, key(0, "a"), bytes("zero"), null);

        assertThatThrownBy(() -> shard.apply(Op.PUT, key(1, "a"), bytes("one"), null))
            .isInstanceOf(Shard.NotBegunException.class);
        assertThat(shard.apply(Op.GET, key(1, "a"), null, null)).as("not begun: empty").isNull();
        shard.advance(1);
        shard.apply(Op.PUT, key(1, "a"), bytes("one"), null);
        assertThat(shard.apply(Op.GET, key(0, "a"), null, null)).isEqualTo(bytes("zero"));
        assertThat(shard.apply(Op.GET, key(1, "a"), null, null)).isEqualTo(bytes("one"));
        assertThat(shard.size(0)).isEqualTo(1);
        assertThat(shard.entries()).isEqualTo(2);

        shard.advance(2);

        assertThat(shard.retired(0)).isTrue();
        assertThatThrownBy(() -> shard.apply(Op.GET, key(0, "a"), null, null))
            .isInstanceOf(RetiredException.class).hasMessageContaining("checkpoint 0 was retired");
        assertThat(shard.apply(Op.GET, key(2, "a"), null, null)).as("a new checkpoint starts empty").isNull();
        assertThat(shard.apply(Op.GET, key(1, "a"), null, null)).isEqualTo(bytes("one"));
        assertThat(shard.entries()).isEqualTo(1);
    }

    @Test
    void shouldSkipCheckpointsWhenAdvancingFarAhead() {
        Shard shard = Shard.create(pool, 3, 1, 16);
        shard.apply(Op.PUT, key(0, "a"), bytes("x"), null);

        shard.advance(10);

        assertThat(shard.newest()).isEqualTo(10);
        assertThat(shard.holds(8)).isTrue();
        assertThat(shard.holds(9)).isTrue();
        assertThat(shard.holds(10)).isTrue();
        assertThat(shard.retired(7)).isTrue();
        assertThat(shard.entries()).isZero();
    }

    @Test
    void shouldVisitSnapshotsAndCountBytesWithoutTheCheckpointPrefix() {
        Shard shard = Shard.create(pool, 1, 4, 16);
        for (int i = 0; i < 50; i++) {
            shard.apply(Op.PUT, key(0, "key" + i), bytes("v"), null);
        }
        List<String> keys = new ArrayList<>();

        shard.forEach((key, value) -> keys.add(new String(key, Shard.KEY_PREFIX, key.length - Shard.KEY_PREFIX,
            UTF_8)));

        assertThat(keys).hasSize(50).doesNotHaveDuplicates().contains("key0", "key49");
        assertThat(shard.dataBytes()).isEqualTo(10 * 4 + 40 * 5 + 50); // "keyN", "keyNN" and one-byte values
    }

    @Test
    void shouldBeTheSameShardWhenAttachedFromItsDescriptor() {
        Shard shard = Shard.create(pool, 2, 2, 16);
        shard.apply(Op.PUT, key(0, "a"), bytes("1"), null);

        Shard attached = Shard.attach(shard.serialize());

        assertThat(attached.apply(Op.GET, key(0, "a"), null, null)).isEqualTo(bytes("1"));
        assertThat(attached.workingSet()).isEqualTo(2);
        shard.destroy();
        assertThat(attached.isLive()).isFalse();
        assertThatThrownBy(() -> Shard.attach(shard.serialize())).isInstanceOf(ObjectGoneException.class);
    }

    /** As a process that first uses a dictionary after its manager destroyed the pool. */
    @Test
    void shouldBeGoneWhenItsPoolWasDestroyed() {
        MemoryPool other = MemoryPool.create("s" + ProcessHandle.current().pid() + "_" + POOLS.incrementAndGet(), 2,
            8 << 20);
        byte[] descriptor = Shard.create(other, 1, 2, 16).serialize();
        other.destroy();

        assertThatThrownBy(() -> Shard.attach(descriptor)).isInstanceOf(ObjectGoneException.class);
    }

    @Test
    void shouldClearCountAndVisitOnlyTheEntriesOfTheirCheckpoint() {
        Shard shard = Shard.create(pool, 1, 1, 16);
        shard.apply(Op.PUT, key(0, "mine"), bytes("1"), null);
        byte[] stale = key(7, "written by a writer that lost the race with a recycling");
        shard.map(0, 0).put(stale, bytes("x"));
        List<String> seen = new ArrayList<>();

        shard.forEach(0, 0, (key, value) -> seen.add(new String(value, UTF_8)));
        shard.clear(0);

        assertThat(seen).containsExactly("1");
        assertThat(shard.map(0, 0).get(stale)).as("another checkpoint's entry is left alone").isNotNull();
        assertThat(shard.apply(Op.GET, key(0, "mine"), null, null)).isNull();
    }

    @Test
    void shouldRefuseCheckpointsThatCannotBe() {
        Shard shard = Shard.create(pool, 1, 1, 16);

        assertThatThrownBy(() -> shard.advance(Long.MAX_VALUE)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("checkpoints are numbered 0 to");
        assertThatThrownBy(() -> shard.apply(Op.PUT, key(-1, "k"), bytes("v"), null))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> shard.apply(Op.GET, new byte[3], null, null))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 8 bytes");
    }

    @Test
    void shouldRefuseAWriteInARetiredCheckpoint() {
        Shard shard = Shard.create(pool, 1, 1, 16);
        shard.advance(1);

        assertThatThrownBy(() -> shard.apply(Op.PUT, key(0, "late"), bytes("v"), null))
            .isInstanceOf(RetiredException.class);
        assertThat(shard.entries()).isZero();
    }

    @Test
    void shouldHashAKeyTheSameInEveryCheckpoint() {
        assertThat(Shard.keyHash(key(0, "some key"))).isEqualTo(Shard.keyHash(key(7, "some key")))
            .isNotEqualTo(Shard.keyHash(key(0, "other key")));
        assertThat(Shard.checkpointOf(key(123_456_789_012L, "k"))).isEqualTo(123_456_789_012L);
    }

    private static byte[] key(long checkpoint, String key) {
        return Shard.storedKey(checkpoint, bytes(key));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }
}
