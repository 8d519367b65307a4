package io.dragon.bench;

/**
 * Entry point of the two-process benchmarks: {@code BenchMain <benchmark> ping [key=value...]}.
 *
 * <p>The ping process creates the shared memory (a pool named after {@code rid}, or a file
 * /dev/shm/{@code rid}-agrona), starts the pong process (a second JVM with the same options, the descriptors
 * base64-encoded on its command line), runs and times the benchmark, waits for pong to exit, destroys what it created
 * and prints one line {@code BENCH key=value...} on stdout. Everything else goes to stderr. {@code bench/run.sh}
 * drives it.
 *
 * <p>Benchmarks: {@value ChannelRtt#NAME}, {@value AgronaRtt#NAME}, {@value ChannelStream#THROUGHPUT},
 * {@value AgronaThroughput#NAME}, {@value ChannelStream#BANDWIDTH}, {@value MemcpyBandwidth#NAME} (one process).
 */
public final class BenchMain {
    private BenchMain() {
    }

    public static void main(String[] args) {
        if (args.length < 2 || !(args[1].equals("ping") || args[1].equals("pong"))) {
            System.err.println("usage: BenchMain <benchmark> ping [rid=ID] [key=value...]\n"
                + "benchmarks: " + ChannelRtt.NAME + " " + AgronaRtt.NAME + " " + ChannelStream.THROUGHPUT + " "
                + AgronaThroughput.NAME + " " + ChannelStream.BANDWIDTH + " " + MemcpyBandwidth.NAME);
            System.exit(2);
        }
        String benchmark = args[0];
        boolean ping = args[1].equals("ping");
        try {
            Options options = Options.parse(args, 2);
            if (ping) {
                if (options.get("rid", null) == null) {
                    options.put("rid", "bench" + ProcessHandle.current().pid());
                }
                System.err.println("ping " + benchmark + " " + options);
            } else {
                Pong.exitWithParent();
            }
            run(benchmark, ping, options);
        } catch (Throwable e) {
            System.err.print(args[1] + " " + benchmark + " failed: ");
            e.printStackTrace();
            System.exit(1);
        }
        System.exit(0);
    }

    private static void run(String benchmark, boolean ping, Options options) throws Exception {
        switch (benchmark) {
            case ChannelRtt.NAME -> {
                if (ping) {
                    ChannelRtt.ping(options);
                } else {
                    ChannelRtt.pong(options);
                }
            }
            case AgronaRtt.NAME -> {
                if (ping) {
                    AgronaRtt.ping(options);
                } else {
                    AgronaRtt.pong(options);
                }
            }
            case ChannelStream.THROUGHPUT, ChannelStream.BANDWIDTH -> {
                if (ping) {
                    ChannelStream.ping(benchmark, options);
                } else {
                    ChannelStream.pong(options);
                }
            }
            case AgronaThroughput.NAME -> {
                if (ping) {
                    AgronaThroughput.ping(options);
                } else {
                    AgronaThroughput.pong(options);
                }
            }
            case MemcpyBandwidth.NAME -> {
                if (!ping) {
                    throw new IllegalArgumentException(MemcpyBandwidth.NAME + " has no pong process");
                }
                MemcpyBandwidth.ping(options);
            }
            default -> throw new IllegalArgumentException("unknown benchmark " + benchmark);
        }
    }

    /** Prints the result line {@code BENCH k1=v1 k2=v2 ...} on stdout. */
    static void report(String... keysAndValues) {
        StringBuilder line = new StringBuilder("BENCH");
        for (int i = 0; i + 1 < keysAndValues.length; i += 2) {
            line.append(' ').append(keysAndValues[i]).append('=').append(keysAndValues[i + 1]);
        }
        System.out.println(line);
        System.out.flush();
    }
}
