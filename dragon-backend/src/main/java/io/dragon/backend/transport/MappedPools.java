package io.dragon.backend.transport;

import io.dragon.backend.MemoryUsers;
import io.dragon.core.infrastructure.Ids;
import io.dragon.core.memory.MemoryPool;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The pools that this JVM's transport agents reach channels in, each with the threads using it right now, so that
 * a user pool found destroyed is unmapped as soon as no thread of the agents uses it, never while one may still
 * read it. (A destroyed pool's memory is freed only once every process that maps it has unmapped it.) The node's
 * own pools, infrastructure and default, live as long as the runtime on the node and stay mapped.
 */
final class MappedPools {
    private static final Logger LOG = LogManager.getLogger(MappedPools.class);
    /** Users of the node's own pools: never closed. */
    private static final MemoryUsers NODE_POOLS = new MemoryUsers(() -> {
        throw new IllegalStateException("the node's own pools are never unmapped by the transport agents");
    });
    private static final Map<MemoryPool, MemoryUsers> USER_POOLS = new ConcurrentHashMap<>();

    private MappedPools() {
    }

    /** The users of {@code pool}: enter before touching its memory. */
    static MemoryUsers users(MemoryPool pool) {
        if (!Ids.isUserId(pool.descriptor().muid())) {
            return NODE_POOLS;
        }
        return USER_POOLS.computeIfAbsent(pool, p -> new MemoryUsers(() -> unmap(p)));
    }

    /**
     * Whether {@code pool} has been destroyed; if so it is retired: nobody enters any more, and it is unmapped once
     * the last user is out. The caller must be inside {@code users}.
     */
    static boolean retireIfDestroyed(MemoryPool pool, MemoryUsers users) {
        if (users == NODE_POOLS || !pool.isDestroyed()) {
            return false;
        }
        users.close();
        return true;
    }

    /** Retires every user pool that has been destroyed (when the agents next touch the runtime: an attach). */
    static void retireDestroyed() {
        USER_POOLS.forEach((pool, users) -> {
            if (users.enter()) {
                boolean destroyed;
                try {
                    destroyed = pool.isDestroyed();
                } finally {
                    users.exit();
                }
                if (destroyed) {
                    users.close();
                }
            }
        });
    }

    private static void unmap(MemoryPool pool) {
        USER_POOLS.remove(pool);
        pool.close();
        LOG.info("unmapped {}: it was destroyed", pool);
    }
}
