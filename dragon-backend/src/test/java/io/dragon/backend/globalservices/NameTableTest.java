package io.dragon.backend.globalservices;

import static io.dragon.backend.globalservices.TableHarness.CLIENT_CUID;
import static io.dragon.backend.globalservices.TableHarness.CLIENT_PUID;
import static org.assertj.core.api.Assertions.assertThat;

import io.dragon.core.messages.Messages.GSNameBind;
import io.dragon.core.messages.Messages.GSNameBindResponse;
import io.dragon.core.messages.Messages.GSNameLookup;
import io.dragon.core.messages.Messages.GSNameLookupResponse;
import io.dragon.core.messages.Messages.GSNameUnbind;
import io.dragon.core.messages.Messages.GSNameUnbindResponse;
import io.dragon.core.messages.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Global Services' names of user objects. */
class NameTableTest {
    private final TableHarness harness = new TableHarness(1);
    private final NameTable names = new NameTable(harness.outbox);
    private long tags;

    @AfterEach
    void tearDown() throws InterruptedException {
        harness.finish();
    }

    @Test
    void shouldLookUpTheKindAndDescriptorBoundToAName() throws Exception {
        assertThat(bind("jobs", "queue", new byte[] {7, 8}).ok()).isTrue();

        GSNameLookupResponse found = lookup("jobs");
        assertThat(found.ok()).isTrue();
        assertThat(found.kind()).isEqualTo("queue");
        assertThat(found.descriptor()).containsExactly(7, 8);
    }

    @Test
    void shouldRefuseANameThatIsTakenSayingByWhat() throws Exception {
        bind("lock", "lock", new byte[] {1});

        GSNameBindResponse again = bind("lock", "queue", new byte[] {2});

        assertThat(again.err()).isEqualTo(Response.ALREADY);
        assertThat(again.errInfo()).isEqualTo("the name 'lock' is taken already (by a lock)");
        assertThat(lookup("lock").descriptor()).as("the first binding stays").containsExactly(1);
    }

    @Test
    void shouldRefuseAnEmptyOrMissingName() throws Exception {
        for (String name : new String[] {"", null}) {
            GSNameBindResponse response = bind(name, "queue", new byte[] {1});
            assertThat(response.err()).as("a bad request, not a taken name").isEqualTo(Response.FAIL);
            assertThat(response.errInfo()).isEqualTo("an object name must not be empty");
        }
    }

    @Test
    void shouldUnbindANameSoThatItCanBeBoundAgain() throws Exception {
        bind("array", "array", new byte[] {1});

        names.unbind(new GSNameUnbind(++tags, CLIENT_PUID, CLIENT_CUID, "array"));
        assertThat(harness.reply(GSNameUnbindResponse.class).ok()).isTrue();

        GSNameLookupResponse gone = lookup("array");
        assertThat(gone.err()).isEqualTo(Response.NOT_FOUND);
        assertThat(gone.errInfo()).isEqualTo("no object named 'array'");
        assertThat(gone.kind()).isNull();
        assertThat(bind("array", "queue", new byte[] {2}).ok()).isTrue();
    }

    @Test
    void shouldSayThatANameToUnbindIsNotBound() throws Exception {
        names.unbind(new GSNameUnbind(++tags, CLIENT_PUID, CLIENT_CUID, "ghost"));

        GSNameUnbindResponse response = harness.reply(GSNameUnbindResponse.class);
        assertThat(response.err()).isEqualTo(Response.NOT_FOUND);
        assertThat(response.errInfo()).isEqualTo("no object named 'ghost'");
    }

    private GSNameBindResponse bind(String name, String kind, byte[] descriptor) throws InterruptedException {
        names.bind(new GSNameBind(++tags, CLIENT_PUID, CLIENT_CUID, name, kind, descriptor));
        return harness.reply(GSNameBindResponse.class);
    }

    private GSNameLookupResponse lookup(String name) throws InterruptedException {
        names.lookup(new GSNameLookup(++tags, CLIENT_PUID, CLIENT_CUID, name));
        return harness.reply(GSNameLookupResponse.class);
    }
}
