package io.chronicle.core.alerts;

import io.chronicle.core.ChronicleOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;

import java.io.Serializable;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The HTTP receivers of alerts, declared as {@code chronicle.alerts.receivers.<name>.*} keys: a
 * {@code url}, a {@code type} ({@code alertmanager} or {@code webhook}), optional
 * {@code http-headers.<Header-Name>} and, under the same suffix, any delivery option of
 * {@code chronicle.alerts.delivery.*} the receiver sets differently from the defaults. Every value is
 * checked here, failing with the offending option's name.
 */
public final class AlertReceivers implements Serializable {

    private static final long serialVersionUID = 1L;

    public static final String PREFIX = "chronicle.alerts.receivers.";
    private static final String DELIVERY_PREFIX = "chronicle.alerts.delivery.";
    private static final String URL = "url";
    private static final String TYPE = "type";
    /** Flink masks the values of keys holding "http-headers" in its logs and web UI. */
    private static final String HEADERS = "http-headers.";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]+");
    /** The delivery options a receiver may set for itself. */
    private static final List<ConfigOption<?>> OVERRIDABLE = List.of(
            ChronicleOptions.ALERTS_DELIVERY_TIMEOUT,
            ChronicleOptions.ALERTS_DELIVERY_MAX_ATTEMPTS,
            ChronicleOptions.ALERTS_DELIVERY_BACKOFF_INITIAL,
            ChronicleOptions.ALERTS_DELIVERY_BACKOFF_MAX,
            ChronicleOptions.ALERTS_DELIVERY_BACKOFF_MULTIPLIER,
            ChronicleOptions.ALERTS_DELIVERY_BACKOFF_JITTER,
            ChronicleOptions.ALERTS_DELIVERY_RATE_LIMIT,
            ChronicleOptions.ALERTS_DELIVERY_CIRCUIT_BREAKER_FAILURES,
            ChronicleOptions.ALERTS_DELIVERY_CIRCUIT_BREAKER_OPEN_DURATION,
            ChronicleOptions.ALERTS_DELIVERY_QUEUE_CAPACITY,
            ChronicleOptions.ALERTS_DELIVERY_MAX_BATCH_SIZE,
            ChronicleOptions.ALERTS_DELIVERY_RESEND_INTERVAL);

    private final List<Receiver> receivers;
    private final Duration flushTimeout;
    private final String externalUrl;

    private AlertReceivers(List<Receiver> receivers, Duration flushTimeout, String externalUrl) {
        this.receivers = receivers;
        this.flushTimeout = flushTimeout;
        this.externalUrl = externalUrl;
    }

    /** Whether {@code key} belongs to a receiver declaration. */
    public static boolean isDynamicKey(String key) {
        return key.startsWith(PREFIX);
    }

    /** Every configured receiver, by name; none when no {@code chronicle.alerts.receivers.*} key is set. */
    public static AlertReceivers from(Configuration conf) {
        Map<String, Map<String, String>> declared = new TreeMap<>();
        for (Map.Entry<String, String> e : conf.toMap().entrySet()) {
            if (!isDynamicKey(e.getKey())) {
                continue;
            }
            String rest = e.getKey().substring(PREFIX.length());
            int dot = rest.indexOf('.');
            if (dot <= 0 || dot == rest.length() - 1) {
                throw new IllegalArgumentException("Option '" + e.getKey() + "' is not a receiver"
                        + " option: receivers are declared as " + PREFIX + "<name>.url, "
                        + PREFIX + "<name>.type and so on");
            }
            String name = rest.substring(0, dot);
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("Option '" + e.getKey() + "': receiver name '"
                        + name + "' may only hold letters, digits, '_' and '-'");
            }
            declared.computeIfAbsent(name, n -> new LinkedHashMap<>())
                    .put(rest.substring(dot + 1), e.getValue());
        }
        // The defaults are checked even with no receiver, so a bad one fails before it is used.
        new Delivery(new Settings(DELIVERY_PREFIX, Map.of(), conf), null);
        List<Receiver> receivers = new ArrayList<>();
        declared.forEach((name, keys) -> receivers.add(Receiver.parse(name, keys, conf)));
        Duration flushTimeout = conf.get(ChronicleOptions.ALERTS_DELIVERY_FLUSH_TIMEOUT);
        if (flushTimeout.isNegative()) {
            throw new IllegalArgumentException("Invalid value for option '"
                    + ChronicleOptions.ALERTS_DELIVERY_FLUSH_TIMEOUT.key()
                    + "': must not be negative, got " + flushTimeout);
        }
        return new AlertReceivers(List.copyOf(receivers), flushTimeout,
                conf.get(ChronicleOptions.ALERTS_EXTERNAL_URL));
    }

    public List<Receiver> receivers() {
        return receivers;
    }

    public boolean isEmpty() {
        return receivers.isEmpty();
    }

    /** How long the end of a bounded input waits for queued alerts to be delivered. */
    public Duration flushTimeout() {
        return flushTimeout;
    }

    /** The {@code externalURL} of webhook payloads; empty when not configured. */
    public String externalUrl() {
        return externalUrl;
    }

    /** The payload a receiver takes. */
    public enum Type {
        /** Alertmanager's API v2: {@code POST <url>/api/v2/alerts} with an array of alerts. */
        ALERTMANAGER,
        /** Alertmanager's webhook payload, version 4, posted to the URL as given. */
        WEBHOOK
    }

    /** One receiver's resolved settings. */
    public static final class Receiver implements Serializable {

        private static final long serialVersionUID = 1L;
        private static final String API_PATH = "/api/v2/alerts";

        public final String name;
        public final Type type;
        /** Where requests go: for Alertmanager the API path appended to the configured URL. */
        public final URI endpoint;
        public final Map<String, String> headers;
        public final Delivery delivery;

        private Receiver(String name, Type type, URI endpoint, Map<String, String> headers,
                Delivery delivery) {
            this.name = name;
            this.type = type;
            this.endpoint = endpoint;
            this.headers = headers;
            this.delivery = delivery;
        }

        static Receiver parse(String name, Map<String, String> keys, Configuration conf) {
            String prefix = PREFIX + name + ".";
            Map<String, String> own = new LinkedHashMap<>();
            Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            Set<String> known = new TreeSet<>(List.of(URL, TYPE, HEADERS + "<Header-Name>"));
            OVERRIDABLE.forEach(o -> known.add(suffix(o)));
            for (Map.Entry<String, String> e : keys.entrySet()) {
                String key = e.getKey();
                if (key.startsWith(HEADERS) && key.length() > HEADERS.length()) {
                    String header = key.substring(HEADERS.length());
                    checkHeader(prefix + key, header, e.getValue());
                    headers.put(header, e.getValue());
                } else if (known.contains(key)) {
                    own.put(key, e.getValue());
                } else {
                    throw new IllegalArgumentException("Unknown option '" + prefix + key
                            + "'. Receiver options: " + String.join(", ", known));
                }
            }
            String typeName = own.remove(TYPE);
            if (typeName == null) {
                throw new IllegalArgumentException("Option '" + prefix + TYPE
                        + "' is missing: a receiver is of type alertmanager or webhook");
            }
            Type type;
            try {
                type = Type.valueOf(typeName.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("Invalid value for option '" + prefix + TYPE
                        + "': expected alertmanager or webhook, got '" + typeName + "'", e);
            }
            String url = own.remove(URL);
            if (url == null) {
                throw new IllegalArgumentException(
                        "Option '" + prefix + URL + "' is missing: a receiver needs a URL");
            }
            URI endpoint = endpoint(prefix + URL, url.trim(), type);
            return new Receiver(name, type, endpoint, new LinkedHashMap<>(headers),
                    new Delivery(new Settings(prefix, own, conf), type));
        }

        private static URI endpoint(String option, String url, Type type) {
            URI uri;
            try {
                uri = new URI(url);
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException(
                        "Invalid value for option '" + option + "': " + e.getMessage(), e);
            }
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
                throw new IllegalArgumentException("Invalid value for option '" + option
                        + "': expected an absolute http or https URL, got '" + url + "'");
            }
            if (type == Type.WEBHOOK) {
                return uri;
            }
            String path = uri.getRawPath() == null ? "" : uri.getRawPath();
            while (path.endsWith("/")) {
                path = path.substring(0, path.length() - 1);
            }
            if (!path.endsWith(API_PATH)) {
                path += API_PATH;
            }
            return uri.resolve(path);
        }

        /** A header the HTTP client refuses (Host, Content-Length, ...) fails here, not later. */
        private static void checkHeader(String option, String header, String value) {
            try {
                HttpRequest.newBuilder().header(header, value);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "Invalid value for option '" + option + "': " + e.getMessage(), e);
            }
        }
    }

    /** How alerts are delivered to one receiver: timeouts, retries, rate and batching. */
    public static final class Delivery implements Serializable {

        private static final long serialVersionUID = 1L;

        public final Duration timeout;
        public final int maxAttempts;
        public final Duration backoffInitial;
        public final Duration backoffMax;
        public final double backoffMultiplier;
        public final double backoffJitter;
        public final double rateLimit;
        public final int circuitBreakerFailures;
        public final Duration circuitBreakerOpenDuration;
        public final int queueCapacity;
        public final int maxBatchSize;
        /** Zero when firing alerts are not sent again. */
        public final Duration resendInterval;

        /** {@code type} is null for the defaults, which any type of receiver may take. */
        private Delivery(Settings s, Type type) {
            this.timeout = s.positive(ChronicleOptions.ALERTS_DELIVERY_TIMEOUT);
            this.maxAttempts = s.atLeastOne(ChronicleOptions.ALERTS_DELIVERY_MAX_ATTEMPTS);
            this.backoffInitial = s.positive(ChronicleOptions.ALERTS_DELIVERY_BACKOFF_INITIAL);
            this.backoffMax = s.positive(ChronicleOptions.ALERTS_DELIVERY_BACKOFF_MAX);
            if (backoffMax.compareTo(backoffInitial) < 0) {
                throw s.invalid(ChronicleOptions.ALERTS_DELIVERY_BACKOFF_MAX, "must not be shorter"
                        + " than " + s.keyOf(ChronicleOptions.ALERTS_DELIVERY_BACKOFF_INITIAL)
                        + " (" + backoffInitial + ")");
            }
            this.backoffMultiplier = s.get(ChronicleOptions.ALERTS_DELIVERY_BACKOFF_MULTIPLIER);
            if (!(backoffMultiplier >= 1.0) || Double.isInfinite(backoffMultiplier)) {
                throw s.invalid(ChronicleOptions.ALERTS_DELIVERY_BACKOFF_MULTIPLIER,
                        "must be a finite number of at least 1");
            }
            this.backoffJitter = s.get(ChronicleOptions.ALERTS_DELIVERY_BACKOFF_JITTER);
            if (!(backoffJitter >= 0.0 && backoffJitter < 1.0)) {
                throw s.invalid(ChronicleOptions.ALERTS_DELIVERY_BACKOFF_JITTER,
                        "must be at least 0 and below 1");
            }
            this.rateLimit = s.get(ChronicleOptions.ALERTS_DELIVERY_RATE_LIMIT);
            if (!(rateLimit > 0.0) || Double.isInfinite(rateLimit)) {
                throw s.invalid(ChronicleOptions.ALERTS_DELIVERY_RATE_LIMIT,
                        "must be a positive number of requests per second");
            }
            this.circuitBreakerFailures =
                    s.atLeastOne(ChronicleOptions.ALERTS_DELIVERY_CIRCUIT_BREAKER_FAILURES);
            this.circuitBreakerOpenDuration =
                    s.positive(ChronicleOptions.ALERTS_DELIVERY_CIRCUIT_BREAKER_OPEN_DURATION);
            this.queueCapacity = s.atLeastOne(ChronicleOptions.ALERTS_DELIVERY_QUEUE_CAPACITY);
            this.maxBatchSize = s.atLeastOne(ChronicleOptions.ALERTS_DELIVERY_MAX_BATCH_SIZE);
            Duration resend = s.get(ChronicleOptions.ALERTS_DELIVERY_RESEND_INTERVAL);
            if (resend.isNegative()) {
                throw s.invalid(ChronicleOptions.ALERTS_DELIVERY_RESEND_INTERVAL,
                        "must not be negative");
            }
            if (type == Type.WEBHOOK && s.isOwn(ChronicleOptions.ALERTS_DELIVERY_RESEND_INTERVAL)) {
                throw s.invalid(ChronicleOptions.ALERTS_DELIVERY_RESEND_INTERVAL,
                        "only alertmanager receivers resend firing alerts");
            }
            this.resendInterval = type == Type.ALERTMANAGER ? resend : Duration.ZERO;
        }
    }

    private static String suffix(ConfigOption<?> option) {
        return option.key().substring(DELIVERY_PREFIX.length());
    }

    /** One receiver's value of each delivery option, its own or the default. */
    private static final class Settings {
        private final String prefix;
        private final Map<String, String> own;
        private final Configuration conf;

        Settings(String prefix, Map<String, String> own, Configuration conf) {
            this.prefix = prefix;
            this.own = own;
            this.conf = conf;
        }

        boolean isOwn(ConfigOption<?> option) {
            return own.containsKey(suffix(option));
        }

        String keyOf(ConfigOption<?> option) {
            return isOwn(option) ? prefix + suffix(option) : option.key();
        }

        <T> T get(ConfigOption<T> option) {
            String raw = own.get(suffix(option));
            if (raw == null) {
                return conf.get(option);
            }
            try {
                return Configuration.fromMap(Map.of(option.key(), raw)).get(option);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("Invalid value for option '" + keyOf(option)
                        + "': " + e.getMessage(), e);
            }
        }

        Duration positive(ConfigOption<Duration> option) {
            Duration d = get(option);
            if (d.isNegative() || d.isZero()) {
                throw invalid(option, "must be positive, got " + d);
            }
            return d;
        }

        int atLeastOne(ConfigOption<Integer> option) {
            int n = get(option);
            if (n < 1) {
                throw invalid(option, "must be at least 1, got " + n);
            }
            return n;
        }

        IllegalArgumentException invalid(ConfigOption<?> option, String why) {
            return new IllegalArgumentException(
                    "Invalid value for option '" + keyOf(option) + "': " + why);
        }
    }
}
