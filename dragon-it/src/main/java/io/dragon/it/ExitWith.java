package io.dragon.it;

import io.dragon.Process;
import io.dragon.ProcessTemplate;

/**
 * Ends with the exit code given, or with an uncaught exception: the launcher's exit code is the head process's.
 * Run it with {@code dragon dragon-it/target/dragon-it-exit.jar 3} or {@code ... dragon-it-exit.jar throw MESSAGE};
 * {@code ... dragon-it-exit.jar child 3} starts a managed process that exits with 3 instead, and ends with 0.
 */
public final class ExitWith {
    private ExitWith() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length == 2 && args[0].equals("child")) {
            Process child = Process.start(ProcessTemplate.exec("/bin/sh", "-c", "exit " + Integer.parseInt(args[1])));
            System.out.println("child p_uid " + child.puid() + " exited with " + child.join());
            return;
        }
        if (args.length == 2 && args[0].equals("throw")) {
            System.out.println("throwing " + args[1]);
            throw new IllegalStateException(args[1]);
        }
        if (args.length != 1) {
            System.err.println("usage: ExitWith CODE | ExitWith throw MESSAGE | ExitWith child CODE");
            System.exit(2);
        }
        int code = Integer.parseInt(args[0]);
        System.out.println("exiting with " + code);
        System.exit(code);
    }
}
