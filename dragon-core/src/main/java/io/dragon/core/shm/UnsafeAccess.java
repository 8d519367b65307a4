package io.dragon.core.shm;

import java.lang.reflect.Field;
import java.nio.Buffer;
import sun.misc.Unsafe;

/**
 * The {@code sun.misc.Unsafe} instance. It lives in the {@code jdk.unsupported} module, which Java 17 opens to
 * everyone, so atomics on mapped memory work without {@code --add-opens} flags in any JVM the runtime starts.
 */
final class UnsafeAccess {
    static final Unsafe UNSAFE;
    static final long ARRAY_BYTE_BASE;
    static final long ARRAY_INT_BASE;
    static final long ARRAY_LONG_BASE;
    static final long ARRAY_DOUBLE_BASE;
    /** Offset of {@code Buffer.address}: the native address of a direct buffer, read without allocating. */
    static final long BUFFER_ADDRESS;

    static {
        try {
            Field f = Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            UNSAFE = (Unsafe) f.get(null);
            ARRAY_BYTE_BASE = UNSAFE.arrayBaseOffset(byte[].class);
            ARRAY_INT_BASE = UNSAFE.arrayBaseOffset(int[].class);
            ARRAY_LONG_BASE = UNSAFE.arrayBaseOffset(long[].class);
            ARRAY_DOUBLE_BASE = UNSAFE.arrayBaseOffset(double[].class);
            BUFFER_ADDRESS = UNSAFE.objectFieldOffset(Buffer.class.getDeclaredField("address"));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private UnsafeAccess() {
    }
}
