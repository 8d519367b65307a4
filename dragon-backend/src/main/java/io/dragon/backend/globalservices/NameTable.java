package io.dragon.backend.globalservices;

import io.dragon.core.messages.Messages.GSNameBind;
import io.dragon.core.messages.Messages.GSNameBindResponse;
import io.dragon.core.messages.Messages.GSNameLookup;
import io.dragon.core.messages.Messages.GSNameLookupResponse;
import io.dragon.core.messages.Messages.GSNameUnbind;
import io.dragon.core.messages.Messages.GSNameUnbindResponse;
import io.dragon.core.messages.Response;
import java.util.HashMap;
import java.util.Map;

/**
 * Names of the user API's objects (queues, locks, shared arrays...): a name maps to the object's kind and the
 * descriptor that attaches to it. Global Services keeps them so that any process on any node can look an object up;
 * what the descriptor means is the user API's business.
 */
final class NameTable {
    /** A bound name: what kind of object, and how to attach to it. */
    private record Entry(String kind, byte[] descriptor) {
    }

    private final Outbox outbox;
    private final Map<String, Entry> names = new HashMap<>();

    NameTable(Outbox outbox) {
        this.outbox = outbox;
    }

    void bind(GSNameBind request) throws InterruptedException {
        String name = request.name();
        int status;
        String refusal;
        if (name == null || name.isEmpty()) {
            status = Response.FAIL;
            refusal = "an object name must not be empty";
        } else if (names.containsKey(name)) {
            status = Response.ALREADY;
            refusal = "the name '" + name + "' is taken already (by a " + names.get(name).kind() + ")";
        } else {
            names.put(name, new Entry(request.kind(), request.descriptor()));
            status = Response.SUCCESS;
            refusal = "";
        }
        outbox.reply(request, new GSNameBindResponse(outbox.nextTag(), request.tag(), status, refusal));
    }

    void lookup(GSNameLookup request) throws InterruptedException {
        Entry entry = names.get(request.name());
        outbox.reply(request, entry == null
            ? new GSNameLookupResponse(outbox.nextTag(), request.tag(), Response.NOT_FOUND,
                "no object named '" + request.name() + "'", null, null)
            : new GSNameLookupResponse(outbox.nextTag(), request.tag(), Response.SUCCESS, "", entry.kind(),
                entry.descriptor()));
    }

    void unbind(GSNameUnbind request) throws InterruptedException {
        boolean removed = names.remove(request.name()) != null;
        outbox.reply(request, new GSNameUnbindResponse(outbox.nextTag(), request.tag(),
            removed ? Response.SUCCESS : Response.NOT_FOUND, removed ? "" : "no object named '" + request.name()
                + "'"));
    }
}
