package io.dragon.internal;

import io.dragon.DragonException;
import io.dragon.core.infrastructure.Settings;
import java.util.Base64;

/**
 * Main class of a process started from a Runnable ({@link io.dragon.ProcessTemplate#of}): it reads the serialized
 * target from its environment and runs it. An exception from the target is printed and makes the process exit with 1;
 * so does a target that cannot be read (a class the deserialization filter refuses, say), with one line saying why.
 */
public final class ProcessMain {
    /** Environment variable that carries the serialized Runnable target. */
    public static final String TARGET_VARIABLE = Settings.Variable.DRAGON_PROCESS_TARGET.name();

    private ProcessMain() {
    }

    /** Runs the target that {@link #TARGET_VARIABLE} carries. */
    public static void main(String[] args) {
        String encoded = System.getenv(TARGET_VARIABLE);
        if (encoded == null) {
            System.err.println("dragon: " + TARGET_VARIABLE + " is not set: this class runs targets"
                + " of Process.start(...) and is not meant to be started by hand");
            System.exit(2);
        }
        byte[] bytes = Base64.getDecoder().decode(encoded);
        Runnable target;
        try {
            target = (Runnable) Services.deserialize(bytes, 0, bytes.length, "the process target");
        } catch (DragonException e) {
            System.err.println("dragon: " + e.getMessage());
            System.exit(1);
            return;
        }
        try {
            target.run();
        } catch (Throwable t) {
            t.printStackTrace();
            System.exit(1);
        }
    }
}
