package io.chronicle.core;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * The watcher's settings ({@code chronicle.watch.*}), read and checked once: what it watches,
 * how often, and the threshold of each alert. {@link ChronicleConfig#validated} builds one, so a
 * bad value fails any program at start, naming the option.
 */
public final class WatchSettings {

    /** The REST APIs of the clusters running the watched jobs, each looked for in every one. */
    public final List<URI> flinkRestUrls;
    public final boolean catchUpCheckpoints;
    public final List<String> jobs;
    public final List<String> consumerGroups;
    /** Empty: every table of {@link #namespace}. */
    public final List<String> tables;
    public final String namespace;
    public final Duration interval;
    public final Duration requestTimeout;
    public final Duration forDuration;
    public final int maxRestarts;
    public final Duration restartWindow;
    public final long maxConsumerLag;
    public final Duration maxWatermarkLag;
    public final Duration maxCheckpointAge;
    public final Duration maxCommitAge;
    public final String host;
    public final int port;

    private WatchSettings(Configuration conf) {
        List<String> urls = names(conf, ChronicleOptions.WATCH_FLINK_REST_URL);
        if (urls.isEmpty()) {
            throw invalid(ChronicleOptions.WATCH_FLINK_REST_URL, "names no cluster");
        }
        this.flinkRestUrls = urls.stream().map(url -> httpUrl(ChronicleOptions.WATCH_FLINK_REST_URL, url)).toList();
        this.catchUpCheckpoints = conf.get(ChronicleOptions.WATCH_CATCH_UP_CHECKPOINTS);
        // By default, the jobs Chronicle runs for this configuration as it is deployed, split.
        List<ChronicleJob> split = ChronicleJob.split(conf);
        List<String> jobs = names(conf, ChronicleOptions.WATCH_JOBS);
        this.jobs = jobs.isEmpty() ? split.stream().map(ChronicleJob::jobName).toList() : jobs;
        List<String> groups = names(conf, ChronicleOptions.WATCH_CONSUMER_GROUPS);
        this.consumerGroups = groups.isEmpty() ? split.stream().filter(ChronicleJob::readsKafka)
                .map(job -> job.consumerGroup(conf)).toList() : groups;
        this.tables = names(conf, ChronicleOptions.WATCH_TABLES);
        this.namespace = conf.get(ChronicleOptions.CATALOG_NAMESPACE);
        this.interval = positive(conf, ChronicleOptions.WATCH_INTERVAL);
        this.requestTimeout = positive(conf, ChronicleOptions.WATCH_REQUEST_TIMEOUT);
        // A round's requests must end before the next round starts, or rounds would pile up.
        if (requestTimeout.compareTo(interval) > 0) {
            throw invalid(ChronicleOptions.WATCH_REQUEST_TIMEOUT, "must not be longer than '"
                    + ChronicleOptions.WATCH_INTERVAL.key() + "' (" + interval + "), got " + requestTimeout);
        }
        this.forDuration = conf.get(ChronicleOptions.WATCH_FOR);
        if (forDuration.isNegative()) {
            throw invalid(ChronicleOptions.WATCH_FOR, "must not be negative, got " + forDuration);
        }
        this.maxRestarts = conf.get(ChronicleOptions.WATCH_MAX_RESTARTS);
        if (maxRestarts < 0) {
            throw invalid(ChronicleOptions.WATCH_MAX_RESTARTS, "must not be negative, got " + maxRestarts);
        }
        this.restartWindow = positive(conf, ChronicleOptions.WATCH_RESTART_WINDOW);
        this.maxConsumerLag = conf.get(ChronicleOptions.WATCH_MAX_CONSUMER_LAG);
        if (maxConsumerLag < 0) {
            throw invalid(ChronicleOptions.WATCH_MAX_CONSUMER_LAG, "must not be negative, got " + maxConsumerLag);
        }
        this.maxWatermarkLag = positive(conf, ChronicleOptions.WATCH_MAX_WATERMARK_LAG);
        this.maxCheckpointAge = positive(conf, ChronicleOptions.WATCH_MAX_CHECKPOINT_AGE);
        this.maxCommitAge = positive(conf, ChronicleOptions.WATCH_MAX_COMMIT_AGE);
        this.host = conf.get(ChronicleOptions.WATCH_HOST).trim();
        if (host.isEmpty()) {
            throw invalid(ChronicleOptions.WATCH_HOST, "must not be empty");
        }
        this.port = conf.get(ChronicleOptions.WATCH_PORT);
        if (port < 0 || port > 65_535) {
            throw invalid(ChronicleOptions.WATCH_PORT, "must be from 0 to 65535, got " + port);
        }
    }

    public static WatchSettings from(Configuration conf) {
        return new WatchSettings(conf);
    }

    private static URI httpUrl(ConfigOption<?> option, String raw) {
        try {
            URI uri = new URI(raw.endsWith("/") ? raw.substring(0, raw.length() - 1) : raw);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null) {
                return uri;
            }
        } catch (URISyntaxException e) {
            // reported below
        }
        throw invalid(option, "expected an absolute http or https URL, got '" + raw + "'");
    }

    private static List<String> names(Configuration conf, ConfigOption<List<String>> option) {
        List<String> names = conf.get(option).stream().map(String::trim).toList();
        if (names.stream().anyMatch(String::isEmpty)) {
            throw invalid(option, "holds an empty name");
        }
        if (names.stream().distinct().count() != names.size()) {
            throw invalid(option, "names one twice");
        }
        return names;
    }

    private static Duration positive(Configuration conf, ConfigOption<Duration> option) {
        Duration d = conf.get(option);
        if (d.isNegative() || d.isZero()) {
            throw invalid(option, "must be positive, got " + d);
        }
        return d;
    }

    private static IllegalArgumentException invalid(ConfigOption<?> option, String why) {
        return new IllegalArgumentException("Invalid value for option '" + option.key() + "': " + why);
    }
}
