package io.dragon;

import java.io.Serializable;

/** A Runnable that can be sent to another process: {@code Process.start(() -> work())} makes a lambda one. */
@FunctionalInterface
public interface SerializableRunnable extends Runnable, Serializable {
}
