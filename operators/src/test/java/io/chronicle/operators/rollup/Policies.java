package io.chronicle.operators.rollup;

import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.RollupPolicy;
import org.apache.flink.configuration.Configuration;

import java.time.Duration;

/** Rollup policies for tests. */
final class Policies {

    private Policies() {}

    static RollupPolicy lateness(long micros) {
        Configuration conf = new Configuration();
        conf.set(ChronicleOptions.ROLLUP_ALLOWED_LATENESS, Duration.ofNanos(micros * 1_000L));
        return RollupPolicy.from(conf);
    }

    /** Every tenant {@code globalMicros}, except one tenant with its own lateness. */
    static RollupPolicy lateness(long globalMicros, String tenant, long tenantMicros) {
        Configuration conf = new Configuration();
        conf.set(ChronicleOptions.ROLLUP_ALLOWED_LATENESS, Duration.ofNanos(globalMicros * 1_000L));
        conf.setString(RollupPolicy.TENANTS_PREFIX + tenant + ".allowed-lateness",
                tenantMicros / 1_000L + " ms");
        return RollupPolicy.from(conf);
    }
}
