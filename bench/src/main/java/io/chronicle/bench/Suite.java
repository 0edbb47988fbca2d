package io.chronicle.bench;

import org.apache.flink.configuration.Configuration;

/** One benchmark, run by name from {@code bench/run}. */
public interface Suite {

    String name();

    /** One line for {@code bench/run --help}. */
    String description();

    Report run(Configuration benchConf) throws Exception;
}
