package io.dragon.core.channels;

import io.dragon.core.infrastructure.DescriptorKind;
import io.dragon.core.infrastructure.DescriptorReader;
import io.dragon.core.infrastructure.DescriptorWriter;
import io.dragon.core.memory.AllocationDescriptor;

/** What another process needs to attach to a channel: its c_uid, its allocation and the serial it was made with. */
public record ChannelDescriptor(long cuid, AllocationDescriptor allocation, long serial) {
    public byte[] serialize() {
        return allocation.writeTo(new DescriptorWriter(DescriptorKind.CHANNEL).putLong(cuid)).putLong(serial)
            .toBytes();
    }

    public static ChannelDescriptor deserialize(byte[] bytes) {
        DescriptorReader reader = DescriptorReader.open(bytes, DescriptorKind.CHANNEL);
        long cuid = reader.getLong();
        ChannelDescriptor descriptor = new ChannelDescriptor(cuid, AllocationDescriptor.readFrom(reader),
            reader.getLong());
        reader.finish();
        return descriptor;
    }
}
