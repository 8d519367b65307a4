package io.dragon.backend.trace;

import static org.assertj.core.api.Assertions.assertThat;

import io.dragon.core.messages.Messages.TraceEvent;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TraceRecorderTest {
    @AfterEach
    void off() {
        TraceRecorder.finish();
    }

    @Test
    void shouldRecordNothingAndAllocateNothingWhileOff() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)
            ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().getId();
        record(1_000); // warm-up: classes loaded, code compiled
        long before = threads.getThreadAllocatedBytes(thread);
        record(100_000);
        long allocated = threads.getThreadAllocatedBytes(thread) - before;

        assertThat(TraceRecorder.enabled()).isFalse();
        assertThat(TraceRecorder.drain()).isEmpty();
        assertThat(TraceRecorder.environment()).isEmpty();
        assertThat(allocated).as("bytes allocated by 300,000 calls while off (the measurement's own are a few"
            + " hundred)").isLessThan(4_096);
    }

    @Test
    void shouldRecordSlicesAndInstantsWithWallClockMicrosecondsAndTheirArguments() {
        TraceRecorder.enable();
        long start = TraceRecorder.now();
        TraceRecorder.instant(2, TraceRecorder.GLOBAL_SERVICES, "create-channel", "c_uid", 7, null, 0, "node", 1);
        TraceRecorder.slice(0, TraceRecorder.LOCAL_SERVICES, "teardown", start);
        TraceRecorder.slice(1, TraceRecorder.processTrack(42), "worker", start, start + 5, "p_uid", 42, "exit_code", 3,
            null, 0);
        long end = TraceRecorder.now();

        List<TraceEvent> events = TraceRecorder.drain();

        assertThat(Math.abs(start / 1_000 - System.currentTimeMillis())).as("wall clock, in µs").isLessThan(60_000);
        assertThat(events).hasSize(3);
        TraceEvent instant = events.get(0);
        assertThat(instant).extracting(TraceEvent::phase, TraceEvent::node, TraceEvent::track, TraceEvent::name,
            TraceEvent::dur).containsExactly("i", 2, "global-services", "create-channel", 0L);
        assertThat(instant.args()).containsExactly(Map.entry("c_uid", 7L), Map.entry("node", 1L));
        assertThat(instant.ts()).isBetween(start, end);
        TraceEvent teardown = events.get(1);
        assertThat(teardown.phase()).isEqualTo("X");
        assertThat(teardown.ts()).isEqualTo(start);
        assertThat(teardown.ts() + teardown.dur()).isBetween(start, end);
        assertThat(teardown.args()).isEmpty();
        assertThat(events.get(2)).extracting(TraceEvent::track, TraceEvent::ts, TraceEvent::dur)
            .containsExactly("p_uid 42", start, 5L);
        assertThat(events.get(2).args()).containsExactly(Map.entry("p_uid", 42L), Map.entry("exit_code", 3L));
        assertThat(TraceRecorder.drain()).as("drained").isEmpty();
    }

    @Test
    void shouldLetThreadsRecordWhileTheRecordingIsFinished() throws InterruptedException {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> recorders = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Thread recorder = new Thread(() -> {
                try {
                    while (!stop.get()) {
                        TraceRecorder.instant(0, TraceRecorder.LOCAL_SERVICES, "exit");
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            recorder.start();
            recorders.add(recorder);
        }
        for (int round = 0; round < 20_000 && failure.get() == null; round++) {
            TraceRecorder.enable();
            TraceRecorder.finish();
        }
        stop.set(true);
        for (Thread recorder : recorders) {
            recorder.join();
        }

        assertThat(failure.get()).as("a recorder's exception").isNull();
    }

    @Test
    void shouldBeTurnedOnByTheVariableItGivesTheNodes() {
        TraceRecorder.enableFrom(Map.of());
        assertThat(TraceRecorder.enabled()).isFalse();
        TraceRecorder.enable();
        Map<String, String> environment = TraceRecorder.environment();
        TraceRecorder.finish();

        TraceRecorder.enableFrom(environment);

        assertThat(environment).containsOnlyKeys("DRAGON_TRACE");
        assertThat(TraceRecorder.enabled()).isTrue();
    }

    private static void record(int times) {
        for (int i = 0; i < times; i++) {
            long start = TraceRecorder.now();
            TraceRecorder.instant(0, TraceRecorder.LOCAL_SERVICES, "create-pool", "m_uid", i, "node", 0, "size", i);
            TraceRecorder.slice(0, TraceRecorder.BACKEND, "join-tree", start);
            TraceRecorder.instant(TraceRecorder.LAUNCHER_NODE, TraceRecorder.LAUNCHER, "halted");
        }
    }
}
