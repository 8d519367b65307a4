package io.dragon.examples;

import io.dragon.Machine;
import io.dragon.Process;
import io.dragon.ProcessGroup;
import io.dragon.ProcessTemplate;

/**
 * The head process starts a group of worker processes, placed anywhere in the runtime; each prints a greeting
 * naming the node it runs on; the head waits for them all. Run it with
 * {@code dragon examples/target/examples-hello.jar [workers]}.
 */
public final class Hello {
    private Hello() {
    }

    public static void main(String[] args) throws InterruptedException {
        int workers = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        System.out.println("head process " + Process.current().puid() + " starts " + workers + " workers");
        ProcessGroup group = new ProcessGroup();
        for (int i = 0; i < workers; i++) {
            int worker = i;
            group.add(ProcessTemplate.of(() -> greet(worker)).withName("worker-" + worker), 1);
        }
        boolean allSucceeded = group.start().join();
        long failed = group.members().stream().filter(member -> member.exitCode() != 0).count();
        System.out.println("all " + workers + " workers done" + (allSucceeded ? "" : ", " + failed + " failed"));
        System.exit(allSucceeded ? 0 : 1);
    }

    private static void greet(int worker) {
        System.out.println("hello from worker " + worker + " (pid " + ProcessHandle.current().pid() + " on "
            + Machine.current().here().hostname() + ")");
    }
}
