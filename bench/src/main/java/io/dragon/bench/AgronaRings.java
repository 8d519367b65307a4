package io.dragon.bench;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * The Agrona peer's shared memory: {@code count} {@link OneToOneRingBuffer}s back to back in one file under
 * /dev/shm, created owner-only by the ping process and mapped by both.
 */
final class AgronaRings {
    /** Ring capacity in bytes: 128 KiB, the same memory as a 1024-slot channel of 64-byte blocks. */
    static final int DEFAULT_CAPACITY = 128 * 1024;

    private AgronaRings() {
    }

    static Path path(String runtimeId) {
        return Path.of("/dev/shm", runtimeId + "-agrona");
    }

    /** Creates the file (it must not exist) and maps it; the file is deleted at exit. */
    static OneToOneRingBuffer[] create(Path path, int capacity, int count) throws IOException {
        Cleanup.deleteFile(path);
        try (FileChannel file = FileChannel.open(path, EnumSet.of(StandardOpenOption.CREATE_NEW,
            StandardOpenOption.READ, StandardOpenOption.WRITE),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
            return map(file, capacity, count);
        }
    }

    static OneToOneRingBuffer[] attach(Path path, int capacity, int count) throws IOException {
        try (FileChannel file = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            return map(file, capacity, count);
        }
    }

    private static OneToOneRingBuffer[] map(FileChannel file, int capacity, int count) throws IOException {
        int length = capacity + RingBufferDescriptor.TRAILER_LENGTH;
        MappedByteBuffer mapped = file.map(FileChannel.MapMode.READ_WRITE, 0, (long) length * count);
        OneToOneRingBuffer[] rings = new OneToOneRingBuffer[count];
        for (int i = 0; i < count; i++) {
            rings[i] = new OneToOneRingBuffer(new UnsafeBuffer(mapped, i * length, length));
        }
        return rings;
    }
}
