package io.dragon;

import java.io.Serializable;
import java.util.function.BiFunction;

/** A BiFunction that can be sent to another process, such as the function of {@link DDict#merge}. */
@FunctionalInterface
public interface SerializableBiFunction<T, U, R> extends BiFunction<T, U, R>, Serializable {
}
