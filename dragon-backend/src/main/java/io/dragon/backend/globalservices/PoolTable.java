package io.dragon.backend.globalservices;

import io.dragon.backend.trace.TraceRecorder;
import io.dragon.core.infrastructure.Ids;
import io.dragon.core.memory.PoolDescriptor;
import io.dragon.core.messages.Messages.GSPoolCreate;
import io.dragon.core.messages.Messages.GSPoolCreateResponse;
import io.dragon.core.messages.Messages.GSPoolDestroy;
import io.dragon.core.messages.Messages.GSPoolDestroyResponse;
import io.dragon.core.messages.Messages.GSPoolList;
import io.dragon.core.messages.Messages.GSPoolListResponse;
import io.dragon.core.messages.Messages.GSPoolQuery;
import io.dragon.core.messages.Messages.GSPoolQueryResponse;
import io.dragon.core.messages.Messages.ObjectState;
import io.dragon.core.messages.Messages.PoolInfo;
import io.dragon.core.messages.Messages.SHPoolCreate;
import io.dragon.core.messages.Messages.SHPoolCreateResponse;
import io.dragon.core.messages.Messages.SHPoolDestroy;
import io.dragon.core.messages.Response;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * Global Services' pools: each node's infrastructure and default pools, made by Local Services at bringup, and
 * the pools users create. A pool is created on the requester's node; destroying it destroys what is in it.
 */
final class PoolTable {
    private final Outbox outbox;
    private final Map<Long, PoolInfo> pools = new LinkedHashMap<>();
    private final Map<String, Long> byName = new HashMap<>();
    private long nextMuid = Ids.FIRST_USER_ID;

    PoolTable(Outbox outbox) {
        this.outbox = outbox;
    }

    /** Registers a pool Local Services made at bringup. */
    void addNodePool(byte[] descriptor, String name, int node) {
        PoolDescriptor pool = PoolDescriptor.deserialize(descriptor);
        put(new PoolInfo(pool.muid(), name, node, pool.size(), ObjectState.ACTIVE, descriptor));
    }

    /** The default pool of a node: where objects go when their creator names no pool. */
    long defaultPool(int node) {
        return Ids.defaultPoolMuid(node);
    }

    PoolInfo get(long muid) {
        return pools.get(muid);
    }

    /** Creates a pool on the requester's node. */
    void create(GSPoolCreate request, int node) throws InterruptedException {
        String name = emptyToNull(request.name());
        if (name != null && byName.containsKey(name)) {
            outbox.reply(request, new GSPoolCreateResponse(outbox.nextTag(), request.tag(), Response.ALREADY,
                "a pool named '" + name + "' exists already", pools.get(byName.get(name))));
            return;
        }
        long muid = nextMuid++;
        if (name != null) {
            byName.put(name, muid); // reserved now: another create may come before Local Services answers
        }
        outbox.ask(node, tag -> new SHPoolCreate(tag, outbox.puid(), outbox.cuid(), muid, request.size()), answer -> {
            SHPoolCreateResponse response = (SHPoolCreateResponse) answer;
            PoolInfo info = null;
            if (response.ok()) {
                info = new PoolInfo(muid, name, node, request.size(), ObjectState.ACTIVE, response.descriptor());
                put(info);
                TraceRecorder.instant(GlobalServices.NODE, TraceRecorder.GLOBAL_SERVICES, "create-pool", "m_uid", muid,
                    "node", node, "size", request.size());
            } else if (name != null) {
                byName.remove(name);
            }
            outbox.reply(request, new GSPoolCreateResponse(outbox.nextTag(), request.tag(), response.err(),
                response.errInfo(), info));
        });
    }

    void query(GSPoolQuery request) throws InterruptedException {
        String name = emptyToNull(request.name());
        PoolInfo info = name != null ? pools.get(byName.getOrDefault(name, -1L)) : pools.get(request.muid());
        outbox.reply(request, info == null
            ? new GSPoolQueryResponse(outbox.nextTag(), request.tag(), Response.NOT_FOUND,
                name != null ? "no pool named '" + name + "'" : "no pool with m_uid " + request.muid(), null)
            : new GSPoolQueryResponse(outbox.nextTag(), request.tag(), Response.SUCCESS, "", info));
    }

    void list(GSPoolList request) throws InterruptedException {
        outbox.reply(request, new GSPoolListResponse(outbox.nextTag(), request.tag(), Response.SUCCESS, "",
            pools.values().stream().toList()));
    }

    /** Destroys a user pool; {@code destroyed} then hears its m_uid, so that what was in it is marked gone. */
    void destroy(GSPoolDestroy request, LongConsumer destroyed) throws InterruptedException {
        PoolInfo info = pools.get(request.muid());
        String refusal = info == null ? "no pool with m_uid " + request.muid()
            : info.state() == ObjectState.DESTROYED ? "pool " + request.muid() + " was destroyed already"
            : !Ids.isUserId(request.muid()) ? "pool " + request.muid() + " belongs to the runtime" : null;
        if (refusal != null) {
            outbox.reply(request, new GSPoolDestroyResponse(outbox.nextTag(), request.tag(), Response.NOT_FOUND,
                refusal));
            return;
        }
        outbox.ask(info.node(), tag -> new SHPoolDestroy(tag, outbox.puid(), outbox.cuid(), request.muid()),
            response -> {
            if (response.ok()) {
                put(new PoolInfo(info.muid(), info.name(), info.node(), info.size(), ObjectState.DESTROYED, null));
                if (info.name() != null) {
                    byName.remove(info.name());
                }
                destroyed.accept(info.muid());
            }
            outbox.reply(request, new GSPoolDestroyResponse(outbox.nextTag(), request.tag(), response.err(),
                response.errInfo()));
        });
    }

    private void put(PoolInfo info) {
        pools.put(info.muid(), info);
        if (info.name() != null && info.state() == ObjectState.ACTIVE) {
            byName.put(info.name(), info.muid());
        }
    }

    static String emptyToNull(String name) {
        return name == null || name.isEmpty() ? null : name;
    }
}
