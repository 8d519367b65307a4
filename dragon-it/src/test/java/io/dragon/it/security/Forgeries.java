package io.dragon.it.security;

import io.dragon.core.channels.GatewayLayout;
import io.dragon.core.messages.Message;
import io.dragon.core.messages.MessageCodec;
import io.dragon.core.messages.MessageType;
import io.dragon.core.messages.Messages.BEForward;
import io.dragon.core.messages.Messages.GSProcessCreate;
import io.dragon.core.messages.Messages.ProcessSpec;
import io.dragon.core.messages.Messages.SHFwdOutput;
import io.dragon.core.messages.Messages.SHProcessCreate;
import io.dragon.core.messages.Messages.TreeDown;
import io.dragon.core.messages.Messages.TreeParent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * What the stranger sends: messages of the catalog made to do harm if a member acted on them (start a process that
 * leaves a marker file, print on the job's output), framed as on the tree or between transport agents, and the
 * opening of the link handshake. It knows the wire formats, as anyone who reads the source does; it has no secret.
 */
final class Forgeries {
    /** What a forged process prints, or a forged output line says: the job's output must never have it. */
    static final String STRANGER_TEXT = "STRANGER WAS HERE";
    /** The first field of the handshake's opening (ASCII "DRGN"). */
    static final int HANDSHAKE_MAGIC = 0x4452474E;
    static final int HANDSHAKE_VERSION = 1;
    static final int TREE = 1;
    static final int TRANSPORT = 2;
    static final int HANDSHAKE_OPENING_BYTES = 40;
    static final int HANDSHAKE_ANSWER_BYTES = 64;
    static final int HANDSHAKE_PROOF_BYTES = 32;

    private static final int HELLO = 1;
    private static final int REQUEST = 2;
    private static final int COMPLETION = 3;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String markers;

    /** Forgeries whose processes would leave their marker files in the directory {@code markers}. */
    Forgeries(String markers) {
        this.markers = markers;
    }

    /**
     * A process that would create the file {@code <markers>/<marker>-<host>} if any member started it: a marker
     * present afterwards names the forgery that got through and the node that ran it.
     */
    ProcessSpec markerProcess(String marker) {
        return new ProcessSpec("/bin/sh", List.of("-c", "touch " + markers + "/" + marker + "-$(hostname); echo "
            + STRANGER_TEXT), Map.of(), "/", "stranger-" + marker, false, -1);
    }

    /** A tree frame: 4-byte big-endian length, then the message in MessagePack. */
    static byte[] treeFrame(Message message) {
        byte[] bytes = MessageCodec.encode(message);
        return ByteBuffer.allocate(Integer.BYTES + bytes.length).putInt(bytes.length).put(bytes).array();
    }

    /**
     * The root's answer to a registration, as if the stranger's link were this member's link to its parent, then a
     * broadcast that tells every node's Local Services ({@code globalServices} false) or Global Services to start
     * a marker process.
     */
    byte[] hijack(String marker, boolean globalServices) {
        Message start = globalServices ? new GSProcessCreate(tag(), 0, 0, markerProcess(marker))
            : new SHProcessCreate(tag(), 0, 0, uid(), uid(), markerProcess(marker));
        BEForward forward = new BEForward(tag(), globalServices ? 0 : -1, globalServices, MessageCodec.encode(start));
        return concat(treeFrame(new TreeParent(tag(), "", 0)),
            treeFrame(new TreeDown(tag(), MessageCodec.encode(forward))));
    }

    /** A parent answer that points the member at the stranger's own listener. */
    static byte[] redirect(String host, int port) {
        return treeFrame(new TreeParent(tag(), host, port));
    }

    /**
     * A message of {@code type} whose every field is set to do harm where it can: process specs start a marker
     * process, carried messages are the broadcast of one (or, going up, a line of output), node -1 means every
     * node, the host of a parent answer is empty (the root's answer).
     */
    Message catalogSample(MessageType type) {
        return (Message) sample(type.messageClass(), type.messageClass(), "catalog-" + type);
    }

    private Object sample(Class<?> type, Type generic, String marker) {
        if (type.isRecord()) {
            RecordComponent[] components = type.getRecordComponents();
            Class<?>[] types = new Class<?>[components.length];
            Object[] values = new Object[components.length];
            for (int i = 0; i < components.length; i++) {
                types[i] = components[i].getType();
                values[i] = field(type, components[i], marker);
            }
            try {
                return type.getDeclaredConstructor(types).newInstance(values);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot make a " + type.getSimpleName(), e);
            }
        }
        if (type == long.class) {
            return uid();
        } else if (type == int.class) {
            return 0;
        } else if (type == boolean.class) {
            return false;
        } else if (type == double.class) {
            return 0.0;
        } else if (type == String.class) {
            return "";
        } else if (type == byte[].class) {
            return STRANGER_TEXT.getBytes(StandardCharsets.UTF_8);
        } else if (type.isEnum()) {
            return type.getEnumConstants()[0];
        } else if (type == List.class) {
            Type element = ((ParameterizedType) generic).getActualTypeArguments()[0];
            return List.of(sample((Class<?>) element, element, marker));
        } else if (type == Map.class) {
            return Map.of();
        }
        throw new IllegalStateException("no sample for a field of type " + generic);
    }

    private Object field(Class<?> owner, RecordComponent component, String marker) {
        String name = component.getName();
        if (component.getType() == ProcessSpec.class) {
            return markerProcess(marker);
        } else if (name.equals("node")) {
            return -1;
        } else if (name.equals("position")) {
            return 1;
        } else if (name.equals("message")) {
            return MessageCodec.encode(carried(owner, marker));
        }
        return sample(component.getType(), component.getGenericType(), marker);
    }

    /** What a message of class {@code owner} carries in its {@code message} field. */
    private Message carried(Class<?> owner, String marker) {
        SHProcessCreate start = new SHProcessCreate(tag(), 0, 0, uid(), uid(), markerProcess(marker));
        if (owner == BEForward.class) {
            return start;
        } else if (owner == TreeDown.class) {
            return new BEForward(tag(), -1, false, MessageCodec.encode(start));
        }
        return new SHFwdOutput(tag(), uid(), 1, (STRANGER_TEXT + "\n").getBytes(StandardCharsets.UTF_8), 1, "node1");
    }

    // ---- transport frames (dragon-backend's TransportFrames; gateway requests as GatewayLayout draws them)

    /** A HELLO frame with a secret the stranger made up. */
    static byte[] transportHello() {
        byte[] guess = HexFormat.of().formatHex(random(32)).getBytes(StandardCharsets.US_ASCII);
        return transportFrame(HELLO, guess);
    }

    /**
     * A REQUEST to SEND, to a channel the stranger cannot name (random descriptors), the message that would make
     * Local Services start a marker process: performed at all, it is answered with a completion.
     */
    byte[] transportSend(String marker) {
        byte[] message = MessageCodec.encode(new SHProcessCreate(tag(), 0, 0, uid(), uid(), markerProcess(marker)));
        return transportFrame(REQUEST, gatewayRequest(GatewayLayout.SEND, random(16), message));
    }

    /** A REQUEST to CALL: a serialized object of the JDK in place of a Callable; performed, it is answered. */
    static byte[] transportCall() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(new HashMap<>(Map.of(STRANGER_TEXT, 1)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return transportFrame(REQUEST, gatewayRequest(GatewayLayout.CALL, new byte[0], bytes.toByteArray()));
    }

    /** A COMPLETION for a request nobody made, to a reply channel the stranger made up. */
    static byte[] transportCompletion() {
        byte[] reply = random(16);
        ByteBuffer body = ByteBuffer.allocate(Integer.BYTES + reply.length + GatewayLayout.COMPLETION_PAYLOAD_OFFSET
            + STRANGER_TEXT.length()).putInt(reply.length).put(reply).order(ByteOrder.LITTLE_ENDIAN)
            .putLong(uid()).putInt(GatewayLayout.OK).putInt(STRANGER_TEXT.length()).putInt(0).putInt(0)
            .put(STRANGER_TEXT.getBytes(StandardCharsets.US_ASCII));
        return transportFrame(COMPLETION, body.array());
    }

    private static byte[] gatewayRequest(int op, byte[] target, byte[] payload) {
        byte[] reply = random(16);
        return ByteBuffer.allocate(GatewayLayout.payloadOffset(target.length, reply.length) + payload.length)
            .order(ByteOrder.LITTLE_ENDIAN).putInt(op).putInt(target.length).putInt(reply.length).putInt(1 << 20)
            .putLong(uid()).putLong(0).putLong(uid()).putInt(1).put(target).put(reply).put(payload).array();
    }

    private static byte[] transportFrame(int kind, byte[] body) {
        return ByteBuffer.allocate(2 * Integer.BYTES + body.length).putInt(Integer.BYTES + body.length).putInt(kind)
            .put(body).array();
    }

    // ---- the link handshake, as far as one can go without the secret

    /** The opener's first 40 bytes: magic, version, {@code purpose}, two zero bytes, a fresh nonce. */
    static byte[] handshakeOpening(int purpose) {
        return ByteBuffer.allocate(HANDSHAKE_OPENING_BYTES).putInt(HANDSHAKE_MAGIC).put((byte) HANDSHAKE_VERSION)
            .put((byte) purpose).putShort((short) 0).put(random(32)).array();
    }

    /** A made-up proof (the real one is an HMAC under a key derived from the job's secret). */
    static byte[] wrongProof() {
        return random(HANDSHAKE_PROOF_BYTES);
    }

    // ----

    static byte[] random(int length) {
        byte[] bytes = new byte[length];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            all.writeBytes(part);
        }
        return all.toByteArray();
    }

    private static long tag() {
        return 1 + RANDOM.nextInt(1 << 30);
    }

    /** A process or channel id far from those the runtime hands out. */
    private static long uid() {
        return (1L << 40) + RANDOM.nextInt(1 << 30);
    }
}
