package io.chronicle.operators.normalize;

import io.chronicle.core.ChronicleOptions;
import org.apache.flink.configuration.Configuration;

import java.io.Serializable;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/** The limits normalization enforces, resolved once from configuration. */
public final class NormalizerSettings implements Serializable {

    private static final long serialVersionUID = 1L;

    final int maxPayloadBytes;
    final int maxTags;
    final long minTimestampMicros;
    final long maxFutureSkewMicros;
    final TenantRules tenants;

    public NormalizerSettings(
            int maxPayloadBytes,
            int maxTags,
            long minTimestampMicros,
            long maxFutureSkewMicros,
            TenantRules tenants) {
        this.maxPayloadBytes = maxPayloadBytes;
        this.maxTags = maxTags;
        this.minTimestampMicros = minTimestampMicros;
        this.maxFutureSkewMicros = maxFutureSkewMicros;
        this.tenants = tenants;
    }

    public static NormalizerSettings from(Configuration conf) {
        Instant min = Instant.parse(conf.get(ChronicleOptions.INGEST_MIN_TIMESTAMP));
        return new NormalizerSettings(
                conf.get(ChronicleOptions.INGEST_MAX_PAYLOAD_BYTES),
                conf.get(ChronicleOptions.INGEST_MAX_TAGS),
                TimeUnit.SECONDS.toMicros(min.getEpochSecond()) + min.getNano() / 1000,
                TimeUnit.NANOSECONDS.toMicros(
                        conf.get(ChronicleOptions.INGEST_MAX_FUTURE_SKEW).toNanos()),
                TenantRules.from(conf));
    }

    public static NormalizerSettings defaults() {
        return from(new Configuration());
    }
}
