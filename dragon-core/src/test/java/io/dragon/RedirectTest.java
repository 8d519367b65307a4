package io.dragon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dragon.core.messages.Messages.StdStream;
import io.dragon.core.messages.Messages.StreamKind;
import org.junit.jupiter.api.Test;

class RedirectTest {
    @Test
    void shouldNameAFilePerProcessAndNode() {
        StdStream stream = Redirect.file("logs/out-{puid}-{host}.{puid}.txt").stream();
        assertThat(stream.kind()).isEqualTo(StreamKind.FILE);
        assertThat(stream.fileName(4294967297L, "node2")).isEqualTo("logs/out-4294967297-node2.4294967297.txt");
        assertThat(Redirect.file("/tmp/plain.txt").stream().fileName(5, "n")).isEqualTo("/tmp/plain.txt");
    }

    @Test
    void shouldLeaveTheDefaultOffTheWire() {
        assertThat(Redirect.INHERIT.stream()).isNull();
        assertThat(Redirect.DISCARD.stream().kind()).isEqualTo(StreamKind.DISCARD);
    }

    @Test
    void shouldRefuseAnEmptyName() {
        assertThatThrownBy(() -> Redirect.file("")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldPutTheRedirectsInTheSpec() {
        var spec = ProcessTemplate.exec("/bin/cat").withStdin(Redirect.file("in.txt"))
            .withStderr(Redirect.DISCARD).spec();
        assertThat(spec.stdin().path()).isEqualTo("in.txt");
        assertThat(spec.stdout()).isNull();
        assertThat(spec.stderr().kind()).isEqualTo(StreamKind.DISCARD);
    }
}
