package io.dragon.core.map;

import io.dragon.core.infrastructure.DescriptorKind;
import io.dragon.core.infrastructure.DescriptorReader;
import io.dragon.core.infrastructure.DescriptorWriter;
import io.dragon.core.memory.AllocationDescriptor;

/**
 * What another process needs to attach to an {@link UnorderedMap}: its header allocation and the serial stored in
 * that header, which tells a live map from a destroyed one whose block was reused.
 */
public record MapDescriptor(AllocationDescriptor header, long serial) {
    public byte[] serialize() {
        return header.writeTo(new DescriptorWriter(DescriptorKind.MAP)).putLong(serial).toBytes();
    }

    /** @throws io.dragon.core.infrastructure.CorruptDescriptorException if the bytes are not a map descriptor */
    public static MapDescriptor deserialize(byte[] bytes) {
        DescriptorReader reader = DescriptorReader.open(bytes, DescriptorKind.MAP);
        MapDescriptor descriptor = new MapDescriptor(AllocationDescriptor.readFrom(reader), reader.getLong());
        reader.finish();
        return descriptor;
    }
}
