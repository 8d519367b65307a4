package io.dragon;

import io.dragon.core.messages.Messages.StdStream;
import io.dragon.core.messages.Messages.StreamKind;
import java.io.Serializable;
import java.util.Objects;

/**
 * Where a standard stream of a managed process comes from (stdin) or goes to (stdout, stderr), as
 * {@link java.lang.ProcessBuilder.Redirect} for a local process; given to {@link ProcessTemplate#withStdin},
 * {@link ProcessTemplate#withStdout} and {@link ProcessTemplate#withStderr}.
 *
 * <pre>
 * ProcessTemplate.exec("/bin/hostname")
 *     .withStdout(Redirect.file("out-{puid}-{host}.txt"))   // a file per process, on its node
 *     .withStderr(Redirect.DISCARD)
 *     .start();
 * </pre>
 */
public final class Redirect implements Serializable {
    private static final long serialVersionUID = 1L;

    /**
     * The default: output goes to the terminal of {@code dragon} (forwarded to the launcher, labelled with
     * {@code --label-output}); the head process reads the stdin of {@code dragon}, any other process reads nothing
     * (end of file at once).
     */
    public static final Redirect INHERIT = new Redirect(StreamKind.INHERIT, null);

    /** Nothing: output is thrown away ({@code /dev/null}), input is empty (end of file at once). */
    public static final Redirect DISCARD = new Redirect(StreamKind.DISCARD, null);

    /**
     * The parent: the process that starts it reads the output through {@link Process#stdout()} or
     * {@link Process#stderr()}, or writes the input through {@link Process#stdin()}, on the handle that
     * {@link ProcessTemplate#start()} returned, from any node. As with a pipe, the writer waits while the unread
     * output is at its limit (about 128 KiB) and nothing is dropped; the reader gets end of file once the process has
     * exited (or closed the stream) and all was read. Once the reader is gone (it closed the stream, or the parent
     * process exited) the process's writes fail, as they would on a pipe without reader: a Java process's
     * {@code System.out} then drops what is printed, and most other programs end with SIGPIPE. Likewise the parent's
     * writes to the stdin of a process that has exited fail with an {@link java.io.IOException}.
     */
    public static final Redirect PIPE = new Redirect(StreamKind.PIPE, null);

    private final StreamKind kind;
    private final String pattern;

    private Redirect(StreamKind kind, String pattern) {
        this.kind = kind;
        this.pattern = pattern;
    }

    /**
     * A file on the node of the process, created (or truncated) for output, read for input. In the name,
     * {@code {puid}} stands for the process's p_uid and {@code {host}} for its node's hostname,
     * so that the processes of a group write files of their own: {@code "out-{puid}-{host}.txt"}. A relative name
     * is relative to the process's working directory ({@link ProcessTemplate#withWorkingDirectory}). stdout and
     * stderr to the same file share it, as {@code 2>&1} in a shell. A file that
     * cannot be opened fails the start of the process with a {@link DragonException} naming the file and the node.
     */
    public static Redirect file(String namePattern) {
        if (Objects.requireNonNull(namePattern, "namePattern").isEmpty()) {
            throw new IllegalArgumentException("the file name pattern is empty");
        }
        return new Redirect(StreamKind.FILE, namePattern);
    }

    /** The wire form, in a {@link io.dragon.core.messages.Messages.ProcessSpec} (PIPE still without its channel). */
    StdStream stream() {
        return kind == StreamKind.INHERIT ? null : new StdStream(kind, pattern, null);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Redirect other && other.kind == kind && Objects.equals(other.pattern, pattern);
    }

    @Override
    public int hashCode() {
        return kind.hashCode() * 31 + Objects.hashCode(pattern);
    }

    @Override
    public String toString() {
        return kind == StreamKind.FILE ? "file " + pattern : kind.name();
    }
}
