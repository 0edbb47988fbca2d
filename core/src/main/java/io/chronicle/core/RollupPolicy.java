package io.chronicle.core;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.util.TimeUtils;

import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The rollup settings of every tenant. Tiers, allowed lateness, retention and the most active
 * series are set globally
 * ({@code chronicle.rollup.*}), per domain ({@code chronicle.rollup.domains.<domain>.*}, a domain being a named group
 * of tenants listed in {@code chronicle.rollup.domains.<domain>.tenants}) and per tenant
 * ({@code chronicle.rollup.tenants.<tenant>.*}). A tenant's value of each key comes from the most specific
 * level that sets it; retention is merged tier by tier.
 *
 * <p>The same levels hold every other table's retention: {@code chronicle.retention.<table>}
 * globally, {@code chronicle.rollup.domains.<domain>.retention.<table>} and
 * {@code chronicle.rollup.tenants.<tenant>.retention.<table>} above it, merged table by table
 * with the tiers' retention.
 *
 * <p>The job computes the union of all tenants' tiers as one chain, finest first, each tier
 * merged from the one before; a tenant's own list decides which tiers' rows are written for it.
 */
public final class RollupPolicy implements Serializable {

    private static final long serialVersionUID = 1L;

    public static final String TENANTS_PREFIX = "chronicle.rollup.tenants.";
    public static final String DOMAINS_PREFIX = "chronicle.rollup.domains.";
    private static final String RETENTION_PREFIX = ChronicleOptions.ROLLUP_RETENTION.key() + ".";
    private static final String DOMAIN_TENANTS = "tenants";
    private static final Set<String> OVERRIDABLE = Set.of(
            suffix(ChronicleOptions.ROLLUP_TIERS),
            suffix(ChronicleOptions.ROLLUP_ALLOWED_LATENESS),
            suffix(ChronicleOptions.ROLLUP_RETENTION),
            suffix(ChronicleOptions.ROLLUP_MAX_SERIES_PER_TENANT));

    private final Settings global;
    private final Map<String, Settings> overridden;
    private final List<Tier> chain;

    private RollupPolicy(Settings global, Map<String, Settings> overridden, List<Tier> chain) {
        this.global = global;
        this.overridden = overridden;
        this.chain = chain;
    }

    /** Whether {@code key} belongs to the rollup overrides or per-tier retention keys. */
    public static boolean isDynamicKey(String key) {
        return key.startsWith(TENANTS_PREFIX) || key.startsWith(DOMAINS_PREFIX)
                || key.startsWith(RETENTION_PREFIX);
    }

    /** Resolves every tenant's settings, failing with the offending option's name. */
    public static RollupPolicy from(Configuration conf) {
        Map<String, Map<String, String>> tenantLevels = levels(conf, TENANTS_PREFIX);
        Map<String, Map<String, String>> domainLevels = levels(conf, DOMAINS_PREFIX);

        Map<String, String> domainOfTenant = new HashMap<>();
        Map<String, Level> domains = new HashMap<>();
        for (Map.Entry<String, Map<String, String>> d : domainLevels.entrySet()) {
            String prefix = DOMAINS_PREFIX + d.getKey() + ".";
            Map<String, String> keys = new HashMap<>(d.getValue());
            String members = keys.remove(DOMAIN_TENANTS);
            if (members == null) {
                throw new IllegalArgumentException("Option '" + prefix + DOMAIN_TENANTS
                        + "' is missing: a domain lists its tenants");
            }
            for (String tenant : stringList(prefix + DOMAIN_TENANTS, members)) {
                String other = domainOfTenant.put(tenant, d.getKey());
                if (other != null) {
                    throw new IllegalArgumentException("Tenant '" + tenant + "' is listed in"
                            + " domains '" + other + "' and '" + d.getKey() + "' (options '"
                            + DOMAINS_PREFIX + other + ".tenants', '" + prefix + "tenants')");
                }
            }
            domains.put(d.getKey(), Level.parse(prefix, keys));
        }

        Level globalLevel = Level.parse("chronicle.rollup.", globalKeys(conf));
        Settings global = globalLevel.over(Settings.defaults(conf));
        Set<String> named = new TreeSet<>(tenantLevels.keySet());
        named.addAll(domainOfTenant.keySet());
        Map<String, Settings> overridden = new HashMap<>();
        for (String tenant : named) {
            Settings s = global;
            String domain = domainOfTenant.get(tenant);
            if (domain != null) {
                s = domains.get(domain).over(s);
            }
            Map<String, String> own = tenantLevels.get(tenant);
            if (own != null) {
                s = Level.parse(TENANTS_PREFIX + tenant + ".", own).over(s);
            }
            overridden.put(tenant, s);
        }

        TreeSet<Tier> union = new TreeSet<>(global.tiers);
        overridden.values().forEach(s -> union.addAll(s.tiers));
        List<Tier> chain = new ArrayList<>(union);
        for (int i = 1; i < chain.size(); i++) {
            if (chain.get(i).micros() % chain.get(i - 1).micros() != 0) {
                throw new IllegalArgumentException("Option '" + ChronicleOptions.ROLLUP_TIERS.key()
                        + "': tier " + chain.get(i) + " cannot be merged from " + chain.get(i - 1)
                        + " windows (every tier, over all tenants, must be a multiple of the"
                        + " next finer one)");
            }
        }
        for (Settings s : concat(global, overridden.values())) {
            for (Tier tier : s.retention.keySet()) {
                if (!union.contains(tier)) {
                    throw new IllegalArgumentException("Option '" + RETENTION_PREFIX + tier
                            + "': no tenant has a " + tier + " tier");
                }
            }
        }
        return new RollupPolicy(global, overridden, List.copyOf(chain));
    }

    /** Every tier any tenant has, finest first. */
    public List<Tier> chain() {
        return chain;
    }

    public Settings forTenant(String tenant) {
        // Asked once per point: without overrides, the tenant is not even hashed.
        return overridden.isEmpty() ? global : overridden.getOrDefault(tenant, global);
    }

    /** Settings of tenants not named by any override. */
    public Settings global() {
        return global;
    }

    /** Tenants with settings of their own, directly or through a domain. */
    public Set<String> overriddenTenants() {
        return new TreeSet<>(overridden.keySet());
    }

    /** One tenant's resolved settings. */
    public static final class Settings implements Serializable {

        private static final long serialVersionUID = 1L;

        private final List<Tier> tiers;
        private final Duration allowedLateness;
        private final Map<Tier, Duration> retention;
        private final Map<String, Duration> tableRetention;
        private final long maxSeries;

        Settings(List<Tier> tiers, Duration allowedLateness, Map<Tier, Duration> retention,
                Map<String, Duration> tableRetention, long maxSeries) {
            this.tiers = List.copyOf(tiers);
            this.allowedLateness = allowedLateness;
            this.retention = Map.copyOf(retention);
            this.tableRetention = Map.copyOf(tableRetention);
            this.maxSeries = maxSeries;
        }

        /** The defaults, with the tables' retention as {@code chronicle.retention.<table>} sets it. */
        private static Settings defaults(Configuration conf) {
            Map<String, Duration> tables = new HashMap<>();
            ChronicleOptions.TABLE_RETENTION.forEach((table, option) -> {
                Duration keep = get(conf, option, option.key());
                if (keep != null) {
                    tables.put(table, positive(option.key(), keep));
                }
            });
            return new Settings(
                    tiersOf("chronicle.rollup.tiers", ChronicleOptions.ROLLUP_TIERS.defaultValue()),
                    ChronicleOptions.ROLLUP_ALLOWED_LATENESS.defaultValue(),
                    Map.of(),
                    tables,
                    ChronicleOptions.ROLLUP_MAX_SERIES_PER_TENANT.defaultValue());
        }

        public List<Tier> tiers() {
            return tiers;
        }

        public boolean writes(Tier tier) {
            return tiers.contains(tier);
        }

        public long allowedLatenessMicros() {
            return allowedLateness.toNanos() / 1_000L;
        }

        public Duration allowedLateness() {
            return allowedLateness;
        }

        /** How long {@code tier}'s rows are kept; empty means forever. */
        public Optional<Duration> retention(Tier tier) {
            return Optional.ofNullable(retention.get(tier));
        }

        /**
         * How long the rows of {@code table} (one of {@link ChronicleOptions#TABLE_RETENTION}'s
         * names) are kept; empty means forever.
         */
        public Optional<Duration> retention(String table) {
            return Optional.ofNullable(tableRetention.get(table));
        }

        /** The most active series the tenant's rollups hold. */
        public long maxSeries() {
            return maxSeries;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Settings && ((Settings) o).tiers.equals(tiers)
                    && ((Settings) o).allowedLateness.equals(allowedLateness)
                    && ((Settings) o).retention.equals(retention)
                    && ((Settings) o).tableRetention.equals(tableRetention)
                    && ((Settings) o).maxSeries == maxSeries;
        }

        @Override
        public int hashCode() {
            return (((tiers.hashCode() * 31 + allowedLateness.hashCode()) * 31 + retention.hashCode()) * 31
                    + tableRetention.hashCode()) * 31 + Long.hashCode(maxSeries);
        }

        @Override
        public String toString() {
            return "tiers " + tiers + ", allowed lateness " + allowedLateness + ", retention "
                    + new TreeMap<>(retention) + ", tables' retention " + new TreeMap<>(tableRetention)
                    + ", max series " + maxSeries;
        }
    }

    /** A window size; its label names the tier's table ({@code rollup_5m}). */
    public static final class Tier implements Comparable<Tier>, Serializable {

        private static final long serialVersionUID = 1L;

        private final long seconds;

        private Tier(long seconds) {
            this.seconds = seconds;
        }

        public static Tier parse(String option, String text) {
            Duration size;
            try {
                size = TimeUtils.parseDuration(text.trim());
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(
                        "Invalid value for option '" + option + "': '" + text + "' is not a duration", e);
            }
            if (size.isNegative() || size.isZero() || size.toNanos() % 1_000_000_000L != 0) {
                throw new IllegalArgumentException("Invalid value for option '" + option
                        + "': a tier is a positive whole number of seconds, got '" + text + "'");
            }
            return new Tier(size.getSeconds());
        }

        public long micros() {
            return seconds * 1_000_000L;
        }

        public String tableName() {
            return "rollup_" + this;
        }

        @Override
        public int compareTo(Tier o) {
            return Long.compare(seconds, o.seconds);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Tier && ((Tier) o).seconds == seconds;
        }

        @Override
        public int hashCode() {
            return Long.hashCode(seconds);
        }

        /** The shortest label: 5m, 1h, 1d, 90s. */
        @Override
        public String toString() {
            if (seconds % 86_400 == 0) {
                return seconds / 86_400 + "d";
            } else if (seconds % 3_600 == 0) {
                return seconds / 3_600 + "h";
            } else if (seconds % 60 == 0) {
                return seconds / 60 + "m";
            }
            return seconds + "s";
        }
    }

    /** The keys one level sets, parsed; absent keys fall through to the level below. */
    private static final class Level {
        private List<Tier> tiers;
        private Duration allowedLateness;
        private final Map<Tier, Duration> retention = new HashMap<>();
        private final Map<String, Duration> tableRetention = new HashMap<>();
        private Long maxSeries;

        static Level parse(String prefix, Map<String, String> keys) {
            Level level = new Level();
            Configuration asGlobal = new Configuration();
            for (Map.Entry<String, String> e : keys.entrySet()) {
                String key = e.getKey();
                String head = key.contains(".") ? key.substring(0, key.indexOf('.')) : key;
                if (!OVERRIDABLE.contains(head)) {
                    throw new IllegalArgumentException("Unknown option '" + prefix + key
                            + "'. A tenant or domain may set: " + new TreeSet<>(OVERRIDABLE)
                            + (prefix.startsWith(DOMAINS_PREFIX) ? " and tenants" : ""));
                }
                asGlobal.setString("chronicle.rollup." + key, e.getValue());
            }
            if (keys.containsKey(suffix(ChronicleOptions.ROLLUP_TIERS))) {
                String option = prefix + suffix(ChronicleOptions.ROLLUP_TIERS);
                level.tiers = tiersOf(option, get(asGlobal, ChronicleOptions.ROLLUP_TIERS, option));
            }
            if (keys.containsKey(suffix(ChronicleOptions.ROLLUP_ALLOWED_LATENESS))) {
                String option = prefix + suffix(ChronicleOptions.ROLLUP_ALLOWED_LATENESS);
                level.allowedLateness = get(asGlobal, ChronicleOptions.ROLLUP_ALLOWED_LATENESS, option);
                if (level.allowedLateness.isNegative()) {
                    throw new IllegalArgumentException(
                            "Invalid value for option '" + option + "': must not be negative");
                }
            }
            if (keys.containsKey(suffix(ChronicleOptions.ROLLUP_MAX_SERIES_PER_TENANT))) {
                String option = prefix + suffix(ChronicleOptions.ROLLUP_MAX_SERIES_PER_TENANT);
                level.maxSeries = get(asGlobal, ChronicleOptions.ROLLUP_MAX_SERIES_PER_TENANT, option);
                if (level.maxSeries <= 0) {
                    throw new IllegalArgumentException(
                            "Invalid value for option '" + option + "': must be positive, got " + level.maxSeries);
                }
            }
            String retentionOption = prefix + suffix(ChronicleOptions.ROLLUP_RETENTION);
            Map<String, String> retention =
                    get(asGlobal, ChronicleOptions.ROLLUP_RETENTION, retentionOption);
            for (Map.Entry<String, String> e : retention.entrySet()) {
                String option = retentionOption + "." + e.getKey();
                Duration keep;
                try {
                    keep = TimeUtils.parseDuration(e.getValue().trim());
                } catch (RuntimeException ex) {
                    throw new IllegalArgumentException("Invalid value for option '" + option
                            + "': '" + e.getValue() + "' is not a duration", ex);
                }
                positive(option, keep);
                if (ChronicleOptions.TABLE_RETENTION.containsKey(e.getKey())) {
                    if (!prefix.startsWith(TENANTS_PREFIX) && !prefix.startsWith(DOMAINS_PREFIX)) {
                        throw new IllegalArgumentException("Unknown option '" + option + "': a table's"
                                + " global retention is " + ChronicleOptions.TABLE_RETENTION.get(e.getKey()).key());
                    }
                    level.tableRetention.put(e.getKey(), keep);
                } else if (Character.isDigit(e.getKey().isEmpty() ? 'x' : e.getKey().charAt(0))) {
                    level.retention.put(Tier.parse(option, e.getKey()), keep);
                } else {
                    throw new IllegalArgumentException("Unknown option '" + option + "': retention is"
                            + " set for a tier (5m, 1h, ...) or one of the tables "
                            + new TreeSet<>(ChronicleOptions.TABLE_RETENTION.keySet()));
                }
            }
            return level;
        }

        Settings over(Settings below) {
            Map<Tier, Duration> merged = new HashMap<>(below.retention);
            merged.putAll(retention);
            Map<String, Duration> mergedTables = new HashMap<>(below.tableRetention);
            mergedTables.putAll(tableRetention);
            return new Settings(
                    tiers != null ? tiers : below.tiers,
                    allowedLateness != null ? allowedLateness : below.allowedLateness,
                    merged,
                    mergedTables,
                    maxSeries != null ? maxSeries : below.maxSeries);
        }
    }

    private static Duration positive(String option, Duration keep) {
        if (keep.isNegative() || keep.isZero()) {
            throw new IllegalArgumentException(
                    "Invalid value for option '" + option + "': must be positive, got " + keep);
        }
        return keep;
    }

    private static <T> T get(Configuration conf, ConfigOption<T> option, String reportedKey) {
        try {
            return conf.get(option);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    "Invalid value for option '" + reportedKey + "': " + e.getMessage(), e);
        }
    }

    /** A list value in Flink's list syntax ({@code a;b} or YAML {@code [a, b]}). */
    private static List<String> stringList(String option, String value) {
        Configuration c = new Configuration();
        c.setString(ChronicleOptions.ROLLUP_COUNTERS.key(), value);
        return get(c, ChronicleOptions.ROLLUP_COUNTERS, option);
    }

    private static List<Tier> tiersOf(String option, List<String> labels) {
        TreeSet<Tier> tiers = new TreeSet<>();
        for (String label : labels) {
            if (!tiers.add(Tier.parse(option, label))) {
                throw new IllegalArgumentException(
                        "Invalid value for option '" + option + "': tier " + label + " is listed twice");
            }
        }
        return new ArrayList<>(tiers);
    }

    /** The global level's keys, relative to {@code chronicle.rollup.}. */
    private static Map<String, String> globalKeys(Configuration conf) {
        Map<String, String> keys = new LinkedHashMap<>();
        conf.toMap().forEach((k, v) -> {
            if (k.startsWith("chronicle.rollup.") && !k.startsWith(TENANTS_PREFIX) && !k.startsWith(DOMAINS_PREFIX)) {
                String rest = k.substring("chronicle.rollup.".length());
                String head = rest.contains(".") ? rest.substring(0, rest.indexOf('.')) : rest;
                if (OVERRIDABLE.contains(head)) {
                    keys.put(rest, v);
                }
            }
        });
        return keys;
    }

    /** {@code chronicle.rollup.<kind>.<name>.<key>} grouped by name, keys relative to the name. */
    private static Map<String, Map<String, String>> levels(Configuration conf, String prefix) {
        Map<String, Map<String, String>> byName = new TreeMap<>();
        conf.toMap().forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                String rest = k.substring(prefix.length());
                int dot = rest.indexOf('.');
                if (dot <= 0 || dot == rest.length() - 1) {
                    throw new IllegalArgumentException("Unknown option '" + k + "': expected "
                            + prefix + "<name>.<option>");
                }
                byName.computeIfAbsent(rest.substring(0, dot), n -> new HashMap<>())
                        .put(rest.substring(dot + 1), v);
            }
        });
        return byName;
    }

    private static String suffix(ConfigOption<?> option) {
        return option.key().substring("chronicle.rollup.".length());
    }

    private static List<Settings> concat(Settings first, java.util.Collection<Settings> rest) {
        List<Settings> all = new ArrayList<>(rest);
        all.add(first);
        return all;
    }
}
