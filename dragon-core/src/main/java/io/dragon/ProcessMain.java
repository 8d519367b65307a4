package io.dragon;

import java.util.Base64;

/**
 * Main class of a process started from a Runnable ({@link ProcessTemplate#of}): it reads the serialized target from
 * its environment and runs it. An exception from the target is printed and makes the process exit with 1.
 */
public final class ProcessMain {
    private ProcessMain() {
    }

    public static void main(String[] args) {
        String encoded = System.getenv(ProcessTemplate.TARGET_VARIABLE);
        if (encoded == null) {
            System.err.println("dragon: " + ProcessTemplate.TARGET_VARIABLE + " is not set: this class runs targets"
                + " of Process.start(...) and is not meant to be started by hand");
            System.exit(2);
        }
        byte[] bytes = Base64.getDecoder().decode(encoded);
        Runnable target = (Runnable) Services.deserialize(bytes, 0, bytes.length, "the process target");
        try {
            target.run();
        } catch (Throwable t) {
            t.printStackTrace();
            System.exit(1);
        }
    }
}
