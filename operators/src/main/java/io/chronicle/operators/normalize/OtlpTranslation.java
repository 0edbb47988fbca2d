package io.chronicle.operators.normalize;

import io.chronicle.core.ChronicleOptions;
import org.apache.flink.configuration.Configuration;

import java.io.Serializable;
import java.util.List;

/**
 * How {@link OtlpMetricsDecoder} translates OTLP metrics into points, after Prometheus' own OTLP
 * settings: the names' suffixes, the finest exponential-histogram scale kept, the resource
 * attributes and the scope metadata kept as tags.
 */
public record OtlpTranslation(boolean nameSuffixes, int maxExponentialScale,
        List<String> promotedResourceAttributes, boolean promoteScopeMetadata) implements Serializable {

    /** The options' defaults. */
    public static final OtlpTranslation DEFAULTS = from(new Configuration());

    public OtlpTranslation {
        if (maxExponentialScale < OtlpMetricsDecoder.MIN_SCALE || maxExponentialScale > OtlpMetricsDecoder.MAX_SCALE) {
            throw new IllegalArgumentException("maxExponentialScale must be from " + OtlpMetricsDecoder.MIN_SCALE
                    + " to " + OtlpMetricsDecoder.MAX_SCALE + ", got " + maxExponentialScale);
        }
        promotedResourceAttributes = List.copyOf(promotedResourceAttributes);
    }

    /** The translation {@code conf}'s {@code chronicle.formats.otlp.*} options name. */
    public static OtlpTranslation from(Configuration conf) {
        return new OtlpTranslation(conf.get(ChronicleOptions.OTLP_NAME_SUFFIXES),
                conf.get(ChronicleOptions.OTLP_EXPONENTIAL_MAX_SCALE),
                conf.get(ChronicleOptions.OTLP_PROMOTED_RESOURCE_ATTRIBUTES),
                conf.get(ChronicleOptions.OTLP_PROMOTE_SCOPE_METADATA));
    }

    public OtlpTranslation withNameSuffixes(boolean suffixes) {
        return new OtlpTranslation(suffixes, maxExponentialScale, promotedResourceAttributes, promoteScopeMetadata);
    }

    public OtlpTranslation withMaxExponentialScale(int scale) {
        return new OtlpTranslation(nameSuffixes, scale, promotedResourceAttributes, promoteScopeMetadata);
    }

    public OtlpTranslation withPromotedResourceAttributes(String... attributes) {
        return new OtlpTranslation(nameSuffixes, maxExponentialScale, List.of(attributes), promoteScopeMetadata);
    }

    public OtlpTranslation withScopeMetadata(boolean promote) {
        return new OtlpTranslation(nameSuffixes, maxExponentialScale, promotedResourceAttributes, promote);
    }
}
