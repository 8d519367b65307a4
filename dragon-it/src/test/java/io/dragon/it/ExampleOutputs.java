package io.dragon.it;

import java.util.regex.Pattern;

/** What the examples print where it does not depend on the nodes, for ExamplesIT and SlurmClusterIT. */
final class ExampleOutputs {
    /** ParameterSweep's table, without its node column ({@link #withoutNodeColumn}). */
    static final String SWEEP_TABLE = """
        alpha  beta   result restarts
            1    10       10        0
            1    20       20        0
            1    30       30        0
            2    10       40        0
            2    20       80        1
            2    30      120        0
            3    10       90        0
            3    20      180        0
            3    30      270        0
        """;
    /**
     * A regular expression of Heat's output with its defaults (4 workers, 120 cells, 500 steps); group 1 is the
     * list of the nodes its workers ran on.
     */
    static final String HEAT = "heat: 120 cells, 500 steps, 4 workers on \\[([^]]*)\\]\n" + Pattern.quote("""
        total heat 3989.567384, hottest cell 79.389269, at the ends 0.190198 and 0.190198
        the same as the serial computation, bit for bit
        """);

    private ExampleOutputs() {
    }

    /** ParameterSweep's output without the last column of its table: which node ran what is not deterministic. */
    static String withoutNodeColumn(String output) {
        return output.replaceAll("(?m)  \\S+$", "");
    }
}
