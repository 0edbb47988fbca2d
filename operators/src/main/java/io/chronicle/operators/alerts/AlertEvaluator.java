package io.chronicle.operators.alerts;

import io.chronicle.core.MetricPoint;
import io.chronicle.core.alerts.AlertNotification;
import io.chronicle.core.alerts.AlertRule;
import io.chronicle.core.alerts.AnomalyRecord;
import io.chronicle.core.alerts.Fingerprints;
import io.chronicle.core.alerts.LabelMatcher;
import io.chronicle.core.alerts.RuleChange;
import io.chronicle.core.alerts.RuleStatus;
import io.chronicle.operators.alerts.anomaly.AnomalyBand;
import io.chronicle.operators.alerts.anomaly.AnomalyModel;
import io.chronicle.operators.alerts.anomaly.AnomalyState;
import io.chronicle.operators.alerts.anomaly.EwmaModel;
import io.chronicle.operators.alerts.anomaly.Forecast;
import io.chronicle.operators.alerts.anomaly.HoltWintersModel;
import io.chronicle.operators.rollup.CounterRule;
import io.chronicle.operators.state.StateLayout;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Evaluates each alert, keyed by (rule, series) or (rule, selector), through Prometheus'
 * lifecycle: inactive → pending → firing → resolved, with event-time timers for {@code for},
 * {@code keep_firing_for} and absences. Every state change is one {@link AlertNotification}. The
 * state is Flink state, so a restore neither fires an alert again nor forgets a firing one.
 *
 * <p>Samples of one alert are evaluated in event-time order; one older than the latest evaluated
 * is counted ({@code outOfOrderSamples}) and skipped, except for absences, where any point counts.
 * A rule changed in its selector, condition, timings or labels, or deleted, resolves its firing
 * alerts and starts afresh; a change of annotations only keeps them.
 *
 * <p>No rule can fail the job: rules are applied through {@link RuleBook#apply}, which refuses
 * what it cannot evaluate, and a rule whose evaluation throws anyway is disabled in this
 * instance, counted ({@code ruleEvaluationFailures}) and reported on {@link RuleBook#STATUS},
 * and the alert's state is dropped. Only the evaluation is guarded: notifications are computed
 * first and sent after, so a failure downstream is never taken for the rule's. A rate rule keeps
 * at most {@link io.chronicle.core.alerts.RuleLimits#maxRateSamples()} points per series (the
 * oldest beyond are dropped and counted, {@code rateSamplesDropped}), and an annotation is cut at
 * {@value #MAX_EXPANDED_ANNOTATION} characters once expanded.
 */
public class AlertEvaluator
        extends KeyedBroadcastProcessFunction<String, RuleSample, RuleChange, AlertNotification>
        implements CheckpointedFunction {
    private static final long serialVersionUID = 1L;
    private final StateLayout layout = new StateLayout("alert evaluator");
    private static final String INACTIVE = AlertNotification.INACTIVE;
    private static final String PENDING = AlertNotification.PENDING;
    private static final String FIRING = AlertNotification.FIRING;
    private static final Pattern TEMPLATE = Pattern.compile("\\{\\{\\s*\\$(labels\\.([a-zA-Z_][a-zA-Z0-9_]*)|value)\\s*}}");
    /** An annotation's length once expanded: its template is bounded, the label values it quotes too. */
    static final int MAX_EXPANDED_ANNOTATION = 8_192;

    /** Points an anomaly rule scored outside its band, with the forecast they missed. */
    public static final OutputTag<AnomalyRecord> ANOMALIES =
            new OutputTag<>("anomalies", TypeInformation.of(AnomalyRecord.class));

    public static final ValueStateDescriptor<AlertState> STATE =
            new ValueStateDescriptor<>("alert", TypeInformation.of(AlertState.class));

    private final RuleBook rules;
    private final CounterRule counters;
    private final String externalUrl;
    private final Duration stateTtl;

    private transient ValueState<AlertState> alert;
    /** The models of the rules in force, built once per rule version. */
    private transient Map<AlertRule, AnomalyModel> models;
    private transient Counter outOfOrder;
    private transient Counter failures;
    private transient Counter rateSamplesDropped;
    /** What evaluating one sample, timer or rule change produced, sent once it succeeded. */
    private transient List<AlertNotification> pending;
    private transient List<AnomalyRecord> pendingAnomalies;

    public AlertEvaluator(RuleBook rules, CounterRule counters, String externalUrl, Duration stateTtl) {
        this.rules = rules;
        this.counters = counters;
        this.externalUrl = externalUrl;
        this.stateTtl = stateTtl;
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        layout.initialize(context);
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        layout.snapshot();
    }

    @Override
    public void open(OpenContext openContext) {
        ValueStateDescriptor<AlertState> descriptor =
                new ValueStateDescriptor<>(STATE.getName(), TypeInformation.of(AlertState.class));
        descriptor.enableTimeToLive(StateTtlConfig.newBuilder(stateTtl)
                .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                .build());
        alert = getRuntimeContext().getState(layout.reads(descriptor));
        outOfOrder = getRuntimeContext().getMetricGroup().counter("outOfOrderSamples");
        failures = getRuntimeContext().getMetricGroup().counter("ruleEvaluationFailures");
        rateSamplesDropped = getRuntimeContext().getMetricGroup().counter("rateSamplesDropped");
        models = new java.util.HashMap<>();
        pending = new ArrayList<>();
        pendingAnomalies = new ArrayList<>();
        // The rules are broadcast state, read through the context rather than registered here.
        layout.reads(RuleBook.RULES);
        layout.verify(getRuntimeContext());
    }

    @Override
    public void processElement(RuleSample sample, ReadOnlyContext ctx, Collector<AlertNotification> out)
            throws Exception {
        AlertRule rule = rules.rule(sample.ruleName, ctx.getBroadcastState(RuleBook.RULES));
        if (rule == null || rules.isDisabled(rule)) {
            return;
        }
        AlertState st = alert.value();
        pending.clear();
        pendingAnomalies.clear();
        boolean keep;
        try {
            if (st == null) {
                st = fresh(rule, sample.point);
            }
            keep = evaluate(rule, st, sample.point, ctx);
        } catch (RuntimeException e) {
            contain(rule, e, ctx);
            alert.clear();
            return;
        }
        if (keep) {
            alert.update(st);
        } else {
            alert.clear();
        }
        send(out, ctx);
    }

    /** Evaluates one point of the alert; whether its state is worth keeping. */
    private boolean evaluate(AlertRule rule, AlertState st, MetricPoint point, ReadOnlyContext ctx) {
        Emitter emit = new Emitter(rule, st, ctx);
        long ts = point.timestampMicros;
        if (rule.kind == AlertRule.Kind.ABSENCE) {
            if (FIRING.equals(st.state) && ts >= st.firedAtMicros) {
                emit.resolve(ts);
            }
            st.lastSampleMicros = Math.max(st.lastSampleMicros, ts);
            emit.schedule(st.lastSampleMicros + rule.absentForMicros);
            return true;
        }
        if (ts < st.lastSampleMicros) {
            outOfOrder.inc();
            return true;
        }
        st.lastSampleMicros = ts;
        if (rule.kind == AlertRule.Kind.ANOMALY) {
            Forecast forecast = anomaly(rule, st, point);
            if (forecast.warmedUp()) {
                st.lastValue = forecast.score();
                step(rule, st, forecast.anomalous(), ts, emit);
            }
        } else {
            Double value = rule.kind == AlertRule.Kind.RATE
                    ? rate(rule, st, point)
                    : Double.valueOf(point.value);
            if (value != null) {
                st.lastValue = value;
                step(rule, st, rule.compare(value), ts, emit);
            }
        }
        // Nothing to remember about an inactive threshold alert.
        return !(INACTIVE.equals(st.state) && rule.kind == AlertRule.Kind.THRESHOLD);
    }

    /** A rule whose evaluation threw: off in this instance, counted and reported. */
    private void contain(AlertRule rule, RuntimeException e, ReadOnlyContext ctx) {
        failures.inc();
        RuleStatus status = rules.disable(rule, e);
        if (status != null) {
            ctx.output(RuleBook.STATUS, status);
        }
    }

    /** Sends what the evaluation that just succeeded produced. */
    private void send(Collector<AlertNotification> out, ReadOnlyContext ctx) {
        pending.forEach(out::collect);
        pendingAnomalies.forEach(a -> ctx.output(ANOMALIES, a));
        pending.clear();
        pendingAnomalies.clear();
    }

    /** The lifecycle step for a sample whose condition is {@code holds}. */
    private static void step(AlertRule rule, AlertState st, boolean holds, long ts, Emitter emit) {
        switch (st.state) {
            case PENDING -> {
                if (!holds) {
                    emit.cancelTimer();
                    st.state = INACTIVE;
                    emit.notify(INACTIVE, st.activeSinceMicros, ts, ts);
                } else if (ts >= st.activeSinceMicros + rule.forMicros) {
                    emit.fire(st.activeSinceMicros + rule.forMicros);
                }
            }
            case FIRING -> {
                if (holds) {
                    if (st.clearedSinceMicros != Long.MIN_VALUE) {
                        st.clearedSinceMicros = Long.MIN_VALUE;
                        emit.cancelTimer();
                    }
                } else if (rule.keepFiringForMicros == 0) {
                    emit.resolve(ts);
                } else if (st.clearedSinceMicros == Long.MIN_VALUE) {
                    st.clearedSinceMicros = ts;
                    emit.schedule(ts + rule.keepFiringForMicros);
                } else if (ts >= st.clearedSinceMicros + rule.keepFiringForMicros) {
                    emit.resolve(st.clearedSinceMicros + rule.keepFiringForMicros);
                }
            }
            default -> {
                if (holds) {
                    st.activeSinceMicros = ts;
                    if (rule.forMicros == 0) {
                        emit.fire(ts);
                    } else {
                        st.state = PENDING;
                        emit.notify(PENDING, ts, null, ts);
                        emit.schedule(ts + rule.forMicros);
                    }
                }
            }
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<AlertNotification> out)
            throws Exception {
        AlertState st = alert.value();
        if (st == null || st.timerMillis != timestamp) {
            return;
        }
        st.timerMillis = Long.MIN_VALUE;
        AlertRule rule = rules.rule(st.ruleName, ctx.getBroadcastState(RuleBook.RULES));
        if (rule == null || rules.isDisabled(rule)) {
            alert.clear();
            return;
        }
        pending.clear();
        pendingAnomalies.clear();
        try {
            due(rule, st, timestamp * 1_000L, new Emitter(rule, st, ctx));
        } catch (RuntimeException e) {
            contain(rule, e, ctx);
            alert.clear();
            return;
        }
        alert.update(st);
        send(out, ctx);
    }

    /** What comes due at event time {@code now}: an absence, the end of for or keep_firing_for. */
    private static void due(AlertRule rule, AlertState st, long now, Emitter emit) {
        if (rule.kind == AlertRule.Kind.ABSENCE) {
            long due = st.lastSampleMicros + rule.absentForMicros;
            if (!FIRING.equals(st.state) && now >= due) {
                emit.fire(due);
            }
        } else if (PENDING.equals(st.state) && now >= st.activeSinceMicros + rule.forMicros) {
            emit.fire(st.activeSinceMicros + rule.forMicros);
        } else if (FIRING.equals(st.state) && st.clearedSinceMicros != Long.MIN_VALUE
                && now >= st.clearedSinceMicros + rule.keepFiringForMicros) {
            emit.resolve(st.clearedSinceMicros + rule.keepFiringForMicros);
        }
    }

    @Override
    public void processBroadcastElement(RuleChange change, Context ctx, Collector<AlertNotification> out)
            throws Exception {
        RuleBook.Applied applied = rules.apply(change, ctx.getBroadcastState(RuleBook.RULES));
        AlertRule before = applied.before();
        if (!applied.changed() || before == null) {
            return;
        }
        models.remove(before);
        if (evaluatesAlike(change.rule, before)) {
            return;
        }
        long watermark = ctx.currentWatermark();
        long nowMicros = watermark == Long.MIN_VALUE ? Long.MIN_VALUE : watermark * 1_000L;
        ctx.applyToKeyedState(STATE, (key, state) -> {
            AlertState st = state.value();
            if (st == null || !change.name.equals(st.ruleName)) {
                return;
            }
            pending.clear();
            try {
                Emitter emit = new Emitter(before, st, null);
                long at = Math.max(nowMicros, st.lastSampleMicros);
                if (FIRING.equals(st.state)) {
                    emit.resolve(at);
                } else if (PENDING.equals(st.state)) {
                    emit.notify(INACTIVE, st.activeSinceMicros, at, at);
                }
            } catch (RuntimeException e) {
                // The old rule cannot say its alert ended; the alert starts afresh all the same.
                failures.inc();
                pending.clear();
            }
            state.clear();
            pending.forEach(out::collect);
            pending.clear();
        });
    }

    /**
     * Whether alerts of {@code before} carry on under {@code after}: same evaluation and labels.
     * A rule that cannot even be compared (one from an older version's state) does not.
     */
    private static boolean evaluatesAlike(AlertRule after, AlertRule before) {
        try {
            return after != null && after.evaluatesLike(before) && after.labels.equals(before.labels);
        } catch (RuntimeException e) {
            return false;
        }
    }

    private AlertState fresh(AlertRule rule, MetricPoint p) {
        AlertState st = new AlertState();
        st.ruleName = rule.name;
        st.tenant = rule.tenant != null ? rule.tenant : p.tenant;
        Map<String, String> labels = new TreeMap<>();
        if (rule.kind == AlertRule.Kind.ABSENCE && !rule.absentPerSeries) {
            // About the selector as a whole: only what every matching series shares, as absent() does.
            for (LabelMatcher m : rule.matchers) {
                if (m.op.equals("=")) {
                    labels.put(m.name, m.value);
                }
            }
            if (rule.tenant != null) {
                labels.put("tenant", rule.tenant);
            }
        } else {
            labels.putAll(p.tags);
            labels.put("tenant", p.tenant);
            st.seriesId = p.seriesId;
        }
        st.labels = labels;
        st.state = INACTIVE;
        st.lastSampleMicros = Long.MIN_VALUE;
        st.clearedSinceMicros = Long.MIN_VALUE;
        st.timerMillis = Long.MIN_VALUE;
        return st;
    }

    /** Scores the point against the rule's forecast of the series, then lets the model learn it. */
    private Forecast anomaly(AlertRule rule, AlertState st, MetricPoint p) {
        if (st.anomaly == null) {
            st.anomaly = new AnomalyState();
        }
        Forecast forecast = models.computeIfAbsent(rule, AlertEvaluator::model)
                .observe(st.anomaly, p.timestampMicros, p.value);
        if (forecast.anomalous()) {
            AnomalyRecord a = new AnomalyRecord();
            a.tenant = p.tenant;
            a.ruleName = rule.name;
            a.model = rule.model;
            a.metric = p.metric;
            a.tags = p.tags;
            a.seriesId = p.seriesId;
            a.tsMicros = p.timestampMicros;
            a.value = p.value;
            a.expected = forecast.expected();
            a.sigma = forecast.sigma();
            a.score = forecast.score();
            pendingAnomalies.add(a);
        }
        return forecast;
    }

    /** The rule's anomaly model; throws when its parameters cannot make one. */
    static AnomalyModel model(AlertRule rule) {
        AnomalyBand band = new AnomalyBand(rule.band, rule.warmup, rule.minSigma,
                rule.minRelativeSigma, rule.varianceAlpha, rule.adaptAfter);
        return rule.model.equals("holt_winters")
                ? new HoltWintersModel(rule.alpha, rule.beta, rule.gamma, rule.seasonLength,
                        rule.stepMicros, band)
                : new EwmaModel(rule.alpha, band);
    }

    /**
     * The rate rule's increase per second over its window: between the oldest and newest samples
     * in the window, reset-aware for counters (a drop counts the new value, as in Prometheus);
     * null until the window holds two samples. At most {@code maxRateSamples} are kept: beyond,
     * the rate is over the newest ones.
     */
    private Double rate(AlertRule rule, AlertState st, MetricPoint p) {
        long[] times = st.windowTimes == null ? new long[0] : st.windowTimes;
        double[] values = st.windowValues == null ? new double[0] : st.windowValues;
        long from = p.timestampMicros - rule.windowMicros;
        int keep = 0;
        while (keep < times.length && times[keep] < from) {
            keep++;
        }
        // Room for the new point within the bound: the oldest points beyond it are dropped.
        int over = times.length - keep + 1 - rules.limits().maxRateSamples();
        if (over > 0) {
            keep += over;
            rateSamplesDropped.inc(over);
        }
        times = Arrays.copyOfRange(times, keep, times.length + 1);
        values = Arrays.copyOfRange(values, keep, values.length + 1);
        times[times.length - 1] = p.timestampMicros;
        values[values.length - 1] = p.value;
        st.windowTimes = times;
        st.windowValues = values;
        if (times.length < 2 || times[times.length - 1] == times[0]) {
            return null;
        }
        boolean counter = counters.isCounter(p.metric);
        double increase = 0;
        for (int i = 1; i < values.length; i++) {
            double step = values[i] - values[i - 1];
            increase += counter && step < 0 ? values[i] : step;
        }
        return increase / ((times[times.length - 1] - times[0]) / 1e6);
    }

    /** Builds an alert's notifications (sent once the evaluation succeeded), and keeps its single timer. */
    private final class Emitter {
        private final AlertRule rule;
        private final AlertState st;
        private final ReadOnlyContext timers;

        Emitter(AlertRule rule, AlertState st, ReadOnlyContext timers) {
            this.rule = rule;
            this.st = st;
            this.timers = timers;
        }

        void fire(long at) {
            cancelTimer();
            st.state = FIRING;
            st.firedAtMicros = at;
            st.clearedSinceMicros = Long.MIN_VALUE;
            notify(FIRING, at, null, at);
        }

        void resolve(long at) {
            cancelTimer();
            st.state = INACTIVE;
            st.clearedSinceMicros = Long.MIN_VALUE;
            notify(AlertNotification.RESOLVED, st.firedAtMicros, at, at);
        }

        void schedule(long dueMicros) {
            long millis = Math.floorDiv(dueMicros + 999L, 1_000L);
            if (millis == st.timerMillis) {
                return;
            }
            cancelTimer();
            timers.timerService().registerEventTimeTimer(millis);
            st.timerMillis = millis;
        }

        void cancelTimer() {
            if (st.timerMillis != Long.MIN_VALUE && timers != null) {
                timers.timerService().deleteEventTimeTimer(st.timerMillis);
            }
            st.timerMillis = Long.MIN_VALUE;
        }

        void notify(String state, long startsAt, Long endsAt, long changedAt) {
            AlertNotification n = new AlertNotification();
            Map<String, String> labels = new TreeMap<>(st.labels);
            labels.putAll(rule.labels);
            labels.put("alertname", rule.name);
            n.labels = labels;
            n.fingerprint = Fingerprints.of(labels);
            n.state = state;
            n.tenant = st.tenant;
            n.ruleName = rule.name;
            n.seriesId = st.seriesId;
            n.startsAtMicros = startsAt;
            n.endsAtMicros = endsAt;
            n.changedAtMicros = changedAt;
            n.value = rule.kind == AlertRule.Kind.ABSENCE ? null : st.lastValue;
            Map<String, String> annotations = new TreeMap<>();
            rule.annotations.forEach((k, v) -> annotations.put(k, expand(v, labels, n.value)));
            n.annotations = annotations;
            n.generatorUrl = externalUrl.isEmpty() ? null : externalUrl + "?rule=" + rule.name;
            pending.add(n);
        }
    }

    /**
     * Prometheus-style {@code {{ $labels.name }}} and {@code {{ $value }}} in annotations, cut at
     * {@value #MAX_EXPANDED_ANNOTATION} characters (ending in …).
     */
    static String expand(String template, Map<String, String> labels, Double value) {
        Matcher m = TEMPLATE.matcher(template);
        StringBuilder sb = new StringBuilder();
        int from = 0;
        while (sb.length() <= MAX_EXPANDED_ANNOTATION && m.find()) {
            sb.append(template, from, m.start());
            sb.append(m.group(2) != null
                    ? labels.getOrDefault(m.group(2), "")
                    : value == null ? "" : String.valueOf(value));
            from = m.end();
        }
        if (sb.length() <= MAX_EXPANDED_ANNOTATION) {
            sb.append(template, from, template.length());
        }
        if (sb.length() <= MAX_EXPANDED_ANNOTATION) {
            return sb.toString();
        }
        // Never half a surrogate pair: not text, and JSON readers of the alerts may refuse it.
        int end = Character.isHighSurrogate(sb.charAt(MAX_EXPANDED_ANNOTATION - 2))
                ? MAX_EXPANDED_ANNOTATION - 2 : MAX_EXPANDED_ANNOTATION - 1;
        return sb.substring(0, end) + "…";
    }
}
