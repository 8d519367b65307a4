package io.dragon.core.memory;

import io.dragon.core.infrastructure.CorruptDescriptorException;
import io.dragon.core.infrastructure.DescriptorKind;
import io.dragon.core.infrastructure.DescriptorReader;
import io.dragon.core.infrastructure.DescriptorWriter;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What another process needs to attach to a pool: the runtime it belongs to, its m_uid, the random part of its
 * segment's name, the node it lives on and its size. The segment name is derived from the first three.
 *
 * @param nameKey random, so that no other user can guess the name of a pool's segment and make it first: every
 *                user sees the names in /dev/shm, and the runtime id and m_uid alone are easy to predict
 */
public record PoolDescriptor(String runtimeId, long muid, long nameKey, long hostId, long size) {
    private static final Pattern SEGMENT = Pattern.compile("dragon-([A-Za-z0-9_.]{1,64})-[0-9]+-[0-9a-f]{16}");

    public PoolDescriptor {
        if (!runtimeId.matches("[A-Za-z0-9_.]{1,64}")) {
            throw new IllegalArgumentException("runtime id must be 1-64 letters, digits, '_' or '.', got '"
                + runtimeId + "'");
        }
    }

    /**
     * The POSIX shared-memory name of the pool's segment: {@code /dragon-<runtime id>-<m_uid>-<name key>}, the
     * key in 16 hexadecimal digits.
     */
    public String segmentName() {
        return segmentPrefix(runtimeId) + muid + "-" + HexFormat.of().toHexDigits(nameKey);
    }

    /** The prefix of every segment name of one runtime (with the leading slash, which /dev/shm does not show). */
    public static String segmentPrefix(String runtimeId) {
        return "/dragon-" + runtimeId + "-";
    }

    /** The runtime a file of /dev/shm belongs to if it is named like a pool's segment; else empty. */
    public static Optional<String> runtimeOfSegment(String fileName) {
        Matcher m = SEGMENT.matcher(fileName);
        return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
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
        return writer.putString(runtimeId).putLong(muid).putLong(nameKey).putLong(hostId).putLong(size);
    }

    static PoolDescriptor readFrom(DescriptorReader reader) {
        try {
            return new PoolDescriptor(reader.getString(), reader.getLong(), reader.getLong(), reader.getLong(),
                reader.getLong());
        } catch (IllegalArgumentException e) {
            throw new CorruptDescriptorException("pool descriptor: " + e.getMessage());
        }
    }
}
