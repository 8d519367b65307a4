package io.dragon.backend.globalservices;

import static io.dragon.backend.globalservices.TableHarness.CLIENT_CUID;
import static io.dragon.backend.globalservices.TableHarness.CLIENT_PUID;
import static org.assertj.core.api.Assertions.assertThat;

import io.dragon.core.infrastructure.Ids;
import io.dragon.core.messages.MessageChannel;
import io.dragon.core.messages.Messages.GSHalted;
import io.dragon.core.messages.Messages.GSHeadExit;
import io.dragon.core.messages.Messages.GSProcessCreate;
import io.dragon.core.messages.Messages.GSProcessCreateResponse;
import io.dragon.core.messages.Messages.GSProcessJoin;
import io.dragon.core.messages.Messages.GSProcessJoinResponse;
import io.dragon.core.messages.Messages.GSProcessKill;
import io.dragon.core.messages.Messages.GSProcessKillResponse;
import io.dragon.core.messages.Messages.GSProcessList;
import io.dragon.core.messages.Messages.GSProcessListResponse;
import io.dragon.core.messages.Messages.GSProcessQuery;
import io.dragon.core.messages.Messages.GSProcessQueryResponse;
import io.dragon.core.messages.Messages.ProcessInfo;
import io.dragon.core.messages.Messages.ProcessSpec;
import io.dragon.core.messages.Messages.ProcessState;
import io.dragon.core.messages.Messages.SHProcessCreate;
import io.dragon.core.messages.Messages.SHProcessCreateResponse;
import io.dragon.core.messages.Messages.SHProcessExit;
import io.dragon.core.messages.Messages.SHProcessKill;
import io.dragon.core.messages.Messages.SHProcessKillResponse;
import io.dragon.core.messages.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Global Services' process table, with the test as Local Services of three nodes and as the client. */
class ProcessTableTest {
    private static final int NODES = 3;

    private final TableHarness harness = new TableHarness(NODES);
    private final ProcessTable table = new ProcessTable(harness.outbox, List.of("node1", "node2", "node3"));
    private long tags;
    private long returnCuids = Ids.FIRST_USER_ID;

    @AfterEach
    void tearDown() throws InterruptedException {
        harness.finish();
    }

    @Test
    void shouldCreateAProcessOnTheNodeItNamesAndAnswerWithItsPid() throws Exception {
        ProcessInfo info = start(spec("worker", false, 2), 4242);

        assertThat(info.puid()).isEqualTo(Ids.FIRST_USER_ID);
        assertThat(info).extracting(ProcessInfo::name, ProcessInfo::node, ProcessInfo::pid, ProcessInfo::state)
            .containsExactly("worker", 2, 4242L, ProcessState.ACTIVE);
        assertThat(table.nodeOf(info.puid())).isEqualTo(2);
    }

    @Test
    void shouldPlaceProcessesThatMayGoAnywhereRoundRobinAndTheHeadOnNodeZero() throws Exception {
        List<Integer> placed = List.of(start(spec(null, false, -1), 1).node(), start(spec(null, false, -1), 2).node(),
            start(spec(null, true, -1), 3).node(), start(spec(null, false, -1), 4).node(),
            start(spec(null, false, -1), 5).node());

        assertThat(placed).containsExactly(0, 1, 0, 1, 2);
    }

    @Test
    void shouldRefuseANodeTheRuntimeDoesNotHave() throws Exception {
        table.create(create(spec("far", false, NODES)), nextReturnCuid());

        GSProcessCreateResponse response = harness.reply(GSProcessCreateResponse.class);
        assertThat(response.err()).isEqualTo(Response.NOT_FOUND);
        assertThat(response.errInfo()).isEqualTo("no node 3: the runtime has 3 nodes (0..2)");
        assertThat(response.info()).isNull();
    }

    @Test
    void shouldRefuseANameInUseEvenBeforeLocalServicesAnswered() throws Exception {
        table.create(create(spec("twin", false, 0)), nextReturnCuid());
        SHProcessCreate first = harness.toNode(0, SHProcessCreate.class);

        table.create(create(spec("twin", false, 1)), nextReturnCuid());

        GSProcessCreateResponse refused = harness.reply(GSProcessCreateResponse.class);
        assertThat(refused.err()).isEqualTo(Response.ALREADY);
        assertThat(refused.errInfo()).contains("a process named 'twin' exists already");
        assertThat(refused.info().puid()).isEqualTo(first.tPuid());
        answerCreate(first, 7);
        assertThat(harness.reply(GSProcessCreateResponse.class).ok()).isTrue();
    }

    @Test
    void shouldLetANewProcessTakeTheNameOfOneThatExited() throws Exception {
        ProcessInfo first = start(spec("worker", false, 0), 7);
        table.exited(new SHProcessExit(++tags, first.puid(), 0));

        ProcessInfo second = start(spec("worker", false, 1), 8);

        assertThat(second.puid()).isNotEqualTo(first.puid());
        table.query(new GSProcessQuery(++tags, CLIENT_PUID, CLIENT_CUID, 0, "worker"));
        assertThat(harness.reply(GSProcessQueryResponse.class).info().puid()).as("the name finds the new one")
            .isEqualTo(second.puid());
        table.query(new GSProcessQuery(++tags, CLIENT_PUID, CLIENT_CUID, first.puid(), ""));
        assertThat(harness.reply(GSProcessQueryResponse.class).info().state()).as("the old one stays known")
            .isEqualTo(ProcessState.EXITED);
    }

    @Test
    void shouldMarkAProcessLocalServicesCouldNotStartFailedAndFreeItsName() throws Exception {
        table.create(create(spec("broken", false, 1)), nextReturnCuid());
        SHProcessCreate request = harness.toNode(1, SHProcessCreate.class);
        harness.answer(new SHProcessCreateResponse(++tags, request.tag(), Response.FAIL, "no such file", -1, null));

        GSProcessCreateResponse response = harness.reply(GSProcessCreateResponse.class);
        assertThat(response.err()).isEqualTo(Response.FAIL);
        assertThat(response.errInfo()).isEqualTo("no such file");
        assertThat(response.info().state()).isEqualTo(ProcessState.FAILED);
        assertThat(response.info().exitCode()).isEqualTo(-1);
        assertThat(start(spec("broken", false, 1), 9).state()).as("the name is free again")
            .isEqualTo(ProcessState.ACTIVE);
    }

    @Test
    void shouldTreatAnEmptyNameAsNoName() throws Exception {
        start(spec("", false, 0), 1);

        assertThat(start(spec("", false, 0), 2).state()).as("as the other tables do").isEqualTo(ProcessState.ACTIVE);
    }

    @Test
    void shouldFindProcessesByPuidAndByNameAndListThemInCreationOrder() throws Exception {
        ProcessInfo a = start(spec("a", false, 0), 1);
        ProcessInfo b = start(spec(null, false, 1), 2);

        table.query(new GSProcessQuery(++tags, CLIENT_PUID, CLIENT_CUID, 0, "a"));
        assertThat(harness.reply(GSProcessQueryResponse.class).info()).isEqualTo(a);
        table.query(new GSProcessQuery(++tags, CLIENT_PUID, CLIENT_CUID, b.puid(), ""));
        assertThat(harness.reply(GSProcessQueryResponse.class).info()).isEqualTo(b);
        table.list(new GSProcessList(++tags, CLIENT_PUID, CLIENT_CUID));
        assertThat(harness.reply(GSProcessListResponse.class).processes()).containsExactly(a, b);
    }

    @Test
    void shouldSayWhichProcessItDoesNotKnow() throws Exception {
        table.query(new GSProcessQuery(++tags, CLIENT_PUID, CLIENT_CUID, 0, "nobody"));
        GSProcessQueryResponse byName = harness.reply(GSProcessQueryResponse.class);
        table.query(new GSProcessQuery(++tags, CLIENT_PUID, CLIENT_CUID, 77, null));
        GSProcessQueryResponse byPuid = harness.reply(GSProcessQueryResponse.class);
        table.join(new GSProcessJoin(++tags, CLIENT_PUID, CLIENT_CUID, 77, -1));
        GSProcessJoinResponse join = harness.reply(GSProcessJoinResponse.class);
        table.kill(new GSProcessKill(++tags, CLIENT_PUID, CLIENT_CUID, 77, 15));
        GSProcessKillResponse kill = harness.reply(GSProcessKillResponse.class);

        assertThat(List.of(byName.err(), byPuid.err(), join.err(), kill.err())).containsOnly(Response.NOT_FOUND);
        assertThat(byName.errInfo()).isEqualTo("no process named 'nobody'");
        assertThat(List.of(byPuid.errInfo(), join.errInfo(), kill.errInfo())).containsOnly("no process with p_uid 77");
    }

    @Test
    void shouldAnswerJoinsWhenTheProcessExitsAndTellTheLauncherWhenTheHeadDoes() throws Exception {
        ProcessInfo head = start(spec("head", true, -1), 10);
        table.join(new GSProcessJoin(++tags, CLIENT_PUID, CLIENT_CUID, head.puid(), -1));
        table.join(new GSProcessJoin(++tags, CLIENT_PUID, CLIENT_CUID, head.puid(), 3_600_000));
        harness.assertQuiet();

        table.exited(new SHProcessExit(++tags, head.puid(), 3));

        for (int join = 0; join < 2; join++) {
            GSProcessJoinResponse response = harness.reply(GSProcessJoinResponse.class);
            assertThat(response.ok()).isTrue();
            assertThat(response.info().state()).isEqualTo(ProcessState.EXITED);
            assertThat(response.info().exitCode()).isEqualTo(3);
        }
        GSHeadExit headExit = harness.toLauncher(GSHeadExit.class);
        assertThat(headExit.puid()).isEqualTo(head.puid());
        assertThat(headExit.exitCode()).isEqualTo(3);
        table.join(new GSProcessJoin(++tags, CLIENT_PUID, CLIENT_CUID, head.puid(), -1));
        assertThat(harness.reply(GSProcessJoinResponse.class).info().exitCode()).as("join after the exit").isEqualTo(3);
    }

    @Test
    void shouldAnswerAProcessOnItsReturnChannelUntilItExitsThenDestroyIt() throws Exception {
        table.create(create(spec(null, false, 1)), nextReturnCuid());
        SHProcessCreate request = harness.toNode(1, SHProcessCreate.class);
        MessageChannel returnChannel = answerCreate(request, 5);
        harness.reply(GSProcessCreateResponse.class);
        GSProcessQuery fromTheProcess = new GSProcessQuery(++tags, request.tPuid(), returnChannel.cuid(),
            request.tPuid(), null);

        table.query(fromTheProcess);
        assertThat(returnChannel.recv(10, TimeUnit.SECONDS)).isInstanceOf(GSProcessQueryResponse.class);
        table.exited(new SHProcessExit(++tags, request.tPuid(), 0));

        assertThat(returnChannel.channel().isDestroyed()).isTrue();
        table.query(fromTheProcess); // no channel to answer on any more: a warning, nothing else
    }

    @Test
    void shouldCountTheProcessesStartedAndListTheFirstFailedOnesWithTheirHostsWhenHalting() throws Exception {
        table.create(create(spec("broken", false, 1)), nextReturnCuid());
        SHProcessCreate broken = harness.toNode(1, SHProcessCreate.class);
        harness.answer(new SHProcessCreateResponse(++tags, broken.tag(), Response.FAIL, "no such file", -1, null));
        harness.reply(GSProcessCreateResponse.class);
        List<ProcessInfo> started = new ArrayList<>();
        for (int i = 0; i < GSHalted.FAILED_LISTED + 2; i++) {
            started.add(start(spec("w" + i, false, 2), 100 + i));
        }
        ProcessInfo stillRunning = start(spec("running", false, 0), 99);
        table.exited(new SHProcessExit(++tags, started.get(0).puid(), 0));
        for (ProcessInfo info : started.subList(1, started.size())) {
            table.exited(new SHProcessExit(++tags, info.puid(), 137));
        }

        GSHalted halted = table.halted();

        assertThat(halted.started()).isEqualTo(started.size() + 2);
        assertThat(halted.failed()).as("the one that could not start and those that exited with 137")
            .isEqualTo(started.size());
        assertThat(halted.firstFailed()).hasSize(GSHalted.FAILED_LISTED);
        assertThat(halted.firstFailed().get(0)).extracting(ProcessInfo::puid, ProcessInfo::hostname,
            ProcessInfo::state).containsExactly(broken.tPuid(), "node2", ProcessState.FAILED);
        assertThat(halted.firstFailed().get(1)).extracting(ProcessInfo::puid, ProcessInfo::hostname,
            ProcessInfo::exitCode).containsExactly(started.get(1).puid(), "node3", 137);
        assertThat(halted.firstFailed()).extracting(ProcessInfo::puid).doesNotContain(stillRunning.puid());
    }

    @Test
    void shouldTimeOutAJoinWhoseTimeoutPassed() throws Exception {
        ProcessInfo info = start(spec(null, false, 0), 1);
        table.join(new GSProcessJoin(++tags, CLIENT_PUID, CLIENT_CUID, info.puid(), 0));

        table.expireJoins();

        GSProcessJoinResponse response = harness.reply(GSProcessJoinResponse.class);
        assertThat(response.err()).isEqualTo(Response.TIMEOUT);
        assertThat(response.errInfo()).isEqualTo("p_uid " + info.puid() + " still running after 0 ms");
        assertThat(response.info().state()).isEqualTo(ProcessState.ACTIVE);
    }

    @Test
    void shouldWaitForNoJoinWithoutATimeout() throws Exception {
        ProcessInfo info = start(spec(null, false, 0), 1);
        table.join(new GSProcessJoin(++tags, CLIENT_PUID, CLIENT_CUID, info.puid(), -1));

        assertThat(table.expireJoins()).isBetween(1L, 101L);
        harness.assertQuiet();
    }

    @Test
    void shouldForwardAKillToTheProcessNodeAndItsAnswerToTheClient() throws Exception {
        ProcessInfo info = start(spec(null, false, 2), 1);

        table.kill(new GSProcessKill(++tags, CLIENT_PUID, CLIENT_CUID, info.puid(), 9));
        SHProcessKill kill = harness.toNode(2, SHProcessKill.class);
        assertThat(kill.tPuid()).isEqualTo(info.puid());
        assertThat(kill.signal()).isEqualTo(9);
        harness.answer(new SHProcessKillResponse(++tags, kill.tag(), Response.SUCCESS, ""));

        assertThat(harness.reply(GSProcessKillResponse.class).ok()).isTrue();
    }

    @Test
    void shouldRefuseToKillAProcessThatExited() throws Exception {
        ProcessInfo info = start(spec(null, false, 0), 1);
        table.exited(new SHProcessExit(++tags, info.puid(), 0));

        table.kill(new GSProcessKill(++tags, CLIENT_PUID, CLIENT_CUID, info.puid(), 9));

        GSProcessKillResponse response = harness.reply(GSProcessKillResponse.class);
        assertThat(response.err()).isEqualTo(Response.NOT_FOUND);
        assertThat(response.errInfo()).isEqualTo("p_uid " + info.puid() + " has exited");
    }

    @Test
    void shouldIgnoreTheExitOfAnUnknownProcess() throws Exception {
        table.exited(new SHProcessExit(++tags, 12345, 1));
    }

    @Test
    void shouldPlaceServicesOnTheirOwnNode() {
        assertThat(table.nodeOf(Ids.localServicesPuid(2))).isEqualTo(2);
        assertThat(table.nodeOf(Ids.localServicesPuid(NODES))).as("no such node").isZero();
        assertThat(table.nodeOf(Ids.LAUNCHER_PUID)).isZero();
    }

    /** Creates a process and plays Local Services starting it with {@code pid}; returns what the client heard. */
    private ProcessInfo start(ProcessSpec spec, long pid) throws InterruptedException {
        table.create(create(spec), nextReturnCuid());
        answerCreate(nextCreate(), pid);
        GSProcessCreateResponse response = harness.reply(GSProcessCreateResponse.class);
        assertThat(response.ok()).isTrue();
        return response.info();
    }

    /** The process creation sent to some node (sending is done when the table returns). */
    private SHProcessCreate nextCreate() throws InterruptedException {
        for (MessageChannel node : harness.nodes) {
            if (node.recv(0, TimeUnit.MILLISECONDS) instanceof SHProcessCreate request) {
                return request;
            }
        }
        throw new AssertionError("no node was asked to create the process");
    }

    /** Plays Local Services starting the process: it made the process's return channel. */
    private MessageChannel answerCreate(SHProcessCreate request, long pid) throws InterruptedException {
        MessageChannel returnChannel = harness.channel(request.returnCuid());
        harness.answer(new SHProcessCreateResponse(++tags, request.tag(), Response.SUCCESS, "", pid,
            returnChannel.channel().serialize()));
        return returnChannel;
    }

    private GSProcessCreate create(ProcessSpec spec) {
        return new GSProcessCreate(++tags, CLIENT_PUID, CLIENT_CUID, spec);
    }

    private long nextReturnCuid() {
        return returnCuids++;
    }

    private static ProcessSpec spec(String name, boolean head, int node) {
        return new ProcessSpec("/bin/true", List.of(), Map.of(), null, name, head, node);
    }
}
