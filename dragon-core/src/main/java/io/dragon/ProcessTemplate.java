package io.dragon;

import io.dragon.core.infrastructure.InheritedProperties;
import io.dragon.core.infrastructure.Settings;
import io.dragon.core.messages.Messages.ProcessSpec;
import io.dragon.internal.ProcessMain;
import io.dragon.internal.Services;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What to run in a new managed process, and how: a serializable Runnable run in a fresh JVM with this program's
 * classpath, a main class with arguments, or any executable with arguments; plus environment, working directory,
 * name, placement, JVM options and where its standard streams go ({@link Redirect}). Immutable: each
 * {@code with...} returns a new template. {@link #start()} starts one process from it; a {@link ProcessGroup}
 * starts many.
 */
public final class ProcessTemplate implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Largest serialized Runnable a new process is given (environment variables are limited by the kernel). */
    static final int MAX_TARGET_BYTES = 96 * 1024;

    private final String exe;
    private final List<String> args;
    private final boolean java;
    private final List<String> jvmOptions;
    private final Map<String, String> env;
    private final String cwd;
    private final String name;
    private final Policy policy;
    private final Redirect stdin;
    private final Redirect stdout;
    private final Redirect stderr;

    private ProcessTemplate(String exe, List<String> args, boolean java, List<String> jvmOptions,
                            Map<String, String> env, String cwd, String name, Policy policy, Redirect stdin,
                            Redirect stdout, Redirect stderr) {
        this.exe = exe;
        this.args = List.copyOf(args);
        this.java = java;
        this.jvmOptions = List.copyOf(jvmOptions);
        this.env = Map.copyOf(env);
        this.cwd = cwd;
        this.name = name;
        this.policy = policy;
        this.stdin = stdin;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /** Runs {@code target} in a new JVM with this program's classpath; the process exits 1 if it throws. */
    public static ProcessTemplate of(SerializableRunnable target) {
        byte[] bytes = Services.serialize(Objects.requireNonNull(target, "target"), "the process target");
        if (bytes.length > MAX_TARGET_BYTES) {
            throw new DragonException("the process target serializes to " + bytes.length + " bytes; at most "
                + MAX_TARGET_BYTES + " can be passed to a new process: pass large data through a Queue or a"
                + " SharedByteArray instead of capturing it");
        }
        return new ProcessTemplate(null, List.of(ProcessMain.class.getName()), true, List.of(),
            Map.of(ProcessMain.TARGET_VARIABLE, Base64.getEncoder().encodeToString(bytes)), null, null,
            Policy.anywhere(), Redirect.INHERIT, Redirect.INHERIT, Redirect.INHERIT);
    }

    /** Runs {@code mainClass}'s main method with {@code args} in a new JVM with this program's classpath. */
    public static ProcessTemplate main(Class<?> mainClass, String... args) {
        List<String> all = new ArrayList<>();
        all.add(mainClass.getName());
        all.addAll(List.of(args));
        return new ProcessTemplate(null, all, true, List.of(), Map.of(), null, null, Policy.anywhere(),
            Redirect.INHERIT, Redirect.INHERIT, Redirect.INHERIT);
    }

    /** Runs an executable (a path, or a name looked up on PATH) with {@code args}. */
    public static ProcessTemplate exec(String executable, String... args) {
        return new ProcessTemplate(Objects.requireNonNull(executable, "executable"), List.of(args), false, List.of(),
            Map.of(), null, null, Policy.anywhere(), Redirect.INHERIT, Redirect.INHERIT, Redirect.INHERIT);
    }

    /** Adds an environment variable. */
    public ProcessTemplate withEnv(String variable, String value) {
        Map<String, String> more = new LinkedHashMap<>(env);
        more.put(variable, value);
        return new ProcessTemplate(exe, args, java, jvmOptions, more, cwd, name, policy, stdin, stdout, stderr);
    }

    /** Sets the working directory of the process, on its node (default: the head process's). */
    public ProcessTemplate withWorkingDirectory(String directory) {
        return new ProcessTemplate(exe, args, java, jvmOptions, env, directory, name, policy, stdin, stdout,
            stderr);
    }

    /** Names the process (names are unique in the runtime; a template with a name starts one process at a time). */
    public ProcessTemplate withName(String processName) {
        return new ProcessTemplate(exe, args, java, jvmOptions, env, cwd, processName, policy, stdin, stdout,
            stderr);
    }

    /** Sets where the process runs and on which cores and GPUs (default: {@link Policy#anywhere()}). */
    public ProcessTemplate withPolicy(Policy placement) {
        return new ProcessTemplate(exe, args, java, jvmOptions, env, cwd, name,
            Objects.requireNonNull(placement, "policy"), stdin, stdout, stderr);
    }

    /**
     * JVM options (such as {@code -Xmx2g}) for a Java process, instead of the head's ({@code dragon --jvm-opt}),
     * which a Java process whose template names none gets.
     */
    public ProcessTemplate withJvmOptions(String... options) {
        if (!java) {
            throw new IllegalStateException("JVM options are for Java processes, not for " + exe);
        }
        return new ProcessTemplate(exe, args, java, List.of(options), env, cwd, name, policy, stdin, stdout, stderr);
    }

    /** Sets where the process's stdin comes from (default: {@link Redirect#INHERIT}). */
    public ProcessTemplate withStdin(Redirect source) {
        return new ProcessTemplate(exe, args, java, jvmOptions, env, cwd, name, policy,
            Objects.requireNonNull(source, "stdin"), stdout, stderr);
    }

    /** Sets where the process's stdout goes (default: {@link Redirect#INHERIT}, the terminal). */
    public ProcessTemplate withStdout(Redirect destination) {
        return new ProcessTemplate(exe, args, java, jvmOptions, env, cwd, name, policy, stdin,
            Objects.requireNonNull(destination, "stdout"), stderr);
    }

    /** Sets where the process's stderr goes (default: {@link Redirect#INHERIT}, the terminal). */
    public ProcessTemplate withStderr(Redirect destination) {
        return new ProcessTemplate(exe, args, java, jvmOptions, env, cwd, name, policy, stdin, stdout,
            Objects.requireNonNull(destination, "stderr"));
    }

    /** Where and on what the process runs. */
    Policy policy() {
        return policy;
    }

    /** Starts one process from this template. */
    public Process start() {
        return Process.start(this);
    }

    /** The request to Global Services. */
    ProcessSpec spec() {
        List<String> arguments = new ArrayList<>();
        String executable = exe;
        if (java) {
            executable = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            arguments.addAll(InheritedProperties.options());
            arguments.addAll(jvmOptions.isEmpty() ? Settings.programJvmOptions() : jvmOptions); // last: they win
            arguments.add("-cp");
            arguments.add(System.getProperty("java.class.path"));
        }
        arguments.addAll(args);
        return new ProcessSpec(executable, arguments, env, cwd, name, false, policy.nodeIndex(), stdin.stream(),
            stdout.stream(), stderr.stream(), policy.cpus(), policy.gpus());
    }

    @Override
    public String toString() {
        return (java ? "java " : exe + " ")
            + (env.containsKey(ProcessMain.TARGET_VARIABLE) ? "(a Runnable)" : String.join(" ", args));
    }
}
