package io.dragon.core.sync;

/**
 * The condition a {@link Signal} waiter waits for. Implementations are long-lived objects (usually the data
 * structure itself) so that waiting allocates nothing; {@code arg} carries per-call state such as a lock ticket.
 */
@FunctionalInterface
public interface Readiness {
    boolean isReady(long arg);
}
