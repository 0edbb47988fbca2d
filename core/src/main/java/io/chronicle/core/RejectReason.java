package io.chronicle.core;

/** The stable reason codes of rejected records. Codes are part of the public contract. */
public enum RejectReason {
    EMPTY_PAYLOAD("empty_payload"),
    OVERSIZED_PAYLOAD("oversized_payload"),
    INVALID_UTF8("invalid_utf8"),
    MALFORMED_JSON("malformed_json"),
    /** A line of InfluxDB line protocol that does not parse: the line is refused whole. */
    MALFORMED_LINE("malformed_line"),
    /**
     * A record of a binary format that is not one: a snappy block or protobuf message that does
     * not decode, or a part of one that refers to what is not there.
     */
    MALFORMED_PAYLOAD("malformed_payload"),
    /** A kind of value Chronicle does not read, such as a Prometheus native histogram. */
    UNSUPPORTED_TYPE("unsupported_type"),
    NOT_AN_OBJECT("not_an_object"),
    MISSING_FIELD("missing_field"),
    WRONG_TYPE("wrong_type"),
    INVALID_METRIC_NAME("invalid_metric_name"),
    INVALID_TAG("invalid_tag"),
    TOO_MANY_TAGS("too_many_tags"),
    NON_FINITE_VALUE("non_finite_value"),
    /** A finite value the rollups' quantile sketch cannot hold: a magnitude beyond about 1.78e308. */
    VALUE_OUT_OF_RANGE("value_out_of_range"),
    INVALID_TIMESTAMP("invalid_timestamp"),
    TIMESTAMP_OUT_OF_RANGE("timestamp_out_of_range"),
    INVALID_FIELD("invalid_field"),
    /** {@code chronicle.ingest.tenant-source} is header-only and the record has no tenant header. */
    MISSING_TENANT("missing_tenant"),
    /** The record's tenant is not in {@code chronicle.ingest.tenants}. */
    TENANT_NOT_ALLOWED("tenant_not_allowed"),
    /** The record names the tenant of Chronicle's own health series, which producers may not write. */
    RESERVED_TENANT("reserved_tenant"),
    /** The point is named like one of Chronicle's own health series, which producers may not write. */
    RESERVED_METRIC_NAME("reserved_metric_name"),
    /** A point whose window was already written: later than the allowed lateness. */
    TOO_LATE("too_late"),
    /** An event of a trace that already has the most events a trace may have. */
    TOO_MANY_EVENTS("too_many_events"),
    /** A point of a new series of a tenant that already has the most active series it may have. */
    CARDINALITY_LIMIT("cardinality_limit"),
    /** Normalization failed in a way Chronicle did not foresee: a bug, never a job failure. */
    UNEXPECTED_ERROR("unexpected_error");

    private final String code;

    RejectReason(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }
}
