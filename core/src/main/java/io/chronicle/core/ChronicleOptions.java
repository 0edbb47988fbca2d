package io.chronicle.core;

import org.apache.flink.configuration.ConfigOption;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.apache.flink.configuration.ConfigOptions.key;

/**
 * Every Chronicle option, declared once with its default and description. The option table of
 * docs/configuration.md is checked against this class by a test. Flink's own options
 * (checkpointing, state backend, parallelism) are given in the same file under their usual keys.
 */
public final class ChronicleOptions {

    /** Prefixes whose keys are handed to a client unchanged rather than declared here. */
    public static final String KAFKA_PROPERTIES_PREFIX = "chronicle.kafka.properties.";
    public static final String CATALOG_PROPERTIES_PREFIX = "chronicle.catalog.properties.";

    /**
     * Chronicle's namespace: every Chronicle option lives under it, so Chronicle's options can sit
     * in a Flink configuration beside Flink's own (whose {@code s3.*}, {@code traces.*} and
     * {@code events.*} keys are not Chronicle's). An undeclared key under it is a mistake.
     */
    public static final String PREFIX = "chronicle.";

    private ChronicleOptions() {}

    // ---- Jobs -----------------------------------------------------------------------------

    public static final ConfigOption<ChronicleJob> JOB =
            key("chronicle.job")
                    .enumType(ChronicleJob.class)
                    .defaultValue(ChronicleJob.ALL)
                    .withDescription(
                            "Which job this run is: ingest (points_raw, events, rejected and the"
                                    + " dead-letter topic), rollups (the tiers), views (traces,"
                                    + " agent_metrics), alerts (rules, alerts, anomalies, health),"
                                    + " delivery (the chronicle.alerts topic to the HTTP receivers),"
                                    + " maintenance (Iceberg table maintenance of every table, reading"
                                    + " no Kafka), the others each reading Kafka under a group of its own,"
                                    + " so that one failing never stops another; or all, everything but maintenance"
                                    + " in one job, for small deployments, backfills and tests, where one"
                                    + " failure stops everything. A job other than ingest and all needs its"
                                    + " capability switched on.");

    // ---- Kafka ----------------------------------------------------------------------------

    public static final ConfigOption<String> KAFKA_BOOTSTRAP_SERVERS =
            key("chronicle.kafka.bootstrap-servers")
                    .stringType()
                    .defaultValue("127.0.0.1:9092")
                    .withDescription("Kafka bootstrap servers, comma-separated.");

    public static final ConfigOption<String> KAFKA_GROUP_ID =
            key("chronicle.kafka.group-id")
                    .stringType()
                    .defaultValue("chronicle")
                    .withDescription(
                            "Start of the consumer group ids: each job reads under this, a dash and"
                                    + " its name (chronicle-ingest, chronicle-rollups, ...; the all job"
                                    + " under the ingest job's). Offsets live in Flink checkpoints;"
                                    + " they are also committed to the group on each checkpoint, for"
                                    + " monitoring and for a job started afresh with COMMITTED.");

    public static final ConfigOption<String> KAFKA_STARTING_OFFSETS =
            key("chronicle.kafka.starting-offsets")
                    .stringType()
                    .defaultValue("committed")
                    .withDescription(
                            "Where a job with no checkpoint starts reading the points and events"
                                    + " topics: committed (the group's committed offsets, earliest"
                                    + " where there are none), earliest, latest,"
                                    + " timestamp:<ISO-8601 instant or epoch ms> (each partition's"
                                    + " first record whose Kafka timestamp is at or after it), or"
                                    + " topic:partition:offset,... (the partitions not named start as"
                                    + " committed does). A job restored from a checkpoint or savepoint"
                                    + " always continues from it.");

    public static final ConfigOption<Boolean> KAFKA_BOUNDED =
            key("chronicle.kafka.bounded")
                    .booleanType()
                    .defaultValue(false)
                    .withDescription(
                            "Read the points and events topics only up to"
                                    + " chronicle.kafka.stopping-offsets, then finish: a backfill of"
                                    + " history from topics of its own, with event time of its own."
                                    + " Needs chronicle.alerts.enabled false; the health signals, which"
                                    + " follow the wall clock, are off in such a run.");

    public static final ConfigOption<String> KAFKA_STOPPING_OFFSETS =
            key("chronicle.kafka.stopping-offsets")
                    .stringType()
                    .defaultValue("latest")
                    .withDescription(
                            "Where a bounded job (chronicle.kafka.bounded) stops, exclusive: latest"
                                    + " (the offsets latest when it starts), timestamp:<ISO-8601 instant"
                                    + " or epoch ms> (before each partition's first record at or after"
                                    + " it), or topic:partition:offset,... (the partitions not named"
                                    + " stop as latest does).");

    public static final ConfigOption<String> TOPIC_POINTS =
            key("chronicle.topics.points")
                    .stringType()
                    .defaultValue("chronicle.points")
                    .withDescription("Topic of metric points in Chronicle's JSON (see also"
                            + " chronicle.topics.point-formats).");

    public static final ConfigOption<Map<String, String>> TOPIC_POINT_FORMATS =
            key("chronicle.topics.point-formats")
                    .mapType()
                    .defaultValue(Map.of())
                    .withDescription(
                            "Further topics of metric points, each with its wire format"
                                    + " (topic:format,... or a YAML map): chronicle-json,"
                                    + " influx-line, prometheus-remote-write, prometheus-remote-write-v2,"
                                    + " otlp-proto or otlp-json. The points source reads chronicle.topics.points"
                                    + " (chronicle-json unless named here) and every topic named here.");

    public static final ConfigOption<Integer> PROMETHEUS_MAX_UNCOMPRESSED_BYTES =
            key("chronicle.formats.prometheus.max-uncompressed-bytes")
                    .intType()
                    .defaultValue(8 * 1024 * 1024)
                    .withDescription(
                            "The most bytes a remote-write record may decompress to; a larger one is"
                                    + " rejected as oversized_payload before it is decompressed.");

    public static final ConfigOption<Boolean> OTLP_NAME_SUFFIXES =
            key("chronicle.formats.otlp.name-suffixes")
                    .booleanType()
                    .defaultValue(true)
                    .withDescription(
                            "OTLP metric names as Prometheus translates them: with the unit and _total"
                                    + " suffixes (UnderscoreEscapingWithSuffixes, true) or without them"
                                    + " (UnderscoreEscapingWithoutSuffixes, false).");

    public static final ConfigOption<Integer> OTLP_EXPONENTIAL_MAX_SCALE =
            key("chronicle.formats.otlp.exponential-histogram-max-scale")
                    .intType()
                    .defaultValue(3)
                    .withDescription(
                            "OTLP exponential histograms finer than this scale are downscaled to it"
                                    + " (exactly, by merging buckets), so that their le bounds stay the"
                                    + " same from one data point to the next. Each bound is 2^(2^-scale)"
                                    + " times the one below it (3: about 9%). From -10 to 20.");

    public static final ConfigOption<List<String>> OTLP_PROMOTED_RESOURCE_ATTRIBUTES =
            key("chronicle.formats.otlp.promote-resource-attributes")
                    .stringType()
                    .asList()
                    .defaultValues()
                    .withDescription(
                            "OTLP resource attributes kept as tags of every point of the resource,"
                                    + " besides service.name and service.namespace (as job) and"
                                    + " service.instance.id (as instance); the others are not kept.");

    public static final ConfigOption<Boolean> OTLP_PROMOTE_SCOPE_METADATA =
            key("chronicle.formats.otlp.promote-scope-metadata")
                    .booleanType()
                    .defaultValue(false)
                    .withDescription(
                            "Keep each OTLP metric's instrumentation scope as tags, as Prometheus'"
                                    + " promote_scope_metadata does: otel_scope_name, otel_scope_version,"
                                    + " otel_scope_schema_url and otel_scope_<attribute> for each scope"
                                    + " attribute. A scope without a name gives no tags.");

    public static final ConfigOption<InfluxPrecision> INFLUX_PRECISION =
            key("chronicle.formats.influx.precision")
                    .enumType(InfluxPrecision.class)
                    .defaultValue(InfluxPrecision.NS)
                    .withDescription(
                            "Unit of the timestamps of influx-line topics: ns (Telegraf's and"
                                    + " InfluxDB's default), us, ms or s.");

    public static final ConfigOption<String> TOPIC_EVENTS =
            key("chronicle.topics.events")
                    .stringType()
                    .defaultValue("chronicle.events")
                    .withDescription("Topic of lifecycle events in Chronicle's JSON (see also"
                            + " chronicle.topics.event-formats).");

    public static final ConfigOption<Map<String, String>> TOPIC_EVENT_FORMATS =
            key("chronicle.topics.event-formats")
                    .mapType()
                    .defaultValue(Map.of())
                    .withDescription(
                            "Further topics of events, each with its wire format (topic:format,... or a"
                                    + " YAML map): chronicle-json, otlp-proto-spans, otlp-json-spans,"
                                    + " otlp-proto-logs or otlp-json-logs. The events source reads"
                                    + " chronicle.topics.events (chronicle-json unless named here) and every"
                                    + " topic named here.");

    public static final ConfigOption<String> TOPIC_DEAD_LETTER =
            key("chronicle.topics.dead-letter")
                    .stringType()
                    .defaultValue("chronicle.dead-letter")
                    .withDescription(
                            "Dead-letter topic: every rejected record, as JSON with its reason and"
                                    + " original bytes (base64, cut to"
                                    + " chronicle.dead-letter.max-payload-bytes), written exactly once.");

    public static final ConfigOption<String> TOPIC_TRACES =
            key("chronicle.topics.traces")
                    .stringType()
                    .defaultValue("chronicle.traces")
                    .withDescription(
                            "Compacted topic following the traces view: every change of a trace's"
                                    + " row, keyed by tenant and trace id.");

    public static final ConfigOption<String> TOPIC_AGENT_METRICS =
            key("chronicle.topics.agent-metrics")
                    .stringType()
                    .defaultValue("chronicle.agent-metrics")
                    .withDescription(
                            "Compacted topic following the agent_metrics view: every change of an"
                                    + " agent's daily row, keyed by tenant, agent id and date.");

    public static final ConfigOption<String> TOPIC_RULES =
            key("chronicle.topics.rules")
                    .stringType()
                    .defaultValue("chronicle.rules")
                    .withDescription(
                            "Compacted topic of alerting rules, keyed by rule name (a tombstone deletes"
                                    + " the rule), applied to the running job without a restart.");

    public static final ConfigOption<String> TOPIC_RULES_STATUS =
            key("chronicle.topics.rules-status")
                    .stringType()
                    .defaultValue("chronicle.rules-status")
                    .withDescription(
                            "Topic telling, for each message of the rules topic, whether the rule was"
                                    + " accepted, deleted, or rejected and why.");

    public static final ConfigOption<String> TOPIC_ALERTS =
            key("chronicle.topics.alerts")
                    .stringType()
                    .defaultValue("chronicle.alerts")
                    .withDescription(
                            "Topic of alert state changes: one JSON message (Alertmanager fields) per"
                                    + " change, keyed by the alert's fingerprint.");

    public static final ConfigOption<String> TOPIC_HEALTH =
            key("chronicle.topics.health")
                    .stringType()
                    .defaultValue("chronicle.health")
                    .withDescription(
                            "Topic carrying health series from the job that measures them to the"
                                    + " alerts job (the rollups job's active series per tenant and"
                                    + " metric), when they run as separate jobs; kept a day.");

    // ---- Normalization --------------------------------------------------------------------

    public static final ConfigOption<Integer> INGEST_MAX_PAYLOAD_BYTES =
            key("chronicle.ingest.max-payload-bytes")
                    .intType()
                    .defaultValue(64 * 1024)
                    .withDescription("Records larger than this are rejected as oversized_payload.");

    public static final ConfigOption<Integer> INGEST_MAX_TAGS =
            key("chronicle.ingest.max-tags")
                    .intType()
                    .defaultValue(64)
                    .withDescription("Points with more tags than this are rejected as too_many_tags.");

    public static final ConfigOption<TenantSource> INGEST_TENANT_SOURCE =
            key("chronicle.ingest.tenant-source")
                    .enumType(TenantSource.class)
                    .defaultValue(TenantSource.PAYLOAD_THEN_HEADER)
                    .withDescription(
                            "Where a record's tenant comes from: payload-then-header (the payload's"
                                    + " tenant field, else the tenant header, else the default"
                                    + " tenant), header (the tenant header, else the default"
                                    + " tenant; a payload's tenant field is ignored) or header-only"
                                    + " (the tenant header; a record without one is rejected as"
                                    + " missing_tenant, a payload's tenant field is ignored). The"
                                    + " header modes pin tenants to a header set by a trusted proxy"
                                    + " or a principal mapping in front of Kafka.");

    public static final ConfigOption<String> INGEST_TENANT_HEADER =
            key("chronicle.ingest.tenant-header")
                    .stringType()
                    .defaultValue("tenant")
                    .withDescription(
                            "Kafka header naming a record's tenant (see"
                                    + " chronicle.ingest.tenant-source). When present it must be"
                                    + " given once and be a valid tenant name, whatever the mode,"
                                    + " or the record is rejected as invalid_field.");

    public static final ConfigOption<String> INGEST_DEFAULT_TENANT =
            key("chronicle.ingest.default-tenant")
                    .stringType()
                    .defaultValue("default")
                    .withDescription("Tenant of records that name none (not used in header-only mode).");

    public static final ConfigOption<List<String>> INGEST_TENANTS =
            key("chronicle.ingest.tenants")
                    .stringType()
                    .asList()
                    .defaultValues()
                    .withDescription(
                            "Tenants allowed to write (a list: acme;globex, or a YAML list); empty"
                                    + " allows every tenant."
                                    + " A record of another tenant (the default tenant included) is"
                                    + " rejected as tenant_not_allowed.");

    public static final ConfigOption<String> INGEST_MIN_TIMESTAMP =
            key("chronicle.ingest.min-timestamp")
                    .stringType()
                    .defaultValue("2000-01-01T00:00:00Z")
                    .withDescription(
                            "Earliest accepted event time (ISO-8601); earlier ones are rejected as"
                                    + " timestamp_out_of_range.");

    // Below the default allowed lateness (5 min): a watermark at wall clock + skew then never
    // makes a current point too late, while a minute or two covers an unsynchronized clock.
    public static final ConfigOption<Duration> INGEST_MAX_FUTURE_SKEW =
            key("chronicle.ingest.max-future-skew")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(2))
                    .withDescription(
                            "How far past the time of ingestion an event time may lie before it is"
                                    + " rejected as timestamp_out_of_range; no partition's watermark"
                                    + " goes further past the wall clock either. Keep it below"
                                    + " chronicle.rollup.allowed-lateness, so that no accepted event"
                                    + " time makes current points too_late.");

    public static final ConfigOption<Duration> INGEST_WATERMARK_IDLENESS =
            key("chronicle.ingest.watermark-idleness")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(30))
                    .withDescription(
                            "A Kafka partition with no records for this long stops holding back"
                                    + " event time (watermarks are tracked per partition), so a"
                                    + " quiet partition does not stall the rollup tiers.");

    public static final ConfigOption<Integer> INGEST_WATERMARK_WINDOW =
            key("chronicle.ingest.watermark-window")
                    .intType()
                    .defaultValue(64)
                    .withDescription(
                            "How many of a Kafka partition's latest records its watermark looks at"
                                    + " (8 bytes each per partition, twice over): the watermark is"
                                    + " the (chronicle.ingest.watermark-outliers + 1)-th latest event"
                                    + " time among them, so an outlier is forgotten once this many"
                                    + " records have followed it. At most 10000.");

    public static final ConfigOption<Integer> INGEST_WATERMARK_OUTLIERS =
            key("chronicle.ingest.watermark-outliers")
                    .intType()
                    .defaultValue(4)
                    .withDescription(
                            "How many records within chronicle.ingest.watermark-window may lie ahead"
                                    + " of their partition's stream (a missing timestamp during a"
                                    + " backfill, a clock that jumped) without moving its event time."
                                    + " The watermark trails the stream by this many records, and a"
                                    + " partition holds event time back until it has read one more."
                                    + " 0 follows the latest event time; below the window.");

    // ---- Refused records ------------------------------------------------------------------

    public static final ConfigOption<Integer> REJECTED_MAX_PAYLOAD_BYTES =
            key("chronicle.rejected.max-payload-bytes")
                    .intType()
                    .defaultValue(1024 * 1024)
                    .withDescription(
                            "Most bytes of a refused record's value kept in the rejected table;"
                                    + " a longer value keeps its first bytes, with payload_truncated"
                                    + " set and its length in payload_size. The default is Kafka's"
                                    + " own default record limit, so a record the brokers take is"
                                    + " kept whole.");

    public static final ConfigOption<Integer> DEAD_LETTER_MAX_PAYLOAD_BYTES =
            key("chronicle.dead-letter.max-payload-bytes")
                    .intType()
                    .defaultValue(64 * 1024)
                    .withDescription(
                            "Most bytes of a refused record's value a dead-letter message carries"
                                    + " (base64 in payload); a longer value is cut, with"
                                    + " payload_truncated set and its length in payload_size. Its"
                                    + " base64 plus 4 KiB for the other fields must fit in the"
                                    + " producer's max.request.size; at most"
                                    + " chronicle.rejected.max-payload-bytes.");

    // ---- Rollups --------------------------------------------------------------------------

    public static final ConfigOption<Boolean> ROLLUP_ENABLED =
            key("chronicle.rollup.enabled")
                    .booleanType()
                    .defaultValue(true)
                    .withDescription("Compute the rollup tiers from the normalized points.");

    public static final ConfigOption<List<String>> ROLLUP_TIERS =
            key("chronicle.rollup.tiers")
                    .stringType()
                    .asList()
                    .defaultValues("5m", "1h")
                    .withDescription(
                            "Window sizes of the rollup tiers, finest first; each is a multiple of"
                                    + " the one before and lands in table rollup_<tier>."
                                    + " Overridable per tenant and domain.");

    public static final ConfigOption<Duration> ROLLUP_ALLOWED_LATENESS =
            key("chronicle.rollup.allowed-lateness")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(5))
                    .withDescription(
                            "How long after a window ends (in event time) its row waits for late"
                                    + " points; later points are rejected as too_late."
                                    + " Overridable per tenant and domain.");

    public static final ConfigOption<Map<String, String>> ROLLUP_RETENTION =
            key("chronicle.rollup.retention")
                    .mapType()
                    .defaultValue(Map.of())
                    .withDescription(
                            "How long each tier's rows are kept, per tier (for example"
                                    + " chronicle.rollup.retention.5m: 30 d); a tier not named is kept."
                                    + " Applied with every other table's retention (see"
                                    + " chronicle.retention.interval). Overridable per tenant and"
                                    + " domain, tier by tier.");

    public static final ConfigOption<List<String>> ROLLUP_COUNTERS =
            key("chronicle.rollup.counters")
                    .stringType()
                    .asList()
                    .defaultValues()
                    .withDescription(
                            "Metrics that are counters (reset-aware increase), besides every"
                                    + " metric named *_total.");

    public static final ConfigOption<Duration> ROLLUP_SERIES_STATE_TTL =
            key("chronicle.rollup.series-state-ttl")
                    .durationType()
                    .defaultValue(Duration.ofHours(2))
                    .withDescription(
                            "How long (event time) a quiet series keeps its last sample, which"
                                    + " the next window's counter increase starts from.");

    public static final ConfigOption<Integer> ROLLUP_REORDER_BUFFER =
            key("chronicle.rollup.reorder-buffer")
                    .intType()
                    .defaultValue(32)
                    .withDescription(
                            "Points of each open rollup window kept apart, in time order, before"
                                    + " they are folded into the window's aggregate (a window folds"
                                    + " its oldest points once it holds twice this many), so a"
                                    + " point costs the same however many the window has. A"
                                    + " counter's increase is exact for every point that arrives"
                                    + " before more than this many later points of its window;"
                                    + " every other column is exact whatever the order.");

    public static final ConfigOption<Integer> ROLLUP_BATCH_MAX_POINTS =
            key("chronicle.rollup.batch-max-points")
                    .intType()
                    .defaultValue(100_000)
                    .withDescription(
                            "Points each source task holds, gathered by series, before they cross"
                                    + " the network to the rollups (about 40 bytes each), so the"
                                    + " rollups read and write a series' window once per batch"
                                    + " instead of once per point. A series' points are held until"
                                    + " the watermark makes their window due or the next checkpoint,"
                                    + " whichever is first; when this many are held, all go. 1 sends"
                                    + " every point on its own.");

    public static final ConfigOption<Long> ROLLUP_MAX_SERIES_PER_TENANT =
            key("chronicle.rollup.max-series-per-tenant")
                    .longType()
                    .defaultValue(2_000_000L)
                    .withDescription(
                            "Active series (a point within chronicle.rollup.series-state-ttl) a"
                                    + " tenant's rollups may hold. Points of a new series beyond it"
                                    + " are rejected as cardinality_limit (they stay in points_raw)."
                                    + " Enforced per shard (see chronicle.rollup.max-series-shards)."
                                    + " Overridable per tenant and domain.");

    public static final ConfigOption<Integer> ROLLUP_MAX_SERIES_SHARDS =
            key("chronicle.rollup.max-series-shards")
                    .intType()
                    .defaultValue(16)
                    .withDescription(
                            "Shards a tenant's count of active series is kept in, each allowing"
                                    + " its share of the tenant's limit (series go to shards by"
                                    + " series id), so no tenant's points all pass through one"
                                    + " task. More shards spread a busy tenant wider; fewer make a"
                                    + " small limit more exact. Changing it starts the counts afresh.");

    public static final ConfigOption<Duration> ROLLUP_PROGRESS_INTERVAL =
            key("chronicle.rollup.progress-interval")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(30))
                    .withDescription(
                            "Least time between two records of a tier's progress in its table"
                                    + " (chronicle.rollup.complete-through, which retention of"
                                    + " points_raw waits for): a record is one catalog commit, and"
                                    + " retention runs hourly by default.");

    // ---- Retention ------------------------------------------------------------------------

    public static final ConfigOption<Duration> RETENTION_POINTS_RAW =
            key("chronicle.retention.points_raw")
                    .durationType()
                    .defaultValue(Duration.ofDays(7))
                    .withDescription(
                            "How long points_raw keeps a point (by ts). A point also stays until every"
                                    + " rollup tier its tenant writes has written its window."
                                    + " Overridable per tenant and domain"
                                    + " (chronicle.rollup.tenants.<tenant>.retention.points_raw).");

    public static final ConfigOption<Duration> RETENTION_EVENTS =
            key("chronicle.retention.events")
                    .durationType()
                    .defaultValue(Duration.ofDays(30))
                    .withDescription("How long events keeps an event (by event_time)."
                            + " Overridable per tenant and domain.");

    public static final ConfigOption<Duration> RETENTION_REJECTED =
            key("chronicle.retention.rejected")
                    .durationType()
                    .defaultValue(Duration.ofDays(30))
                    .withDescription("How long rejected keeps a refused record (by rejected_at)."
                            + " Overridable per tenant and domain; rows without a tenant follow the"
                            + " global value.");

    public static final ConfigOption<Duration> RETENTION_TRACES =
            key("chronicle.retention.traces")
                    .durationType()
                    .defaultValue(Duration.ofDays(90))
                    .withDescription("How long traces keeps a trace after its last event"
                            + " (last_event_time). Overridable per tenant and domain.");

    public static final ConfigOption<Duration> RETENTION_ALERTS =
            key("chronicle.retention.alerts")
                    .durationType()
                    .defaultValue(Duration.ofDays(90))
                    .withDescription("How long alerts keeps an alert's change (by changed_at)."
                            + " Overridable per tenant and domain; rows without a tenant follow the"
                            + " global value.");

    public static final ConfigOption<Duration> RETENTION_ANOMALIES =
            key("chronicle.retention.anomalies")
                    .durationType()
                    .defaultValue(Duration.ofDays(90))
                    .withDescription("How long anomalies keeps an anomaly (by ts)."
                            + " Overridable per tenant and domain.");

    public static final ConfigOption<Duration> RETENTION_AGENT_METRICS =
            key("chronicle.retention.agent_metrics")
                    .durationType()
                    .noDefaultValue()
                    .withDescription("How long agent_metrics keeps an agent's day (by metric_date);"
                            + " unset keeps every day (one small row per agent and day)."
                            + " Overridable per tenant and domain.");

    /** The retention option of each table, by table name; a tier's is chronicle.rollup.retention.<tier>. */
    public static final Map<String, ConfigOption<Duration>> TABLE_RETENTION = Map.of(
            "points_raw", RETENTION_POINTS_RAW,
            "events", RETENTION_EVENTS,
            "rejected", RETENTION_REJECTED,
            "traces", RETENTION_TRACES,
            "alerts", RETENTION_ALERTS,
            "anomalies", RETENTION_ANOMALIES,
            "agent_metrics", RETENTION_AGENT_METRICS);

    public static final ConfigOption<Duration> RETENTION_INTERVAL =
            key("chronicle.retention.interval")
                    .durationType()
                    .defaultValue(Duration.ofHours(1))
                    .withDescription(
                            "How often the retention operator applies every table's retention (the"
                                    + " first round at start). A round that cannot reach the catalog"
                                    + " or S3 is logged, counted and tried again at the next.");

    // ---- Traces and agent metrics ---------------------------------------------------------

    public static final ConfigOption<Boolean> VIEWS_ENABLED =
            key("chronicle.views.enabled")
                    .booleanType()
                    .defaultValue(true)
                    .withDescription("Keep the traces and agent_metrics views from the events.");

    public static final ConfigOption<Integer> VIEWS_UPSERT_BUFFER_ROWS =
            key("chronicle.views.upsert-buffer-rows")
                    .intType()
                    .defaultValue(10_000)
                    .withDescription(
                            "The most traces and agent_metrics rows each writer subtask holds until"
                                    + " the next checkpoint, keeping only a key's latest: the tables"
                                    + " show a key's last row of each checkpoint either way, with one"
                                    + " row and one delete per key instead of one per update. More keys"
                                    + " than this send every held row on. 0 sends each row on at once."
                                    + " The topics get every update.");

    public static final ConfigOption<Duration> EVENTS_DEDUP_TTL =
            key("chronicle.events.dedup-ttl")
                    .durationType()
                    .defaultValue(Duration.ofHours(24))
                    .withDescription(
                            "How long an event id is remembered to drop redeliveries of the same"
                                    + " (tenant, event_id); a redelivery later than this counts again.");

    public static final ConfigOption<Duration> TRACES_INACTIVITY_TIMEOUT =
            key("chronicle.traces.inactivity-timeout")
                    .durationType()
                    .defaultValue(Duration.ofHours(1))
                    .withDescription(
                            "A trace with no terminal event and no event at all for this long (event"
                                    + " time) becomes timed_out.");

    public static final ConfigOption<Duration> TRACES_TERMINAL_GRACE =
            key("chronicle.traces.terminal-grace")
                    .durationType()
                    .defaultValue(Duration.ofHours(1))
                    .withDescription(
                            "How long (event time) a finished trace's state is kept for late events"
                                    + " before it is cleared. An event of a cleared or unknown trace"
                                    + " older than this behind the watermark is rejected as too_late.");

    public static final ConfigOption<Integer> TRACES_MAX_EVENTS =
            key("chronicle.traces.max-events")
                    .intType()
                    .defaultValue(10_000)
                    .withDescription(
                            "The most events one trace takes; later events of the trace are"
                                    + " rejected as too_many_events (they stay in the events table)"
                                    + " and counted in the trace's events_dropped.");

    public static final ConfigOption<Duration> TRACES_STATE_TTL =
            key("chronicle.traces.state-ttl")
                    .durationType()
                    .defaultValue(Duration.ofDays(7))
                    .withDescription(
                            "Safety bound (processing time) on the state of a trace that stops"
                                    + " receiving events while event time stands still.");

    public static final ConfigOption<Duration> AGENTS_DAY_GRACE =
            key("chronicle.agents.day-grace")
                    .durationType()
                    .defaultValue(Duration.ofDays(2))
                    .withDescription(
                            "How long (event time) after a UTC day ends an agent's row for that day"
                                    + " still takes updates; then its state is cleared.");

    // ---- Alerts ---------------------------------------------------------------------------

    public static final ConfigOption<Boolean> ALERTS_ENABLED =
            key("chronicle.alerts.enabled")
                    .booleanType()
                    .defaultValue(true)
                    .withDescription("Evaluate alerting rules over the normalized points.");

    public static final ConfigOption<String> ALERTS_RULES_FILE =
            key("chronicle.alerts.rules-file")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "A YAML or JSON file of alerting rules loaded at start; the rules topic"
                                    + " adds, replaces and deletes rules on top of it.");

    public static final ConfigOption<String> ALERTS_EXTERNAL_URL =
            key("chronicle.alerts.external-url")
                    .stringType()
                    .defaultValue("")
                    .withDescription(
                            "Base of each alert's generatorURL (followed by ?rule=<name>), for"
                                    + " example the URL of a dashboard; empty leaves it out. Also"
                                    + " the externalURL of webhook payloads.");

    public static final ConfigOption<Duration> ALERTS_STATE_TTL =
            key("chronicle.alerts.state-ttl")
                    .durationType()
                    .defaultValue(Duration.ofDays(7))
                    .withDescription(
                            "Safety bound (processing time) on the evaluation state of a (rule,"
                                    + " series) that stops receiving points.");

    public static final ConfigOption<Boolean> ALERTS_FILTER_UNWATCHED =
            key("chronicle.alerts.filter-unwatched-points")
                    .booleanType()
                    .defaultValue(true)
                    .withDescription(
                            "Drop, in the task that read them, the points of metrics no rule in force selects,"
                                    + " instead of sending every point to the alert router. Each source task"
                                    + " reads the rules topic to know them, and sends every point while it"
                                    + " cannot tell; a new rule sees the points read after that task has read"
                                    + " it, normally within a poll of the router. false sends every point.");

    public static final ConfigOption<Integer> ALERTS_RULES_MAX_RULES =
            key("chronicle.alerts.rules.max-rules")
                    .intType()
                    .defaultValue(1_000)
                    .withDescription(
                            "Most rules in force at once (the rules file's, the health rules and"
                                    + " the rules topic's); a topic message adding a rule beyond"
                                    + " it is rejected, one replacing a rule in force is not.");

    public static final ConfigOption<Integer> ALERTS_RULES_MAX_DOCUMENT_BYTES =
            key("chronicle.alerts.rules.max-document-bytes")
                    .intType()
                    .defaultValue(32_768)
                    .withDescription(
                            "Largest rule document (a rules topic message's value) read; a larger"
                                    + " one is rejected unread. At most 1048576.");

    public static final ConfigOption<Duration> ALERTS_RULES_MAX_DURATION =
            key("chronicle.alerts.rules.max-duration")
                    .durationType()
                    .defaultValue(Duration.ofDays(30))
                    .withDescription(
                            "Longest duration a rule may give: for, keep_firing_for, an absence's"
                                    + " for, a rate's window, an anomaly season; at most 3650 d.");

    public static final ConfigOption<Integer> ALERTS_RULES_MAX_RATE_SAMPLES =
            key("chronicle.alerts.rules.max-rate-samples")
                    .intType()
                    .defaultValue(1_000)
                    .withDescription(
                            "Most points a rate rule keeps per series inside its window; beyond,"
                                    + " the oldest are dropped (counted in rateSamplesDropped), so"
                                    + " the rate covers the newest ones.");

    // ---- Pipeline health alerts -----------------------------------------------------------

    public static final ConfigOption<Boolean> ALERTS_HEALTH_ENABLED =
            key("chronicle.alerts.health.enabled")
                    .booleanType()
                    .defaultValue(true)
                    .withDescription(
                            "Alert on the pipeline's own health (dead-letter rate, tables not"
                                    + " committed, series over their cardinality limits) through"
                                    + " the alert evaluator, as rules named Chronicle*.");

    public static final ConfigOption<Duration> ALERTS_HEALTH_INTERVAL =
            key("chronicle.alerts.health.interval")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(15))
                    .withDescription(
                            "How often (processing time) the health signals are measured and sent"
                                    + " to the alert evaluator.");

    public static final ConfigOption<Duration> ALERTS_HEALTH_FOR =
            key("chronicle.alerts.health.for")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(1))
                    .withDescription(
                            "How long the dead-letter rate or a cardinality stays over its bound"
                                    + " before its health alert fires.");

    public static final ConfigOption<Double> ALERTS_HEALTH_DEAD_LETTER_RATE =
            key("chronicle.alerts.health.dead-letter-rate")
                    .doubleType()
                    .defaultValue(1.0)
                    .withDescription(
                            "Records per second a tenant may send to the dead-letter path before"
                                    + " ChronicleDeadLetterRate fires.");

    public static final ConfigOption<Duration> ALERTS_HEALTH_MAX_COMMIT_AGE =
            key("chronicle.alerts.health.max-commit-age")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(10))
                    .withDescription(
                            "How long a table the job writes may go without an Iceberg commit"
                                    + " before ChronicleSinkCommitsFailing fires. A running job"
                                    + " commits every table at least every 10 checkpoints, even"
                                    + " without input, so a value set must exceed 10 checkpoint"
                                    + " intervals; unset, it is raised to 15 where they are longer.");

    public static final ConfigOption<Long> ALERTS_HEALTH_MAX_SERIES_PER_TENANT =
            key("chronicle.alerts.health.max-series-per-tenant")
                    .longType()
                    .defaultValue(1_000_000L)
                    .withDescription(
                            "Active series (a point within chronicle.rollup.series-state-ttl) a tenant may"
                                    + " have before ChronicleTenantCardinality fires.");

    public static final ConfigOption<Long> ALERTS_HEALTH_MAX_SERIES_PER_METRIC =
            key("chronicle.alerts.health.max-series-per-metric")
                    .longType()
                    .defaultValue(100_000L)
                    .withDescription(
                            "Active series one metric of a tenant may have before"
                                    + " ChronicleMetricCardinality fires.");

    // ---- Alert delivery -------------------------------------------------------------------
    // Defaults of every HTTP receiver (chronicle.alerts.receivers.<name>.*); each receiver may override
    // any of the options below except flush-timeout under the same suffix.

    public static final ConfigOption<Duration> ALERTS_DELIVERY_TIMEOUT =
            key("chronicle.alerts.delivery.timeout")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(10))
                    .withDescription(
                            "How long one request to an alert receiver may take, connecting"
                                    + " and the whole response included, before it counts as a"
                                    + " failed attempt and its connection is closed.");

    public static final ConfigOption<Integer> ALERTS_DELIVERY_MAX_ATTEMPTS =
            key("chronicle.alerts.delivery.max-attempts")
                    .intType()
                    .defaultValue(10)
                    .withDescription(
                            "Requests made for one batch of alerts (the first and the retries)"
                                    + " before it is dropped and counted in the receiver's dropped"
                                    + " metric.");

    public static final ConfigOption<Duration> ALERTS_DELIVERY_BACKOFF_INITIAL =
            key("chronicle.alerts.delivery.backoff.initial")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(1))
                    .withDescription("Wait before the first retry of a failed request.");

    public static final ConfigOption<Duration> ALERTS_DELIVERY_BACKOFF_MAX =
            key("chronicle.alerts.delivery.backoff.max")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(30))
                    .withDescription("Longest wait between two retries.");

    public static final ConfigOption<Double> ALERTS_DELIVERY_BACKOFF_MULTIPLIER =
            key("chronicle.alerts.delivery.backoff.multiplier")
                    .doubleType()
                    .defaultValue(2.0)
                    .withDescription("Factor by which the wait grows after each failed retry.");

    public static final ConfigOption<Double> ALERTS_DELIVERY_BACKOFF_JITTER =
            key("chronicle.alerts.delivery.backoff.jitter")
                    .doubleType()
                    .defaultValue(0.2)
                    .withDescription(
                            "Fraction (0 to 1, exclusive) of each wait taken off at random, so"
                                    + " parallel writers do not retry in step.");

    public static final ConfigOption<Double> ALERTS_DELIVERY_RATE_LIMIT =
            key("chronicle.alerts.delivery.rate-limit")
                    .doubleType()
                    .defaultValue(10.0)
                    .withDescription(
                            "Requests per second each writer sends to one receiver (a token"
                                    + " bucket holding one second's worth); alerts waiting meanwhile"
                                    + " are batched.");

    public static final ConfigOption<Integer> ALERTS_DELIVERY_CIRCUIT_BREAKER_FAILURES =
            key("chronicle.alerts.delivery.circuit-breaker.failures")
                    .intType()
                    .defaultValue(5)
                    .withDescription(
                            "Consecutive failed requests after which a receiver's circuit opens:"
                                    + " no request is sent until the open duration has passed,"
                                    + " then one probe decides whether it closes again.");

    public static final ConfigOption<Duration> ALERTS_DELIVERY_CIRCUIT_BREAKER_OPEN_DURATION =
            key("chronicle.alerts.delivery.circuit-breaker.open-duration")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(30))
                    .withDescription("How long an open circuit waits before its probe request.");

    public static final ConfigOption<Integer> ALERTS_DELIVERY_QUEUE_CAPACITY =
            key("chronicle.alerts.delivery.queue-capacity")
                    .intType()
                    .defaultValue(10_000)
                    .withDescription(
                            "Alerts each writer holds for one receiver; when full, the oldest is"
                                    + " dropped and counted, so the pipeline never waits for a"
                                    + " receiver.");

    public static final ConfigOption<Integer> ALERTS_DELIVERY_MAX_BATCH_SIZE =
            key("chronicle.alerts.delivery.max-batch-size")
                    .intType()
                    .defaultValue(64)
                    .withDescription("Most alerts sent in one request.");

    public static final ConfigOption<Duration> ALERTS_DELIVERY_RESEND_INTERVAL =
            key("chronicle.alerts.delivery.resend-interval")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(1))
                    .withDescription(
                            "How often firing alerts are sent again to alertmanager receivers,"
                                    + " which resolve an alert not heard of for their"
                                    + " resolve_timeout (5 min by default); 0 s turns resending"
                                    + " off. Must be shorter than resolve_timeout.");

    public static final ConfigOption<Duration> ALERTS_DELIVERY_FLUSH_TIMEOUT =
            key("chronicle.alerts.delivery.flush-timeout")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(10))
                    .withDescription(
                            "How long a bounded job's end of input waits for the alerts still"
                                    + " queued to be delivered. Checkpoints do not wait: undelivered"
                                    + " alerts are kept in the checkpoint instead.");

    // ---- The watcher (chronicle-watch, a process of its own) -------------------------------

    public static final ConfigOption<List<String>> WATCH_FLINK_REST_URL =
            key("chronicle.watch.flink-rest-url")
                    .stringType()
                    .asList()
                    .defaultValues("http://127.0.0.1:8081")
                    .withDescription(
                            "The REST API of the Flink cluster running the watched jobs (its"
                                    + " JobManager, or the web UI's address); a list where the jobs"
                                    + " run in several clusters (ingest in a cluster of its own, or a"
                                    + " cluster per job as on Kubernetes): each job is looked for in"
                                    + " every one.");

    public static final ConfigOption<Boolean> WATCH_CATCH_UP_CHECKPOINTS =
            key("chronicle.watch.catch-up-checkpoints")
                    .booleanType()
                    .defaultValue(true)
                    .withDescription(
                            "Once a watched job that reads Kafka has restored from a checkpoint"
                                    + " (restarted, or submitted from a checkpoint or savepoint),"
                                    + " trigger its checkpoints through Flink's REST API, paced by its"
                                    + " progress and at most 2 s apart, until its consumer group has"
                                    + " committed the offsets its topics had once all its tasks ran again."
                                    + " Rows reach"
                                    + " the tables on checkpoints, so what arrived while the job was down"
                                    + " is queryable as soon as it has been read, not up to a checkpoint"
                                    + " interval later. The periodic checkpoints go on as configured.");

    public static final ConfigOption<List<String>> WATCH_JOBS =
            key("chronicle.watch.jobs")
                    .stringType()
                    .asList()
                    .defaultValues()
                    .withDescription(
                            "Names of the Flink jobs to watch (a list); empty watches the jobs this"
                                    + " configuration runs split (chronicle-ingest and each capability's"
                                    + " switched on; list chronicle-all for the all-in-one job). A job of"
                                    + " that name that is not running, or is missing from the cluster,"
                                    + " fires ChronicleJobNotRunning.");

    public static final ConfigOption<List<String>> WATCH_CONSUMER_GROUPS =
            key("chronicle.watch.consumer-groups")
                    .stringType()
                    .asList()
                    .defaultValues()
                    .withDescription(
                            "Kafka consumer groups whose lag is watched (a list); empty watches the"
                                    + " groups of the jobs this configuration runs split"
                                    + " (chronicle.kafka.group-id, a dash and each job's name). Flink's"
                                    + " Kafka source commits a group's offsets on each checkpoint.");

    public static final ConfigOption<List<String>> WATCH_TABLES =
            key("chronicle.watch.tables")
                    .stringType()
                    .asList()
                    .defaultValues()
                    .withDescription(
                            "Tables of chronicle.catalog.namespace whose last Iceberg commit is"
                                    + " watched (a list); empty watches every table of the namespace.");

    public static final ConfigOption<Duration> WATCH_INTERVAL =
            key("chronicle.watch.interval")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(15))
                    .withDescription("How often the watcher measures and evaluates its alerts.");

    public static final ConfigOption<Duration> WATCH_REQUEST_TIMEOUT =
            key("chronicle.watch.request-timeout")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(10))
                    .withDescription(
                            "How long one round's requests to Flink, Kafka or the catalog may take"
                                    + " before that target counts as unreachable for the round; at"
                                    + " most chronicle.watch.interval.");

    public static final ConfigOption<Duration> WATCH_FOR =
            key("chronicle.watch.for")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(1))
                    .withDescription(
                            "How long a watched condition holds (pending) before its alert fires;"
                                    + " 0 s fires at the first evaluation that finds it.");

    public static final ConfigOption<Integer> WATCH_MAX_RESTARTS =
            key("chronicle.watch.max-restarts")
                    .intType()
                    .defaultValue(3)
                    .withDescription(
                            "Restarts of a job within chronicle.watch.restart-window beyond which"
                                    + " ChronicleJobRestarting fires: a job that restarts over and"
                                    + " over makes no progress even while it shows as running.");

    public static final ConfigOption<Duration> WATCH_RESTART_WINDOW =
            key("chronicle.watch.restart-window")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(15))
                    .withDescription("The window over which a job's restarts are counted.");

    public static final ConfigOption<Long> WATCH_MAX_CONSUMER_LAG =
            key("chronicle.watch.max-consumer-lag")
                    .longType()
                    .defaultValue(1_000_000L)
                    .withDescription(
                            "Records of one topic a consumer group may be behind (end offsets less"
                                    + " committed offsets, summed over partitions) before"
                                    + " ChronicleConsumerLag fires.");

    public static final ConfigOption<Duration> WATCH_MAX_WATERMARK_LAG =
            key("chronicle.watch.max-watermark-lag")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(15))
                    .withDescription(
                            "How far a job's lowest watermark may trail the wall clock before"
                                    + " ChronicleWatermarkLagging fires. A job whose input stops"
                                    + " altogether trails too.");

    public static final ConfigOption<Duration> WATCH_MAX_CHECKPOINT_AGE =
            key("chronicle.watch.max-checkpoint-age")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(5))
                    .withDescription(
                            "How long a job may go without a completed checkpoint (counted from"
                                    + " its start at the earliest) before ChronicleCheckpointsStale"
                                    + " fires; above the checkpoint interval, with room for"
                                    + " tolerated checkpoint failures.");

    public static final ConfigOption<Duration> WATCH_MAX_COMMIT_AGE =
            key("chronicle.watch.max-commit-age")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(15))
                    .withDescription(
                            "How long a table may go without an Iceberg commit (counted from the"
                                    + " watcher's start at the earliest) before"
                                    + " ChronicleTableCommitStale fires. A running job commits"
                                    + " every table it writes at least every 10 checkpoints.");

    public static final ConfigOption<String> WATCH_HOST =
            key("chronicle.watch.host")
                    .stringType()
                    .defaultValue("127.0.0.1")
                    .withDescription(
                            "Address the watcher's Prometheus endpoint (/metrics) listens on;"
                                    + " 0.0.0.0 for every interface.");

    public static final ConfigOption<Integer> WATCH_PORT =
            key("chronicle.watch.port")
                    .intType()
                    .defaultValue(9250)
                    .withDescription("Port of the watcher's Prometheus endpoint; 0 picks a free one.");

    // ---- Table maintenance (the maintenance job) ------------------------------------------

    public static final ConfigOption<Boolean> MAINTENANCE_ENABLED =
            key("chronicle.maintenance.enabled")
                    .booleanType()
                    .defaultValue(true)
                    .withDescription(
                            "Run the maintenance job (chronicle.job=maintenance) beside the others:"
                                    + " Iceberg's Flink table maintenance on every table the enabled"
                                    + " jobs write, compacting small files, applying the equality deletes"
                                    + " of traces and agent_metrics, expiring snapshots and removing"
                                    + " orphan files. False leaves all of that to the deployment.");

    public static final ConfigOption<Duration> MAINTENANCE_CHECK_INTERVAL =
            key("chronicle.maintenance.check-interval")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(1))
                    .withDescription(
                            "How often the maintenance job reads each table's new snapshots and checks"
                                    + " its triggers; also the least time between two tasks starting on"
                                    + " one table, and how long a task waits while another holds the"
                                    + " table's lock.");

    public static final ConfigOption<Duration> MAINTENANCE_COMPACTION_INTERVAL =
            key("chronicle.maintenance.compaction.interval")
                    .durationType()
                    .defaultValue(Duration.ofHours(1))
                    .withDescription(
                            "Every table's small data files are compacted, and its deletes applied,"
                                    + " at least this often, whatever the file counts.");

    public static final ConfigOption<Integer> MAINTENANCE_COMPACTION_DATA_FILES =
            key("chronicle.maintenance.compaction.data-file-count")
                    .intType()
                    .defaultValue(100)
                    .withDescription(
                            "New data files since a table's last compaction that start the next one"
                                    + " sooner than chronicle.maintenance.compaction.interval (each"
                                    + " checkpoint adds at least one file per written partition).");

    public static final ConfigOption<Integer> MAINTENANCE_COMPACTION_DELETE_FILES =
            key("chronicle.maintenance.compaction.delete-file-count")
                    .intType()
                    .defaultValue(20)
                    .withDescription(
                            "New delete files of a table (equality or position) since its last"
                                    + " compaction that start the next one, rewriting every data file a"
                                    + " delete applies to with the deletes applied: traces and"
                                    + " agent_metrics add one per changed tenant each checkpoint, rollup"
                                    + " rebuilds and retention add them to the append tables.");

    public static final ConfigOption<Duration> MAINTENANCE_SNAPSHOTS_MAX_AGE =
            key("chronicle.maintenance.snapshots.max-age")
                    .durationType()
                    .defaultValue(Duration.ofDays(1))
                    .withDescription(
                            "Snapshots older than this are expired, and the files only they reference"
                                    + " deleted: how far back time travel and a rollback can go. Each"
                                    + " checkpoint commits a snapshot to every table it wrote.");

    public static final ConfigOption<Integer> MAINTENANCE_SNAPSHOTS_RETAIN_LAST =
            key("chronicle.maintenance.snapshots.retain-last")
                    .intType()
                    .defaultValue(10)
                    .withDescription(
                            "Snapshots of each table kept whatever their age, so a table that has not"
                                    + " been written for a while keeps its recent history.");

    public static final ConfigOption<Duration> MAINTENANCE_SNAPSHOTS_INTERVAL =
            key("chronicle.maintenance.snapshots.interval")
                    .durationType()
                    .defaultValue(Duration.ofHours(1))
                    .withDescription(
                            "How often each table's snapshots are expired: a table holds at most"
                                    + " chronicle.maintenance.snapshots.max-age plus this of snapshots.");

    public static final ConfigOption<Duration> MAINTENANCE_ORPHANS_MIN_AGE =
            key("chronicle.maintenance.orphans.min-age")
                    .durationType()
                    .defaultValue(Duration.ofDays(3))
                    .withDescription(
                            "Files under a table's location that no snapshot references are deleted"
                                    + " once older than this. A checkpoint's data files are written"
                                    + " before they are committed, and a job restored from a checkpoint"
                                    + " or savepoint commits them then: keep this longer than any job may"
                                    + " stay stopped and still be restored. Snapshot expiry keeps each"
                                    + " writing job's latest commit for as long, which such a restore"
                                    + " looks for. At least 1 h.");

    public static final ConfigOption<Duration> MAINTENANCE_ORPHANS_INTERVAL =
            key("chronicle.maintenance.orphans.interval")
                    .durationType()
                    .defaultValue(Duration.ofDays(1))
                    .withDescription(
                            "How often each table's location is listed for orphan files (a listing of"
                                    + " every object under it).");

    // ---- Iceberg catalog ------------------------------------------------------------------

    public static final ConfigOption<String> CATALOG_NAME =
            key("chronicle.catalog.name")
                    .stringType()
                    .defaultValue("chronicle")
                    .withDescription(
                            "Iceberg catalog name. A JDBC catalog stores tables under this name, so"
                                    + " Flink, the SQL gateway and Trino must all use the same one.");

    public static final ConfigOption<String> CATALOG_TYPE =
            key("chronicle.catalog.type")
                    .stringType()
                    .defaultValue("jdbc")
                    .withDescription(
                            "Iceberg catalog type: jdbc, rest, glue or nessie, the catalogs whose client"
                                    + " libraries the job jar carries (hive and hadoop are not offered);"
                                    + " ignored when chronicle.catalog.impl is set.");

    public static final ConfigOption<String> CATALOG_IMPL =
            key("chronicle.catalog.impl")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("A custom Iceberg Catalog class, instead of chronicle.catalog.type.");

    public static final ConfigOption<String> CATALOG_URI =
            key("chronicle.catalog.uri")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Catalog URI: a JDBC URL (jdbc:postgresql://..., jdbc:sqlite:...) or"
                                    + " a REST endpoint. A SQLite file needs its driver in Flink's lib/,"
                                    + " loaded once per process, and every process on the machine"
                                    + " holding the file.");

    public static final ConfigOption<String> CATALOG_WAREHOUSE =
            key("chronicle.catalog.warehouse")
                    .stringType()
                    .defaultValue("s3://chronicle/warehouse")
                    .withDescription("Warehouse location for new tables.");

    public static final ConfigOption<String> CATALOG_NAMESPACE =
            key("chronicle.catalog.namespace")
                    .stringType()
                    .defaultValue("chronicle")
                    .withDescription("Namespace (database) of Chronicle's tables.");

    // ---- S3 -------------------------------------------------------------------------------

    public static final ConfigOption<String> S3_ENDPOINT =
            key("chronicle.s3.endpoint")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "S3 endpoint URL for S3-compatible stores; unset means AWS S3.");

    public static final ConfigOption<Boolean> S3_PATH_STYLE_ACCESS =
            key("chronicle.s3.path-style-access")
                    .booleanType()
                    .defaultValue(false)
                    .withDescription("Path-style bucket addressing (most S3-compatible stores).");

    public static final ConfigOption<String> S3_REGION =
            key("chronicle.s3.region")
                    .stringType()
                    .defaultValue("us-east-1")
                    .withDescription("S3 region.");

    public static final ConfigOption<String> S3_ACCESS_KEY =
            key("chronicle.s3.access-key")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Static access key; unset uses the AWS default credentials chain.");

    public static final ConfigOption<String> S3_SECRET_KEY =
            key("chronicle.s3.secret-key")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("Static secret key, with chronicle.s3.access-key.");

    /** Every option declared above, in declaration order. */
    public static List<ConfigOption<?>> all() {
        List<ConfigOption<?>> options = new ArrayList<>();
        for (Field field : ChronicleOptions.class.getDeclaredFields()) {
            if (Modifier.isStatic(field.getModifiers())
                    && ConfigOption.class.isAssignableFrom(field.getType())) {
                try {
                    options.add((ConfigOption<?>) field.get(null));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return options;
    }

    /** Where a record's tenant comes from; named in configuration as {@link #toString()} gives. */
    public enum TenantSource {
        PAYLOAD_THEN_HEADER,
        HEADER,
        HEADER_ONLY;

        /** Whether a payload's {@code tenant} field is read at all. */
        public boolean readsPayload() {
            return this == PAYLOAD_THEN_HEADER;
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /** The unit of line protocol timestamps. */
    public enum InfluxPrecision {
        NS(1_000L, false),
        US(1L, true),
        MS(1_000L, true),
        S(1_000_000L, true);

        private final long factor;
        private final boolean multiplies;

        InfluxPrecision(long factor, boolean multiplies) {
            this.factor = factor;
            this.multiplies = multiplies;
        }

        /** {@code value} in this unit as epoch microseconds (nanoseconds rounded down). */
        public long toMicros(long value) {
            return multiplies ? Math.multiplyExact(value, factor) : Math.floorDiv(value, factor);
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }
}
