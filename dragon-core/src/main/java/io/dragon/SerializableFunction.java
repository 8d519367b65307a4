package io.dragon;

import java.io.Serializable;
import java.util.function.Function;

/** A Function that can be sent to another process, such as the function {@link Pool#map} applies. */
@FunctionalInterface
public interface SerializableFunction<T, R> extends Function<T, R>, Serializable {
}
