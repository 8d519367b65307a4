package io.dragon.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ServiceThreadTest {
    @Test
    void shouldCarryBytesBothWaysAndEndWithTheBodysExitValue() throws Exception {
        Process service = ServiceThread.start("echo", (in, out) -> {
            DataInputStream input = new DataInputStream(in);
            new DataOutputStream(out).writeInt(input.readInt() + 1);
            return 7;
        });
        new DataOutputStream(service.getOutputStream()).writeInt(41);
        DataInputStream fromService = new DataInputStream(service.getInputStream());

        assertThat(fromService.readInt()).isEqualTo(42);
        assertThat(fromService.read()).as("end of file once the service ended").isEqualTo(-1);
        assertThat(service.waitFor()).isEqualTo(7);
        assertThat(service.isAlive()).isFalse();
        assertThat(service.onExit().get(1, TimeUnit.SECONDS).exitValue()).isEqualTo(7);
        assertThat(service.pid()).isEqualTo(ProcessHandle.current().pid());
    }

    @Test
    void shouldSeeItsStdinCloseWhenTheParentLetsGo() throws Exception {
        Process service = ServiceThread.start("reader", (in, out) -> in.read() == -1 ? 0 : 3);
        assertThat(service.waitFor(50, TimeUnit.MILLISECONDS)).isFalse();
        assertThatThrownBy(service::exitValue).isInstanceOf(IllegalThreadStateException.class);

        service.getOutputStream().close();

        assertThat(service.waitFor(5, TimeUnit.SECONDS)).isTrue();
        assertThat(service.exitValue()).isZero();
    }

    @Test
    void shouldInterruptTheServiceWhenDestroyed() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        Process service = ServiceThread.start("sleeper", (in, out) -> {
            started.countDown();
            Thread.sleep(60_000);
            return 0;
        });
        started.await();

        service.destroy();

        assertThat(service.waitFor(5, TimeUnit.SECONDS)).isTrue();
        assertThat(service.exitValue()).as("a service that failed ends with 1").isEqualTo(1);
        assertThat(((ServiceThread) service).failure()).contains("sleep interrupted");
    }

    @Test
    void shouldSayWhyItFailedOnceItEnded() throws Exception {
        ServiceThread failing = ServiceThread.start("failing", (in, out) -> {
            in.read();
            throw new IllegalArgumentException("pool of 1024 bytes is too small");
        });
        ServiceThread returning = ServiceThread.start("returning", (in, out) -> 3);
        assertThat(failing.failure()).as("while it runs").isEmpty();
        assertThat(failing.why()).isEqualTo("still running");

        failing.getOutputStream().close();

        assertThat(failing.waitFor()).isEqualTo(1);
        assertThat(failing.failure()).contains("pool of 1024 bytes is too small");
        assertThat(failing.why()).isEqualTo("pool of 1024 bytes is too small");
        assertThat(returning.waitFor()).isEqualTo(3);
        assertThat(returning.failure()).isEmpty();
        assertThat(returning.why()).isEqualTo("exit value 3");
    }
}
