package io.chronicle.bench;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;

import java.util.List;

/** One benchmark, run by name from {@code bench/run}. */
public interface Suite {

    String name();

    /** One line for {@code bench/run --help}. */
    String description();

    /** The options it reads: the only ones it takes, and those written into its results. */
    List<ConfigOption<?>> options();

    Report run(Configuration benchConf) throws Exception;
}
