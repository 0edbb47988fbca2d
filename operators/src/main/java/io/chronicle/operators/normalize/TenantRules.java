package io.chronicle.operators.normalize;

import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.ChronicleOptions.TenantSource;
import io.chronicle.core.RawRecord;
import io.chronicle.core.RejectReason;
import io.chronicle.core.TenantNames;
import org.apache.flink.configuration.Configuration;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;

/**
 * Which tenant a record belongs to ({@code chronicle.ingest.tenant-source}) and whether that
 * tenant may write ({@code chronicle.ingest.tenants}, and never the reserved tenant). The tenant
 * header is checked whatever the mode: given once, a valid tenant name, or the record is refused.
 */
public final class TenantRules implements Serializable {

    private static final long serialVersionUID = 1L;

    private final TenantSource source;
    private final String headerName;
    private final String defaultTenant;
    /** Empty: every tenant may write. */
    private final HashSet<String> allowed;

    public TenantRules(TenantSource source, String headerName, String defaultTenant, Set<String> allowed) {
        this.source = source;
        this.headerName = headerName;
        this.defaultTenant = defaultTenant;
        this.allowed = new HashSet<>(allowed);
    }

    public static TenantRules from(Configuration conf) {
        return new TenantRules(conf.get(ChronicleOptions.INGEST_TENANT_SOURCE),
                conf.get(ChronicleOptions.INGEST_TENANT_HEADER),
                conf.get(ChronicleOptions.INGEST_DEFAULT_TENANT),
                new HashSet<>(conf.get(ChronicleOptions.INGEST_TENANTS)));
    }

    /** Whether a payload's {@code tenant} field counts; in the header modes it is ignored. */
    boolean readsPayload() {
        return source.readsPayload();
    }

    /**
     * The tenant the record's header names, checked; null when it has none (refused instead in
     * header-only mode). The name is ASCII by rule, so its bytes are checked before any decoding.
     */
    String header(RawRecord raw) throws Rejection {
        byte[][] values = raw.tenantHeaders;
        if (values == null || values.length == 0) {
            if (source == TenantSource.HEADER_ONLY) {
                throw new Rejection(RejectReason.MISSING_TENANT, "record has no '" + headerName
                        + "' header, which " + ChronicleOptions.INGEST_TENANT_SOURCE.key() + " " + source + " requires");
            }
            return null;
        }
        // Two values are refused rather than one picked: either could be the forged one.
        if (values.length > 1) {
            throw new Rejection(RejectReason.INVALID_FIELD,
                    "record has more than one '" + headerName + "' header; at most one is allowed");
        }
        byte[] value = values[0];
        if (value == null || !TenantNames.isValid(value)) {
            throw new Rejection(RejectReason.INVALID_FIELD,
                    "header '" + headerName + "' " + describe(value) + "; a tenant must be " + TenantNames.RULE);
        }
        return new String(value, StandardCharsets.US_ASCII);
    }

    /**
     * The record's tenant, given its payload's {@code tenant} field (null when it has none) and the
     * tenant its header names (from {@link #header}), refused if it may not write.
     */
    String resolve(String payloadTenant, String headerTenant) throws Rejection {
        String tenant;
        if (payloadTenant != null && source.readsPayload()) {
            if (!TenantNames.isValid(payloadTenant)) {
                throw new Rejection(RejectReason.INVALID_FIELD,
                        "tenant " + Texts.quote(payloadTenant) + " must be " + TenantNames.RULE);
            }
            tenant = payloadTenant;
        } else if (headerTenant != null) {
            tenant = headerTenant;
        } else {
            tenant = defaultTenant;
        }
        if (tenant.equals(TenantNames.RESERVED)) {
            throw new Rejection(RejectReason.RESERVED_TENANT,
                    "tenant '" + tenant + "' is reserved for Chronicle's own health series");
        }
        if (!allowed.isEmpty() && !allowed.contains(tenant)) {
            throw new Rejection(RejectReason.TENANT_NOT_ALLOWED, "tenant '" + tenant + "' is not in "
                    + ChronicleOptions.INGEST_TENANTS.key());
        }
        return tenant;
    }

    /**
     * The tenant of a refused record's row: the tenant its header names (in header mode, the
     * default when it has none) if that tenant may write, else null. Never unchecked bytes, and
     * never a tenant the allowlist refuses, so forged headers cannot make up tenants downstream
     * (the dead-letter rate keeps state per tenant). In payload-then-header mode a record without
     * a header gets null: its payload may have named a tenant.
     */
    String ofRejected(RawRecord raw) {
        try {
            String header = header(raw);
            return header == null && source.readsPayload() ? null : resolve(null, header);
        } catch (Rejection e) {
            return null;
        }
    }

    /** A header value for a message, without echoing bytes that are not printable. */
    private static String describe(byte[] value) {
        if (value == null || value.length == 0) {
            return "is empty";
        }
        if (value.length > TenantNames.MAX_LENGTH) {
            return "is " + value.length + " bytes long";
        }
        for (byte b : value) {
            if (b < 0x20 || b > 0x7E) {
                return "holds bytes that are not printable ASCII";
            }
        }
        return "'" + new String(value, StandardCharsets.US_ASCII) + "' is not a valid tenant";
    }
}
