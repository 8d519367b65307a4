package io.dragon.internal;

import io.dragon.DragonException;
import io.dragon.ObjectNotFoundException;
import io.dragon.core.client.GlobalServicesClient;
import io.dragon.core.client.GlobalServicesException;
import io.dragon.core.memory.MemoryPool;
import io.dragon.core.messages.Messages.GSNameLookupResponse;
import io.dragon.core.messages.Response;
import io.dragon.core.serialization.SerialFilter;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.NotSerializableException;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * This process's link to the runtime it runs in: Global Services and this node's default pool, where the user API
 * puts its objects unless told otherwise. Every user object goes through here, so a program started without
 * {@code dragon} gets one clear error.
 */
public final class Services {
    private static volatile MemoryPool defaultPool;

    private Services() {
    }

    public static GlobalServicesClient globalServices() {
        try {
            return GlobalServicesClient.get();
        } catch (IllegalStateException e) {
            throw new DragonException("this process does not run under the Dragon runtime (" + e.getMessage()
                + "); start the program with: dragon my.jar", e);
        }
    }

    public static MemoryPool defaultPool() {
        MemoryPool pool = defaultPool;
        if (pool == null) {
            synchronized (Services.class) {
                if (defaultPool == null) {
                    defaultPool = MemoryPool.attach(globalServices().launchParameters().defaultPool());
                }
                pool = defaultPool;
            }
        }
        return pool;
    }

    /**
     * Runs a request to Global Services, turning its refusals into the user API's exceptions: a name or id that
     * does not exist becomes {@link ObjectNotFoundException}, anything else a {@link DragonException}.
     */
    public static <T> T ask(Supplier<T> request) {
        try {
            return request.get();
        } catch (GlobalServicesException e) {
            throw translated(e);
        }
    }

    /**
     * What {@link #ask} throws for a refusal of Global Services, also when it failed a future (wrapped in a
     * CompletionException); any other failure as it is, or in a DragonException if it is checked.
     */
    public static RuntimeException translated(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause()
            : failure;
        if (cause instanceof GlobalServicesException e) {
            return e.err() == Response.NOT_FOUND ? new ObjectNotFoundException(e.getMessage())
                : new DragonException(e.getMessage(), e);
        }
        return cause instanceof RuntimeException e ? e : new DragonException(cause.toString(), cause);
    }

    /** Binds {@code name} to {@code handle} in Global Services, for {@link #lookup}; fails if the name is taken. */
    public static void bind(String name, Serializable handle) {
        String kind = handle.getClass().getSimpleName();
        byte[] descriptor = serialize(handle, kind);
        ask(() -> {
            globalServices().bindName(name, kind, descriptor);
            return null;
        });
    }

    /** The handle bound to {@code name}, which must be of class {@code type}. */
    public static <T extends Serializable> T lookup(String name, Class<T> type) {
        GSNameLookupResponse found = ask(() -> globalServices().lookupName(name));
        if (!type.getSimpleName().equals(found.kind())) {
            throw new DragonException("'" + name + "' names a " + found.kind() + ", not a " + type.getSimpleName());
        }
        return type.cast(deserialize(found.descriptor(), 0, found.descriptor().length, "'" + name + "'"));
    }

    /** Releases {@code name}; nothing happens if it is not bound. */
    public static void unbind(String name) {
        ask(() -> globalServices().unbindName(name));
    }

    /** Java serialization of a handle or a task, with a clear error when something in it is not serializable. */
    public static byte[] serialize(Object value, String what) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        } catch (NotSerializableException e) {
            throw new DragonException(what + " cannot be sent to another process: it holds a "
                + e.getMessage() + ", which is not Serializable (a lambda must be cast to a Serializable type and"
                + " capture only serializable values)", e);
        } catch (IOException e) {
            throw new DragonException(what + " cannot be serialized: " + e, e);
        }
        return bytes.toByteArray();
    }

    /**
     * The inverse of {@link #serialize}, through the runtime's deserialization filter (see {@link SerialFilter}), with
     * this thread's context class loader (the program's classpath).
     */
    public static Object deserialize(byte[] bytes, int offset, int length, String what) {
        try {
            return SerialFilter.configured(SerialFilter.Scope.PROGRAM).read(new ByteArrayInputStream(bytes, offset,
                length), length);
        } catch (SerialFilter.Refused e) {
            throw new DragonException("cannot deserialize " + what + ": " + e.getMessage(), e);
        } catch (IOException | ClassNotFoundException e) {
            throw new DragonException("cannot deserialize " + what + ": " + e
                + " (do all processes run the same classpath?)", e);
        } catch (RuntimeException e) {
            throw new DragonException("cannot deserialize " + what + ": " + e, e);
        }
    }
}
