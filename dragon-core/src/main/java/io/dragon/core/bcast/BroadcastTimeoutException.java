package io.dragon.core.bcast;

import java.util.concurrent.TimeoutException;

/**
 * A broadcast call's timeout passed: a waiter received no trigger, or a trigger found the previous trigger's
 * payload still uncollected. The broadcast is unchanged by the failed call.
 */
public final class BroadcastTimeoutException extends TimeoutException {
    public BroadcastTimeoutException(String message) {
        super(message);
    }
}
