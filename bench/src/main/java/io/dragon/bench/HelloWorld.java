package io.dragon.bench;

/**
 * The trivial program of {@code bench/run.sh bringup_vs_java}: prints one line and exits. It is packaged alone in
 * {@code target/dragon-bench-*-hello-world.jar} (no dependencies), which the benchmark runs both with
 * {@code bin/dragon} and with plain {@code java -jar}.
 */
public final class HelloWorld {
    /** The line the benchmark looks for in the output of every run. */
    static final String LINE = "hello world";

    private HelloWorld() {
    }

    public static void main(String[] args) {
        System.out.println(LINE);
    }
}
