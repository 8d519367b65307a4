package io.dragon.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dragon.DragonException;
import io.dragon.Output;
import io.dragon.core.map.Shard;
import io.dragon.core.map.Shard.Op;
import io.dragon.core.memory.MemoryPool;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShardFileTest {
    @TempDir
    Path directory;
    private MemoryPool pool;

    @BeforeEach
    void createPool() {
        pool = MemoryPool.create("f" + ProcessHandle.current().pid(), 1, 8 << 20);
    }

    @AfterEach
    void destroyPool() {
        pool.destroy();
    }

    @Test
    void shouldReadBackEveryEntryOfEveryCheckpointHeld() throws IOException {
        Shard shard = Shard.create(pool, 2, 4, 16);
        Map<String, String> written = new HashMap<>();
        for (int i = 0; i < 100; i++) {
            put(shard, 0, "key" + i, "zero" + i, written);
        }
        shard.advance(1);
        put(shard, 1, "key0", "one", written);
        Path file = directory.resolve("m.ddict");
        Output reply = new Output(16);

        ShardFile.write(shard, file, reply);

        ByteBuffer counts = reply.view();
        assertThat(counts.getLong()).isEqualTo(101);
        Map<String, String> read = new HashMap<>();
        long bytes = ShardFile.read(file, (key, value) -> read.put(Shard.checkpointOf(key) + "/" + new String(key,
            Shard.KEY_PREFIX, key.length - Shard.KEY_PREFIX, UTF_8), new String(value, UTF_8)));
        assertThat(read).isEqualTo(written);
        assertThat(bytes).isEqualTo(counts.getLong());
        assertThat(Files.list(directory)).containsExactly(file);
    }

    @Test
    void shouldRefuseAFileCutShortOrNotADictionarys() throws IOException {
        Shard shard = Shard.create(pool, 1, 1, 16);
        put(shard, 0, "k", "v".repeat(1000), new HashMap<>());
        Path file = directory.resolve("m.ddict");
        ShardFile.write(shard, file, new Output(16));
        byte[] whole = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(whole, whole.length - 10));
        Path other = Files.writeString(directory.resolve("other.ddict"), "not a dictionary file at all");

        assertThatThrownBy(() -> ShardFile.read(file, (k, v) -> { })).isInstanceOf(DragonException.class)
            .hasMessageContaining(file + " is cut short");
        assertThatThrownBy(() -> ShardFile.read(other, (k, v) -> { })).isInstanceOf(DragonException.class)
            .hasMessageContaining(other + " is not a dictionary's shard file");
    }

    private static void put(Shard shard, long checkpoint, String key, String value, Map<String, String> written) {
        shard.apply(Op.PUT, Shard.storedKey(checkpoint, key.getBytes(UTF_8)), value.getBytes(UTF_8), null);
        written.put(checkpoint + "/" + key, value);
    }
}
