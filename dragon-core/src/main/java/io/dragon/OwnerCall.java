package io.dragon;

import java.io.Serializable;
import java.util.concurrent.Callable;

/**
 * A method of a {@link SharedObject} to run on the node where the object lives, for a process of another node:
 * the object's handle and the method travel serialized to that node's transport agent, which runs it there.
 */
final class OwnerCall<T extends SharedObject, R> implements Callable<R>, Serializable {
    private static final long serialVersionUID = 1L;

    /** A method of {@code T} that can travel. */
    @FunctionalInterface
    interface Method<T, R> extends Serializable {
        R apply(T object) throws Exception;
    }

    /** A method of {@code T} that returns nothing and can travel. */
    @FunctionalInterface
    interface Action<T> extends Serializable {
        void run(T object) throws Exception;
    }

    private final T object;
    private final Method<T, R> method;

    OwnerCall(T object, Method<T, R> method) {
        this.object = object;
        this.method = method;
    }

    @Override
    public R call() throws Exception {
        return method.apply(object);
    }

    /**
     * Throws {@code t} as it is, checked or not: a method run on the owner's node declared it, and so does the
     * method of the handle that ran it there.
     */
    @SuppressWarnings("unchecked")
    static <X extends Throwable> X rethrow(Throwable t) throws X {
        throw (X) t;
    }
}
