package io.dragon.backend.launcher;

import io.dragon.core.messages.Messages.SHFwdOutput;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Writes forwarded output of managed processes to the launcher's stdout and stderr, byte for byte, or with each
 * line prefixed by {@code [hostname p_uid] } when labels are on.
 */
final class OutputWriter {
    private final OutputStream stdout;
    private final OutputStream stderr;
    private final boolean label;
    /** Whether the next byte of each (p_uid, fd) stream starts a line, so labels survive chunk boundaries. */
    private final Map<Long, Boolean> atLineStart = new HashMap<>();

    OutputWriter(OutputStream stdout, OutputStream stderr, boolean label) {
        this.stdout = stdout;
        this.stderr = stderr;
        this.label = label;
    }

    void write(SHFwdOutput output) {
        OutputStream out = output.fd() == 2 ? stderr : stdout;
        try {
            if (label) {
                writeLabelled(out, output);
            } else {
                out.write(output.data());
            }
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the program's output", e);
        }
    }

    private void writeLabelled(OutputStream out, SHFwdOutput output) throws IOException {
        long key = output.puid() * 4 + output.fd();
        boolean lineStart = atLineStart.getOrDefault(key, true);
        byte[] prefix = ("[" + output.hostname() + " " + output.puid() + "] ").getBytes(StandardCharsets.UTF_8);
        byte[] data = output.data();
        int from = 0;
        for (int i = 0; i < data.length; i++) {
            if (lineStart) {
                out.write(prefix);
                lineStart = false;
            }
            if (data[i] == '\n') {
                out.write(data, from, i + 1 - from);
                from = i + 1;
                lineStart = true;
            }
        }
        out.write(data, from, data.length - from);
        atLineStart.put(key, lineStart);
    }
}
