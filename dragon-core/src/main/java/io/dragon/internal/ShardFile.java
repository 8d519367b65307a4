package io.dragon.internal;

import io.dragon.DragonException;
import io.dragon.Output;
import io.dragon.core.map.EntryVisitor;
import io.dragon.core.map.Shard;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A manager's shard persisted to a file ({@link io.dragon.DDict#persist}): every entry of every checkpoint it
 * holds, keys with their checkpoint in front.
 *
 * <pre>
 *   [magic "DDICTSH1" 8] then per entry [key length 4][stored key][value length 4][value], then [-1 4]
 * </pre>
 * The file is written beside its final name and renamed into place, so a file of that name is always whole.
 */
public final class ShardFile {
    private static final long MAGIC = 0x4444494354534831L; // "DDICTSH1"
    private static final int BUFFER = 1 << 20;
    /** The longest key or value a file may hold: more than any pool here holds in one block. */
    private static final int MAX_LENGTH = 1 << 30;

    /** The name {@link #name} gives a file: its manager's index and the number of managers. */
    private static final Pattern NAME = Pattern.compile("manager-[0-9]{5,}-of-([0-9]{5,})\\.ddict");

    private ShardFile() {
    }

    /** The name of the file of manager {@code m} of {@code managers}. */
    public static String name(int m, int managers) {
        return String.format("manager-%05d-of-%05d.ddict", m, managers);
    }

    /**
     * Fails unless {@code files} of {@code directory} are those of every manager of one persist: a restore from
     * some of them would miss the others' entries.
     */
    public static void checkComplete(Path directory, List<Path> files) {
        Matcher first = NAME.matcher(files.get(0).getFileName().toString());
        int managers = first.matches() ? Integer.parseInt(first.group(1)) : 0;
        Set<String> missing = new TreeSet<>();
        for (int m = 0; m < managers; m++) {
            missing.add(name(m, managers));
        }
        List<String> others = new ArrayList<>();
        for (Path file : files) {
            if (!missing.remove(file.getFileName().toString())) {
                others.add(file.getFileName().toString());
            }
        }
        if (!missing.isEmpty() || !others.isEmpty()) {
            throw new DragonException("the files in " + directory + " are not those of one persist of " + managers
                + " managers:" + (missing.isEmpty() ? "" : " missing " + missing)
                + (others.isEmpty() ? "" : " not of that persist " + others));
        }
    }

    /** Writes {@code shard} to {@code file}; appends [entries 8][bytes 8] to {@code reply}. */
    public static void write(Shard shard, Path file, Output reply) throws IOException {
        Path partial = file.resolveSibling(file.getFileName() + ".partial");
        long[] counts = new long[2];
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(partial),
            BUFFER))) {
            out.writeLong(MAGIC);
            IOException[] failure = new IOException[1];
            shard.forEach((key, value) -> {
                try {
                    out.writeInt(key.length);
                    out.write(key);
                    out.writeInt(value.length);
                    out.write(value);
                    counts[0]++;
                    counts[1] += key.length - Shard.KEY_PREFIX + value.length;
                } catch (IOException e) {
                    failure[0] = e;
                }
            });
            if (failure[0] != null) {
                throw failure[0];
            }
            out.writeInt(-1);
        }
        Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        reply.putLong(counts[0]).putLong(counts[1]);
    }

    /** Visits every entry of {@code file}, stored keys as written; returns the bytes of keys and values read. */
    public static long read(Path file, EntryVisitor visitor) throws IOException {
        long bytes = 0;
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), BUFFER))) {
            if (in.readLong() != MAGIC) {
                throw new DragonException(file + " is not a dictionary's shard file");
            }
            for (int length = in.readInt(); length != -1; length = in.readInt()) {
                if (length < Shard.KEY_PREFIX) {
                    throw new DragonException(file + " is corrupt: a key of " + length + " bytes");
                }
                byte[] key = bytes(in, length, file);
                byte[] value = bytes(in, in.readInt(), file);
                bytes += key.length - Shard.KEY_PREFIX + value.length;
                visitor.visit(key, value);
            }
        } catch (EOFException e) {
            throw new DragonException(file + " is cut short: it was not written whole", e);
        }
        return bytes;
    }

    private static byte[] bytes(DataInputStream in, int length, Path file) throws IOException {
        if (length < 0 || length > MAX_LENGTH) {
            throw new DragonException(file + " is corrupt: a length of " + length);
        }
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        return bytes;
    }
}
