package io.dragon.backend.globalservices;

import static io.dragon.backend.globalservices.TableHarness.CLIENT_CUID;
import static io.dragon.backend.globalservices.TableHarness.CLIENT_PUID;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

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
import io.dragon.core.messages.Messages.SHChannelCreate;
import io.dragon.core.messages.Messages.SHChannelCreateResponse;
import io.dragon.core.messages.Messages.SHChannelDestroy;
import io.dragon.core.messages.Messages.SHChannelDestroyResponse;
import io.dragon.core.messages.Messages.SHPoolCreate;
import io.dragon.core.messages.Messages.SHPoolCreateResponse;
import io.dragon.core.messages.Messages.SHPoolDestroy;
import io.dragon.core.messages.Messages.SHPoolDestroyResponse;
import io.dragon.core.messages.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Global Services' pool and channel tables (channels live in pools, so they are tested together), with the test as
 * Local Services of two nodes and as the client.
 */
class PoolAndChannelTableTest {
    private static final int NODES = 2;
    private static final byte[] CHANNEL_DESCRIPTOR = {1, 2, 3};

    private final TableHarness harness = new TableHarness(NODES);
    private final PoolTable pools = new PoolTable(harness.outbox);
    private final ChannelTable channels = new ChannelTable(harness.outbox, pools);
    private long tags;
    private long cuids = Ids.FIRST_USER_ID;

    @BeforeEach
    void setUp() {
        for (int node = 0; node < NODES; node++) {
            pools.addNodePool(TableHarness.poolDescriptor(Ids.infraPoolMuid(node)), "infrastructure-" + node, node);
            pools.addNodePool(TableHarness.poolDescriptor(Ids.defaultPoolMuid(node)), "default-" + node, node);
        }
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        harness.finish();
    }

    @Test
    void shouldListEveryNodesPoolsFromTheStart() throws Exception {
        pools.list(new GSPoolList(++tags, CLIENT_PUID, CLIENT_CUID));

        assertThat(harness.reply(GSPoolListResponse.class).pools()).extracting(PoolInfo::muid, PoolInfo::name,
            PoolInfo::node).containsExactly(tuple(1L, "infrastructure-0", 0),
            tuple(2L, "default-0", 0),
            tuple(3L, "infrastructure-1", 1),
            tuple(4L, "default-1", 1));
    }

    @Test
    void shouldCreateAPoolOnTheRequestersNodeAndFindItByMuidAndName() throws Exception {
        PoolInfo created = createPool("scratch", 1);

        assertThat(created).extracting(PoolInfo::muid, PoolInfo::name, PoolInfo::node, PoolInfo::size,
            PoolInfo::state).containsExactly(Ids.FIRST_USER_ID, "scratch", 1, 1L << 20, ObjectState.ACTIVE);
        pools.query(new GSPoolQuery(++tags, CLIENT_PUID, CLIENT_CUID, 0, "scratch"));
        assertThat(harness.reply(GSPoolQueryResponse.class).info()).usingRecursiveComparison().isEqualTo(created);
        pools.query(new GSPoolQuery(++tags, CLIENT_PUID, CLIENT_CUID, created.muid(), ""));
        assertThat(harness.reply(GSPoolQueryResponse.class).info()).usingRecursiveComparison().isEqualTo(created);
    }

    @Test
    void shouldRefuseADuplicatePoolNameAndAnswerWithThePoolThatHasIt() throws Exception {
        PoolInfo first = createPool("shared", 0);

        pools.create(new GSPoolCreate(++tags, CLIENT_PUID, CLIENT_CUID, 1 << 20, "shared"), 1);

        GSPoolCreateResponse response = harness.reply(GSPoolCreateResponse.class);
        assertThat(response.err()).isEqualTo(Response.ALREADY);
        assertThat(response.errInfo()).isEqualTo("a pool named 'shared' exists already");
        assertThat(response.info()).usingRecursiveComparison().isEqualTo(first);
    }

    @Test
    void shouldRefuseAPoolNameThatACreationStillUnderWayHolds() throws Exception {
        pools.create(new GSPoolCreate(++tags, CLIENT_PUID, CLIENT_CUID, 1 << 20, "racy"), 0);
        SHPoolCreate first = harness.toNode(0, SHPoolCreate.class);

        pools.create(new GSPoolCreate(++tags, CLIENT_PUID, CLIENT_CUID, 1 << 20, "racy"), 1);

        assertThat(harness.reply(GSPoolCreateResponse.class).err()).isEqualTo(Response.ALREADY);
        harness.answer(new SHPoolCreateResponse(++tags, first.tag(), Response.SUCCESS, "",
            TableHarness.poolDescriptor(first.muid())));
        assertThat(harness.reply(GSPoolCreateResponse.class).ok()).isTrue();
    }

    @Test
    void shouldPassOnWhyLocalServicesCouldNotMakeAPool() throws Exception {
        pools.create(new GSPoolCreate(++tags, CLIENT_PUID, CLIENT_CUID, 1L << 50, "huge"), 0);
        SHPoolCreate request = harness.toNode(0, SHPoolCreate.class);
        harness.answer(new SHPoolCreateResponse(++tags, request.tag(), Response.FAIL, "no memory", null));

        GSPoolCreateResponse response = harness.reply(GSPoolCreateResponse.class);
        assertThat(response.err()).isEqualTo(Response.FAIL);
        assertThat(response.errInfo()).isEqualTo("no memory");
        assertThat(response.info()).isNull();
        pools.query(new GSPoolQuery(++tags, CLIENT_PUID, CLIENT_CUID, 0, "huge"));
        assertThat(harness.reply(GSPoolQueryResponse.class).errInfo()).isEqualTo("no pool named 'huge'");
        assertThat(createPool("huge", 0).name()).as("the name is free").isEqualTo("huge");
    }

    @Test
    void shouldRefuseToDestroyTheRuntimesPoolsAndUnknownOnes() throws Exception {
        assertThat(destroyPoolRefusal(Ids.infraPoolMuid(1))).isEqualTo("pool 3 belongs to the runtime");
        assertThat(destroyPoolRefusal(Ids.defaultPoolMuid(0))).isEqualTo("pool 2 belongs to the runtime");
        assertThat(destroyPoolRefusal(Ids.FIRST_USER_ID + 5)).isEqualTo("no pool with m_uid " + (Ids.FIRST_USER_ID
            + 5));
    }

    @Test
    void shouldDestroyAPoolWithTheChannelsInItAndFreeItsName() throws Exception {
        PoolInfo pool = createPool("temp", 1);
        ChannelInfo inside = createChannel("in-temp", pool.muid(), 0);
        ChannelInfo outside = createChannel("in-default", 0, 1);

        pools.destroy(new GSPoolDestroy(++tags, CLIENT_PUID, CLIENT_CUID, pool.muid()), channels::poolDestroyed);
        SHPoolDestroy request = harness.toNode(1, SHPoolDestroy.class);
        assertThat(request.muid()).isEqualTo(pool.muid());
        harness.answer(new SHPoolDestroyResponse(++tags, request.tag(), Response.SUCCESS, ""));
        assertThat(harness.reply(GSPoolDestroyResponse.class).ok()).isTrue();

        pools.query(new GSPoolQuery(++tags, CLIENT_PUID, CLIENT_CUID, pool.muid(), null));
        GSPoolQueryResponse destroyed = harness.reply(GSPoolQueryResponse.class);
        assertThat(destroyed.info().state()).isEqualTo(ObjectState.DESTROYED);
        assertThat(destroyed.info().descriptor()).isNull();
        assertThat(queryChannel(inside.cuid()).info().state()).isEqualTo(ObjectState.DESTROYED);
        assertThat(queryChannel(outside.cuid()).info().state()).isEqualTo(ObjectState.ACTIVE);
        assertThat(destroyPoolRefusal(pool.muid())).isEqualTo("pool " + pool.muid() + " was destroyed already");
        assertThat(createPool("temp", 0).muid()).as("the name is free again").isEqualTo(pool.muid() + 1);
    }

    @Test
    void shouldCreateAChannelInTheRequestersDefaultPoolUnlessOneIsNamed() throws Exception {
        ChannelInfo byDefault = createChannel(null, 0, 1);
        PoolInfo pool = createPool(null, 0);
        ChannelInfo inPool = createChannel("mine", pool.muid(), 1);

        assertThat(byDefault).extracting(ChannelInfo::muid, ChannelInfo::node, ChannelInfo::state)
            .containsExactly(Ids.defaultPoolMuid(1), 1, ObjectState.ACTIVE);
        assertThat(byDefault.descriptor()).isEqualTo(CHANNEL_DESCRIPTOR);
        assertThat(inPool).extracting(ChannelInfo::muid, ChannelInfo::node, ChannelInfo::name)
            .containsExactly(pool.muid(), 0, "mine");
        channels.list(new GSChannelList(++tags, CLIENT_PUID, CLIENT_CUID));
        assertThat(harness.reply(GSChannelListResponse.class).channels()).usingRecursiveFieldByFieldElementComparator()
            .containsExactly(byDefault, inPool);
    }

    @Test
    void shouldRefuseChannelsInTheInfrastructurePoolOrAPoolThatIsNotThere() throws Exception {
        long infra = Ids.infraPoolMuid(1);
        long unknown = Ids.FIRST_USER_ID + 9;

        assertThat(createChannelRefusal(infra)).isEqualTo("no user pool with m_uid 3 to create the channel in");
        assertThat(createChannelRefusal(unknown)).isEqualTo("no user pool with m_uid " + unknown
            + " to create the channel in");
    }

    @Test
    void shouldRefuseADuplicateChannelName() throws Exception {
        ChannelInfo first = createChannel("queue", 0, 0);

        channels.create(new GSChannelCreate(++tags, CLIENT_PUID, CLIENT_CUID, 0, 8, 64, "queue"), cuids++, 1);

        GSChannelCreateResponse response = harness.reply(GSChannelCreateResponse.class);
        assertThat(response.err()).isEqualTo(Response.ALREADY);
        assertThat(response.errInfo()).isEqualTo("a channel named 'queue' exists already");
        assertThat(response.info()).usingRecursiveComparison().isEqualTo(first);
    }

    @Test
    void shouldRefuseAChannelNameThatACreationStillUnderWayHoldsAndFreeItIfThatFails() throws Exception {
        channels.create(new GSChannelCreate(++tags, CLIENT_PUID, CLIENT_CUID, 0, 8, 64, "racy"), cuids++, 0);
        SHChannelCreate first = harness.toNode(0, SHChannelCreate.class);

        channels.create(new GSChannelCreate(++tags, CLIENT_PUID, CLIENT_CUID, 0, 8, 64, "racy"), cuids++, 1);

        assertThat(harness.reply(GSChannelCreateResponse.class).err()).isEqualTo(Response.ALREADY);
        harness.answer(new SHChannelCreateResponse(++tags, first.tag(), Response.FAIL, "pool full", null));
        GSChannelCreateResponse failed = harness.reply(GSChannelCreateResponse.class);
        assertThat(failed.errInfo()).isEqualTo("pool full");
        assertThat(createChannel("racy", 0, 1).name()).as("the name is free").isEqualTo("racy");
    }

    @Test
    void shouldDestroyAChannelOnItsNodeOnceAndFreeItsName() throws Exception {
        ChannelInfo info = createChannel("once", 0, 1);

        channels.destroy(new GSChannelDestroy(++tags, CLIENT_PUID, CLIENT_CUID, info.cuid()));
        SHChannelDestroy request = harness.toNode(1, SHChannelDestroy.class);
        assertThat(request.cuid()).isEqualTo(info.cuid());
        harness.answer(new SHChannelDestroyResponse(++tags, request.tag(), Response.SUCCESS, ""));
        assertThat(harness.reply(GSChannelDestroyResponse.class).ok()).isTrue();

        channels.destroy(new GSChannelDestroy(++tags, CLIENT_PUID, CLIENT_CUID, info.cuid()));
        GSChannelDestroyResponse again = harness.reply(GSChannelDestroyResponse.class);
        assertThat(again.err()).isEqualTo(Response.NOT_FOUND);
        assertThat(again.errInfo()).isEqualTo("channel " + info.cuid() + " was destroyed already");
        channels.query(new GSChannelQuery(++tags, CLIENT_PUID, CLIENT_CUID, 0, "once"));
        assertThat(harness.reply(GSChannelQueryResponse.class).errInfo()).isEqualTo("no channel named 'once'");
        assertThat(createChannel("once", 0, 0).cuid()).as("the name is free again").isNotEqualTo(info.cuid());
    }

    @Test
    void shouldKeepAChannelLocalServicesCouldNotDestroy() throws Exception {
        ChannelInfo info = createChannel(null, 0, 0);

        channels.destroy(new GSChannelDestroy(++tags, CLIENT_PUID, CLIENT_CUID, info.cuid()));
        SHChannelDestroy request = harness.toNode(0, SHChannelDestroy.class);
        harness.answer(new SHChannelDestroyResponse(++tags, request.tag(), Response.FAIL, "busy"));

        GSChannelDestroyResponse response = harness.reply(GSChannelDestroyResponse.class);
        assertThat(response.err()).isEqualTo(Response.FAIL);
        assertThat(response.errInfo()).isEqualTo("busy");
        assertThat(queryChannel(info.cuid()).info().state()).isEqualTo(ObjectState.ACTIVE);
    }

    @Test
    void shouldSayWhichChannelItDoesNotKnow() throws Exception {
        channels.destroy(new GSChannelDestroy(++tags, CLIENT_PUID, CLIENT_CUID, 99));
        assertThat(harness.reply(GSChannelDestroyResponse.class).errInfo()).isEqualTo("no channel with c_uid 99");
        GSChannelQueryResponse query = queryChannel(Ids.GLOBAL_SERVICES_CUID);
        assertThat(query.err()).isEqualTo(Response.NOT_FOUND);
        assertThat(query.errInfo()).as("the runtime's channels are not users'").isEqualTo("no channel with c_uid 2");
    }

    private PoolInfo createPool(String name, int node) throws InterruptedException {
        pools.create(new GSPoolCreate(++tags, CLIENT_PUID, CLIENT_CUID, 1 << 20, name), node);
        SHPoolCreate request = harness.toNode(node, SHPoolCreate.class);
        harness.answer(new SHPoolCreateResponse(++tags, request.tag(), Response.SUCCESS, "",
            TableHarness.poolDescriptor(request.muid())));
        GSPoolCreateResponse response = harness.reply(GSPoolCreateResponse.class);
        assertThat(response.ok()).as(response.errInfo()).isTrue();
        return response.info();
    }

    private String destroyPoolRefusal(long muid) throws InterruptedException {
        pools.destroy(new GSPoolDestroy(++tags, CLIENT_PUID, CLIENT_CUID, muid), destroyed -> {
            throw new AssertionError("pool " + destroyed + " destroyed");
        });
        GSPoolDestroyResponse response = harness.reply(GSPoolDestroyResponse.class);
        assertThat(response.err()).isEqualTo(Response.NOT_FOUND);
        return response.errInfo();
    }

    /** Creates a channel for a requester on {@code requesterNode}; the pool's node makes it. */
    private ChannelInfo createChannel(String name, long muid, int requesterNode) throws InterruptedException {
        channels.create(new GSChannelCreate(++tags, CLIENT_PUID, CLIENT_CUID, muid, 8, 64, name), cuids++,
            requesterNode);
        int node = pools.get(muid == 0 ? pools.defaultPool(requesterNode) : muid).node();
        SHChannelCreate request = harness.toNode(node, SHChannelCreate.class);
        harness.answer(new SHChannelCreateResponse(++tags, request.tag(), Response.SUCCESS, "", CHANNEL_DESCRIPTOR));
        GSChannelCreateResponse response = harness.reply(GSChannelCreateResponse.class);
        assertThat(response.ok()).as(response.errInfo()).isTrue();
        assertThat(response.info().cuid()).isEqualTo(request.cuid());
        return response.info();
    }

    private String createChannelRefusal(long muid) throws InterruptedException {
        channels.create(new GSChannelCreate(++tags, CLIENT_PUID, CLIENT_CUID, muid, 8, 64, null), cuids++, 0);
        GSChannelCreateResponse response = harness.reply(GSChannelCreateResponse.class);
        assertThat(response.err()).isEqualTo(Response.NOT_FOUND);
        assertThat(response.info()).isNull();
        return response.errInfo();
    }

    private GSChannelQueryResponse queryChannel(long cuid) throws InterruptedException {
        channels.query(new GSChannelQuery(++tags, CLIENT_PUID, CLIENT_CUID, cuid, null));
        return harness.reply(GSChannelQueryResponse.class);
    }
}
