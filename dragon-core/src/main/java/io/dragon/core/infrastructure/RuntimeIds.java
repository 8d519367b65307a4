package io.dragon.core.infrastructure;

import java.security.SecureRandom;

/**
 * Runtime ids: short, unique per launch, and safe in segment and file names ({@code [a-z0-9]}). The id prefixes
 * every segment a runtime makes in /dev/shm, which is how cleanup tells runtimes apart.
 */
public final class RuntimeIds {
    private static final SecureRandom RANDOM = new SecureRandom();

    private RuntimeIds() {
    }

    public static String next() {
        return "r" + Long.toString(RANDOM.nextLong() >>> 16, 36);
    }
}
