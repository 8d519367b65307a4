package io.dragon.core.map;

/** Receives the entries of an {@link UnorderedMap} from {@link UnorderedMap#forEach}. */
@FunctionalInterface
public interface EntryVisitor {
    /** Called once per entry with copies of its key and value, which the visitor may keep. */
    void visit(byte[] key, byte[] value);
}
