package io.dragon.core.memory;

import io.dragon.core.infrastructure.DescriptorKind;
import io.dragon.core.infrastructure.DescriptorReader;
import io.dragon.core.infrastructure.DescriptorWriter;

/** An allocation as another process sees it: its pool and its place in the pool's segment (never an address). */
public record AllocationDescriptor(PoolDescriptor pool, long offset, long size) {
    public byte[] serialize() {
        return writeTo(new DescriptorWriter(DescriptorKind.ALLOCATION)).toBytes();
    }

    public static AllocationDescriptor deserialize(byte[] bytes) {
        DescriptorReader reader = DescriptorReader.open(bytes, DescriptorKind.ALLOCATION);
        AllocationDescriptor descriptor = readFrom(reader);
        reader.finish();
        return descriptor;
    }

    /** Appends this descriptor's fields, for descriptors of objects built on an allocation. */
    public DescriptorWriter writeTo(DescriptorWriter writer) {
        return pool.writeTo(writer).putLong(offset).putLong(size);
    }

    public static AllocationDescriptor readFrom(DescriptorReader reader) {
        return new AllocationDescriptor(PoolDescriptor.readFrom(reader), reader.getLong(), reader.getLong());
    }
}
