package io.dragon.it.api;

import io.dragon.DragonException;
import io.dragon.Machine;
import io.dragon.Policy;
import io.dragon.Process;
import io.dragon.ProcessGroup;
import io.dragon.ProcessFuture;
import io.dragon.ProcessTemplate;
import io.dragon.RemoteTaskException;
import io.dragon.Queue;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** Process, ProcessTemplate, ProcessGroup and Machine, with real processes. */
public final class ProcessChecks extends Checks {
    public static void main(String[] args) {
        if (args.length == 2 && args[0].equals("--exit")) {
            System.out.println("main class with args " + args[1]);
            System.exit(Integer.parseInt(args[1]));
        }
        new ProcessChecks().run();
    }

    private void run() {
        check("a Runnable runs in a new JVM, its output reaches the launcher, its exit code comes back", () -> {
            long head = ProcessHandle.current().pid();
            Process process = Process.start(() -> System.out.println("runnable ran in another JVM: "
                + (ProcessHandle.current().pid() != head)));
            expectEquals(0, process.join(), "exit code");
            expect(process.puid() > 0 && process.pid() > 0, "ids");
            expectEquals(0, process.node(), "node");
            expect(!process.isAlive(), "not alive after join");
        });
        check("a Callable's value, or what it threw, comes back through its future; cancel kills it", () -> {
            ProcessFuture<String> hello = Process.call(() -> "value from pid " + ProcessHandle.current().pid());
            expectEquals("value from pid " + hello.process().pid(), hello.get(30, TimeUnit.SECONDS), "value");
            expect(hello.isDone(), "done");
            ProcessFuture<Integer> failing = Process.call(() -> Integer.parseInt("not a number"));
            ExecutionException e = expectThrows(ExecutionException.class, failing::get);
            expect(e.getCause() instanceof RemoteTaskException remote
                && remote.remoteClassName().equals("java.lang.NumberFormatException"), "the remote exception");
            ProcessFuture<Integer> slow = Process.call(() -> {
                Thread.sleep(60_000);
                return 1;
            });
            expect(slow.cancel(true), "cancel");
            expectEquals(128 + 9, slow.process().join(), "killed");
            expectThrows(CancellationException.class, slow::get);
        });
        check("a throwing Runnable exits with 1", () -> {
            Process process = Process.start(() -> {
                throw new IllegalStateException("thrown on purpose by a check");
            });
            expectEquals(1, process.join(), "exit code");
        });
        check("main classes and executables, with environment and working directory", () -> {
            expectEquals(5, ProcessTemplate.main(ProcessChecks.class, "--exit", "5").start().join(), "main class");
            Process shell = ProcessTemplate.exec("/bin/sh", "-c", "echo \"env $CHECK_VAR in $(pwd)\"; exit 7")
                .withEnv("CHECK_VAR", "value").withWorkingDirectory("/tmp").withName("shell").start();
            expectEquals("shell", Process.lookup("shell").name(), "lookup by name");
            expectEquals(7, shell.join(), "executable");
        });
        check("a process name is taken while its process runs, and free again once it has exited", () -> {
            ProcessTemplate named = ProcessTemplate.exec("sleep", "60").withName("named");
            Process first = named.start();
            expectThrows(DragonException.class, named::start);
            first.kill();
            first.join();
            Process second = named.start();
            expectEquals(second.puid(), Process.lookup("named").puid(), "the name finds the new process");
            second.kill();
            second.join();
        });
        check("Process.current() is this process, here and in a process it starts", () -> {
            expectEquals(ProcessHandle.current().pid(), Process.current().pid(), "the head's pid");
            ProcessFuture<Long> child = Process.call(() -> Process.current().pid());
            expectEquals(child.process().pid(), child.get(), "the child's own pid");
        });
        check("join with timeout, isAlive and kill", () -> {
            Process sleeper = ProcessTemplate.exec("sleep", "60").start();
            expect(!sleeper.join(100, TimeUnit.MILLISECONDS), "a timed join of a running process to fail");
            expect(sleeper.isAlive(), "alive");
            sleeper.kill();
            expectEquals(128 + 9, sleeper.join(), "exit code after SIGKILL");
        });
        check("a handle sent to another process joins there", () -> {
            Process sleeper = ProcessTemplate.exec("sleep", "0.2").start();
            Queue<Integer> codes = Queue.create(2);
            Process joiner = Process.start(() -> {
                try {
                    codes.put(sleeper.join());
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            expectEquals(0, codes.take(), "the sleeper's exit code, seen by the joiner");
            expectEquals(0, joiner.join(), "joiner");
            codes.destroy();
        });
        check("a ProcessGroup starts and joins copies, and restarts failed members", () -> {
            ProcessGroup group = new ProcessGroup().add(ProcessTemplate.exec("true"), 3).start();
            expect(group.join(), "all exited with 0");
            expectEquals(3, group.members().size(), "members");
            Path marker = Path.of("/tmp", "dragon-check-" + ProcessHandle.current().pid());
            ProcessGroup flaky = new ProcessGroup().add(ProcessTemplate.exec("/bin/sh", "-c",
                "if [ -e " + marker + " ]; then exit 0; else touch " + marker + "; exit 3; fi"), 1)
                .restartFailed(2).start();
            expect(flaky.join(30, TimeUnit.SECONDS), "the restarted member to succeed");
            expectEquals(1, flaky.members().get(0).restarts(), "restarts");
            java.nio.file.Files.deleteIfExists(marker);
            ProcessGroup failing = new ProcessGroup().add(ProcessTemplate.exec("false"), 2).restartFailed(1).start();
            expect(!failing.join(), "failing members to stay failed");
            expectEquals(1, failing.members().get(1).exitCode(), "final exit code");
        });
        check("a ProcessGroup restarts a failed member as it fails, before join, up to its count", () -> {
            Path marker = Path.of("/tmp", "dragon-check-early-" + ProcessHandle.current().pid());
            ProcessGroup group = new ProcessGroup().add(ProcessTemplate.exec("/bin/sh", "-c",
                "if [ -e " + marker + " ]; then exit 0; else touch " + marker + "; exit 3; fi"), 1)
                .add(ProcessTemplate.exec("false"), 1).add(ProcessTemplate.exec("sleep", "60"), 1)
                .restartFailed(2).start();
            try {
                List<ProcessGroup.Member> members = group.members();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while ((members.get(0).exitCode() == null || members.get(1).exitCode() == null)
                    && System.nanoTime() - deadline < 0) {
                    Thread.sleep(10);
                }
                expectEquals(0, members.get(0).exitCode(), "the restarted member's exit code, before join");
                expectEquals(1, members.get(0).restarts(), "its restarts");
                expectEquals(1, members.get(1).exitCode(), "the always failing member's final code");
                expectEquals(2, members.get(1).restarts(), "its restarts, all it may have");
                expect(members.get(2).exitCode() == null && members.get(2).process().isAlive(),
                    "the long member to run still");
            } finally {
                group.close();
                java.nio.file.Files.deleteIfExists(marker);
            }
            expect(!group.join(60, TimeUnit.SECONDS), "the killed member to count as failed");
            expectEquals(128 + 9, group.members().get(2).exitCode(), "the killed member's code");
        });
        check("a ProcessGroup's walltime ends its members still running, with SIGKILL after the grace", () -> {
            ProcessGroup group = new ProcessGroup().add(ProcessTemplate.exec("true"), 1)
                .add(ProcessTemplate.exec("sleep", "60"), 2)
                .add(ProcessTemplate.exec("/bin/sh", "-c", "trap '' TERM; exec sleep 60"), 1) // SIGTERM ignored
                .walltime(Duration.ofSeconds(2), Duration.ofSeconds(1)).start();
            long started = System.nanoTime();
            expect(!group.join(120, TimeUnit.SECONDS), "the group to fail");
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
            // ended by the walltime: not before it, and long before the members would have ended by themselves
            expect(seconds >= 1 && seconds < 50, "join to return after the walltime, not after 60 s: " + seconds);
            List<ProcessGroup.Member> members = group.members();
            expect(members.get(0).exitCode() == 0 && !members.get(0).hitWalltime(), "the quick member untouched");
            for (int i = 1; i <= 2; i++) {
                expect(members.get(i).hitWalltime(), "member " + i + " marked");
                expectEquals(128 + 15, members.get(i).exitCode(), "member " + i + " ended by SIGTERM");
            }
            expect(members.get(3).hitWalltime(), "the member ignoring SIGTERM marked");
            expectEquals(128 + 9, members.get(3).exitCode(), "the member ignoring SIGTERM killed after the grace");
        });
        check("kill, terminate and signal of a process that has exited do nothing", () -> {
            Process done = ProcessTemplate.exec("true").start();
            expectEquals(0, done.join(), "exit code");
            done.kill();
            done.terminate();
            done.signal(10);
            expectEquals(0, done.exitCode().orElseThrow(), "exit code still");
        });
        check("the Machine has this node, with its CPUs; a Policy places on it", () -> {
            Machine machine = Machine.current();
            expectEquals(1, machine.nodes().size(), "nodes");
            expect(machine.here().cpus() > 0, "CPUs");
            Process placed = ProcessTemplate.exec("true").withPolicy(Policy.host(machine.here().hostname())).start();
            expectEquals(0, placed.join(), "placed by hostname");
            expectEquals(0, ProcessTemplate.exec("true").withPolicy(Policy.node(0)).start().join(), "by index");
        });
        finish();
    }
}
