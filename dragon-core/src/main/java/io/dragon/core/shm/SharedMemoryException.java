package io.dragon.core.shm;

/** The operating system refused a shared-memory operation; the message says which and why. */
public class SharedMemoryException extends RuntimeException {
    public SharedMemoryException(String message) {
        super(message);
    }
}
