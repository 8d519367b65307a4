package io.dragon.core.memory;

import io.dragon.core.infrastructure.CorruptDescriptorException;
import io.dragon.core.infrastructure.DescriptorKind;
import io.dragon.core.infrastructure.DescriptorReader;
import io.dragon.core.infrastructure.DescriptorWriter;

/**
 * What another process needs to attach to a pool: the runtime it belongs to, its m_uid, the node it lives on and
 * its size. The segment name is derived from the first two.
 */
public record PoolDescriptor(String runtimeId, long muid, long hostId, long size) {
    public PoolDescriptor {
        if (!runtimeId.matches("[A-Za-z0-9_.]{1,64}")) {
            throw new IllegalArgumentException("runtime id must be 1-64 letters, digits, '_' or '.', got '"
                + runtimeId + "'");
        }
    }

    /** The POSIX shared-memory name of the pool's segment: {@code /dragon-<runtime id>-<m_uid>}. */
    public String segmentName() {
        return segmentPrefix(runtimeId) + muid;
    }

    /** The prefix of every segment name of one runtime, as found under /dev/shm (without the leading slash). */
    public static String segmentPrefix(String runtimeId) {
        return "/dragon-" + runtimeId + "-";
    }

    public byte[] serialize() {
        return writeTo(new DescriptorWriter(DescriptorKind.POOL)).toBytes();
    }

    public static PoolDescriptor deserialize(byte[] bytes) {
        DescriptorReader reader = DescriptorReader.open(bytes, DescriptorKind.POOL);
        PoolDescriptor descriptor = readFrom(reader);
        reader.finish();
        return descriptor;
    }

    DescriptorWriter writeTo(DescriptorWriter writer) {
        return writer.putString(runtimeId).putLong(muid).putLong(hostId).putLong(size);
    }

    static PoolDescriptor readFrom(DescriptorReader reader) {
        try {
            return new PoolDescriptor(reader.getString(), reader.getLong(), reader.getLong(), reader.getLong());
        } catch (IllegalArgumentException e) {
            throw new CorruptDescriptorException("pool descriptor: " + e.getMessage());
        }
    }
}
