package io.dragon;

import java.io.Serializable;
import java.util.concurrent.Callable;

/** A Callable that can be sent to another process, such as a task for a {@link Pool}. */
@FunctionalInterface
public interface SerializableCallable<V> extends Callable<V>, Serializable {
}
