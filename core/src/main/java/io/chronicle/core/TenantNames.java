package io.chronicle.core;

import io.chronicle.core.alerts.HealthRules;
import org.apache.flink.configuration.Configuration;

/**
 * What a tenant may be called: 1 to {@value #MAX_LENGTH} of {@code [A-Za-z0-9_.-]}, starting with a
 * letter or digit. ASCII only, so a name is the same string in Java, UTF-8, Parquet and every
 * reader, and a tenant header's bytes can be checked without decoding them.
 */
public final class TenantNames {

    public static final int MAX_LENGTH = 128;

    /** The tenant of Chronicle's own health series: no record from outside may name it. */
    public static final String RESERVED = HealthRules.SYSTEM_TENANT;

    public static final String RULE = "1 to " + MAX_LENGTH + " of [A-Za-z0-9_.-], starting with a letter or digit";

    private TenantNames() {}

    public static boolean isValid(String name) {
        if (name.isEmpty() || name.length() > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            if (!allowed(name.charAt(i), i == 0)) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code bytes} (a header's value, say) are a valid name's ASCII bytes. */
    public static boolean isValid(byte[] bytes) {
        if (bytes.length == 0 || bytes.length > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < bytes.length; i++) {
            // Negative bytes (non-ASCII) fail here too: the check is on the raw byte.
            if (!allowed((char) bytes[i], i == 0)) {
                return false;
            }
        }
        return true;
    }

    private static boolean allowed(char c, boolean first) {
        boolean alphanumeric = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        return alphanumeric || (!first && (c == '_' || c == '.' || c == '-'));
    }

    /**
     * Checks the tenant options: the default tenant and every allowed tenant must be valid names and
     * not the reserved one, and the tenant header must have a name.
     */
    static void validate(Configuration conf) {
        checkTenant(ChronicleOptions.INGEST_DEFAULT_TENANT.key(), conf.get(ChronicleOptions.INGEST_DEFAULT_TENANT));
        for (String tenant : conf.get(ChronicleOptions.INGEST_TENANTS)) {
            checkTenant(ChronicleOptions.INGEST_TENANTS.key(), tenant);
        }
        if (conf.get(ChronicleOptions.INGEST_TENANT_HEADER).isEmpty()) {
            throw new IllegalArgumentException("Invalid value for option '"
                    + ChronicleOptions.INGEST_TENANT_HEADER.key() + "': must not be empty");
        }
    }

    private static void checkTenant(String option, String tenant) {
        if (!isValid(tenant)) {
            throw new IllegalArgumentException("Invalid value for option '" + option + "': tenant '" + tenant
                    + "' must be " + RULE);
        }
        if (tenant.equals(RESERVED)) {
            throw new IllegalArgumentException("Invalid value for option '" + option + "': tenant '" + RESERVED
                    + "' is reserved for Chronicle's own health series");
        }
    }
}
