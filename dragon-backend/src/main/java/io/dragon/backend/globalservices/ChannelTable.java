package io.dragon.backend.globalservices;

import io.dragon.backend.trace.TraceRecorder;
import io.dragon.core.infrastructure.Ids;
import io.dragon.core.messages.Messages.ChannelInfo;
import io.dragon.core.messages.Messages.GSChannelCreate;
import io.dragon.core.messages.Messages.GSChannelCreateResponse;
import io.dragon.core.messages.Messages.GSChannelDestroy;
import io.dragon.core.messages.Messages.GSChannelDestroyResponse;
import io.dragon.core.messages.Messages.GSChannelList;
import io.dragon.core.messages.Messages.GSChannelListResponse;
import io.dragon.core.messages.Messages.GSChannelQuery;
import io.dragon.core.messages.Messages.GSChannelQueryResponse;
import io.dragon.core.messages.Messages.ObjectState;
import io.dragon.core.messages.Messages.PoolInfo;
import io.dragon.core.messages.Messages.SHChannelCreate;
import io.dragon.core.messages.Messages.SHChannelCreateResponse;
import io.dragon.core.messages.Messages.SHChannelDestroy;
import io.dragon.core.messages.Response;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Global Services' user channels. Local Services makes them in a pool of its node (the requester's default pool
 * unless a pool is named) and hands back their descriptors; they live until destroyed or until the runtime ends,
 * whoever created them.
 */
final class ChannelTable {
    private final Outbox outbox;
    private final PoolTable pools;
    private final Map<Long, ChannelInfo> channels = new LinkedHashMap<>();
    private final Map<String, Long> byName = new HashMap<>();

    ChannelTable(Outbox outbox, PoolTable pools) {
        this.outbox = outbox;
        this.pools = pools;
    }

    /** Creates a channel in the pool the request names, or in the default pool of the requester's node. */
    void create(GSChannelCreate request, long cuid, int requesterNode) throws InterruptedException {
        String name = PoolTable.emptyToNull(request.name());
        if (name != null && byName.containsKey(name)) {
            outbox.reply(request, new GSChannelCreateResponse(outbox.nextTag(), request.tag(), Response.ALREADY,
                "a channel named '" + name + "' exists already", channels.get(byName.get(name))));
            return;
        }
        long muid = request.muid() == 0 ? pools.defaultPool(requesterNode) : request.muid();
        PoolInfo pool = pools.get(muid);
        if (pool == null || pool.state() != ObjectState.ACTIVE || isInfrastructure(muid)) {
            outbox.reply(request, new GSChannelCreateResponse(outbox.nextTag(), request.tag(), Response.NOT_FOUND,
                "no user pool with m_uid " + muid + " to create the channel in", null));
            return;
        }
        if (name != null) {
            byName.put(name, cuid); // reserved now: another create may come before Local Services answers
        }
        outbox.ask(pool.node(), tag -> new SHChannelCreate(tag, outbox.puid(), outbox.cuid(), cuid, muid,
            request.capacity(), request.blockSize()), answer -> {
                SHChannelCreateResponse response = (SHChannelCreateResponse) answer;
                ChannelInfo info = null;
                if (response.ok()) {
                    info = new ChannelInfo(cuid, name, muid, pool.node(), request.capacity(), request.blockSize(),
                        ObjectState.ACTIVE, response.descriptor());
                    channels.put(cuid, info);
                    TraceRecorder.instant(GlobalServices.NODE, TraceRecorder.GLOBAL_SERVICES, "create-channel",
                        "c_uid", cuid, "node", pool.node(), "p_uid", request.puid());
                } else if (name != null) {
                    byName.remove(name);
                }
                outbox.reply(request, new GSChannelCreateResponse(outbox.nextTag(), request.tag(), response.err(),
                    response.errInfo(), info));
            });
    }

    /** Each node's infrastructure pool: m_uid 1 + 2 * node. */
    private static boolean isInfrastructure(long muid) {
        return Ids.isInfraPool(muid);
    }

    void query(GSChannelQuery request) throws InterruptedException {
        String name = PoolTable.emptyToNull(request.name());
        ChannelInfo info = name != null ? channels.get(byName.getOrDefault(name, -1L)) : channels.get(request.cuid());
        outbox.reply(request, info == null
            ? new GSChannelQueryResponse(outbox.nextTag(), request.tag(), Response.NOT_FOUND,
                name != null ? "no channel named '" + name + "'" : "no channel with c_uid " + request.cuid(), null)
            : new GSChannelQueryResponse(outbox.nextTag(), request.tag(), Response.SUCCESS, "", info));
    }

    void list(GSChannelList request) throws InterruptedException {
        outbox.reply(request, new GSChannelListResponse(outbox.nextTag(), request.tag(), Response.SUCCESS, "",
            channels.values().stream().toList()));
    }

    void destroy(GSChannelDestroy request) throws InterruptedException {
        ChannelInfo info = channels.get(request.cuid());
        if (info == null || info.state() == ObjectState.DESTROYED) {
            outbox.reply(request, new GSChannelDestroyResponse(outbox.nextTag(), request.tag(), Response.NOT_FOUND,
                info == null ? "no channel with c_uid " + request.cuid()
                    : "channel " + request.cuid() + " was destroyed already"));
            return;
        }
        outbox.ask(info.node(), tag -> new SHChannelDestroy(tag, outbox.puid(), outbox.cuid(), request.cuid()),
            response -> {
            if (response.ok()) {
                markDestroyed(info);
            }
            outbox.reply(request, new GSChannelDestroyResponse(outbox.nextTag(), request.tag(), response.err(),
                response.errInfo()));
        });
    }

    /** The pool {@code muid} was destroyed, and with it every channel in it. */
    void poolDestroyed(long muid) {
        channels.values().stream().filter(c -> c.muid() == muid && c.state() == ObjectState.ACTIVE).toList()
            .forEach(this::markDestroyed);
    }

    private void markDestroyed(ChannelInfo info) {
        channels.put(info.cuid(), new ChannelInfo(info.cuid(), info.name(), info.muid(), info.node(),
            info.capacity(), info.blockSize(), ObjectState.DESTROYED, null));
        if (info.name() != null) {
            byName.remove(info.name());
        }
    }
}
