package io.dragon.it;

/**
 * Ends with the exit code given, or with an uncaught exception: the launcher's exit code is the head process's.
 * Run it with {@code dragon dragon-it/target/dragon-it-exit.jar 3} or {@code ... dragon-it-exit.jar throw MESSAGE}.
 */
public final class ExitWith {
    private ExitWith() {
    }

    public static void main(String[] args) {
        if (args.length == 2 && args[0].equals("throw")) {
            System.out.println("throwing " + args[1]);
            throw new IllegalStateException(args[1]);
        }
        if (args.length != 1) {
            System.err.println("usage: ExitWith CODE | ExitWith throw MESSAGE");
            System.exit(2);
        }
        int code = Integer.parseInt(args[0]);
        System.out.println("exiting with " + code);
        System.exit(code);
    }
}
