package io.dragon.core.bcast;

import io.dragon.core.infrastructure.DescriptorKind;
import io.dragon.core.infrastructure.DescriptorReader;
import io.dragon.core.infrastructure.DescriptorWriter;
import io.dragon.core.memory.AllocationDescriptor;

/** What another process needs to attach to a {@link Broadcast}: its allocation and the serial stored in it. */
public record BroadcastDescriptor(AllocationDescriptor allocation, long serial) {
    public byte[] serialize() {
        return allocation.writeTo(new DescriptorWriter(DescriptorKind.BROADCAST)).putLong(serial).toBytes();
    }

    /** @throws io.dragon.core.infrastructure.CorruptDescriptorException if the bytes are not a broadcast descriptor */
    public static BroadcastDescriptor deserialize(byte[] bytes) {
        DescriptorReader reader = DescriptorReader.open(bytes, DescriptorKind.BROADCAST);
        BroadcastDescriptor descriptor = new BroadcastDescriptor(AllocationDescriptor.readFrom(reader),
            reader.getLong());
        reader.finish();
        return descriptor;
    }
}
