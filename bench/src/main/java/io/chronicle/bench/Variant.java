package io.chronicle.bench;

/** One of the contenders of a suite, run several times over the same input. */
public interface Variant {

    String name();

    /** Runs once over the whole input; {@code round} 0 is the warm-up. */
    Report.Run run(int round) throws Exception;
}
