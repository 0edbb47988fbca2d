package io.chronicle.core.alerts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.apache.flink.util.TimeUtils;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Reads alerting rules from YAML or JSON (JSON being YAML) and validates them; every problem is
 * an {@link IllegalArgumentException} naming the rule and the field.
 *
 * <pre>
 * rules:
 *   - name: HighCpu
 *     tenant: acme                        # optional: only this tenant's points
 *     selector: 'cpu_usage{host=~"web-.*", env!="staging"}'
 *     threshold: {above: 0.9}             # or below; or absent / rate / anomaly
 *     for: 5m
 *     keep_firing_for: 2m
 *     labels: {severity: page}
 *     annotations: {summary: CPU above 90 %}
 * </pre>
 */
public final class AlertRules {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_:.-]{0,199}");
    private static final Pattern METRIC = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Set<String> CONDITIONS = Set.of("threshold", "absent", "rate", "anomaly");
    private static final Set<String> COMMON = Set.of("name", "tenant", "selector", "for",
            "keep_firing_for", "labels", "annotations");

    private AlertRules() {}

    /** A rules file: {@code rules:} with a list of rules. */
    public static List<AlertRule> parseFile(String text) {
        JsonNode root = read(text, "rules file");
        JsonNode rules = root.get("rules");
        if (rules == null || !rules.isArray()) {
            throw new IllegalArgumentException("rules file: expected a 'rules' list");
        }
        List<AlertRule> out = new ArrayList<>();
        Set<String> names = new java.util.HashSet<>();
        for (JsonNode rule : rules) {
            AlertRule r = parse(rule);
            if (!names.add(r.name)) {
                throw new IllegalArgumentException("rules file: rule '" + r.name + "' is defined twice");
            }
            out.add(r);
        }
        return out;
    }

    /** One rule, as a message on the rules topic carries it. */
    public static AlertRule parseRule(String text) {
        return parse(read(text, "rule"));
    }

    private static JsonNode read(String text, String what) {
        try {
            JsonNode node = YAML.readTree(text);
            if (node == null || !node.isObject()) {
                throw new IllegalArgumentException(what + ": expected an object");
            }
            return node;
        } catch (IOException e) {
            throw new IllegalArgumentException(what + ": not valid YAML or JSON: "
                    + e.getMessage(), e);
        }
    }

    static AlertRule parse(JsonNode node) {
        if (!node.isObject()) {
            throw new IllegalArgumentException("rule: expected an object");
        }
        String name = text(node, "name", "rule");
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("rule: 'name' is required: letters, digits, _ : . -"
                    + " (at most 200), starting with a letter or _; got " + name);
        }
        String where = "rule '" + name + "'";
        AlertRule r = new AlertRule();
        r.name = name;
        r.tenant = text(node, "tenant", where);
        String selector = text(node, "selector", where);
        if (selector == null) {
            throw new IllegalArgumentException(where + ": 'selector' is required, e.g. cpu{host=\"a\"}");
        }
        parseSelector(selector, r, where);
        r.labels = stringMap(node.get("labels"), where + " labels");
        r.annotations = stringMap(node.get("annotations"), where + " annotations");
        r.forMicros = micros(node.get("for"), where + " for");
        r.keepFiringForMicros = micros(node.get("keep_firing_for"), where + " keep_firing_for");

        List<String> conditions = new ArrayList<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (CONDITIONS.contains(field)) {
                conditions.add(field);
            } else if (!COMMON.contains(field)) {
                throw new IllegalArgumentException(where + ": unknown field '" + field + "'");
            }
        }
        if (conditions.size() != 1) {
            throw new IllegalArgumentException(where + ": needs exactly one of threshold, absent,"
                    + " rate, anomaly; got " + conditions);
        }
        String condition = conditions.get(0);
        JsonNode c = node.get(condition);
        String at = where + " " + condition;
        if (!c.isObject()) {
            throw new IllegalArgumentException(at + ": expected an object");
        }
        switch (condition) {
            case "threshold" -> {
                r.kind = AlertRule.Kind.THRESHOLD;
                comparison(c, r, at, Set.of());
            }
            case "rate" -> {
                r.kind = AlertRule.Kind.RATE;
                comparison(c, r, at, Set.of("window"));
                r.windowMicros = micros(c.get("window"), at + " window");
                if (r.windowMicros <= 0) {
                    throw new IllegalArgumentException(at + ": 'window' is required and positive");
                }
            }
            case "absent" -> {
                r.kind = AlertRule.Kind.ABSENCE;
                only(c, at, Set.of("for", "per"));
                r.absentForMicros = micros(c.get("for"), at + " for");
                if (r.absentForMicros <= 0) {
                    throw new IllegalArgumentException(at + ": 'for' is required and positive");
                }
                String per = c.has("per") ? c.get("per").asText() : "series";
                if (!per.equals("series") && !per.equals("selector")) {
                    throw new IllegalArgumentException(at + ": 'per' is series or selector, got " + per);
                }
                r.absentPerSeries = per.equals("series");
            }
            default -> {
                r.kind = AlertRule.Kind.ANOMALY;
                anomaly(c, r, at);
            }
        }
        return r;
    }

    private static void comparison(JsonNode c, AlertRule r, String at, Set<String> extra) {
        Set<String> allowed = new java.util.HashSet<>(extra);
        allowed.addAll(Set.of("above", "below", "at_or_above", "at_or_below"));
        only(c, at, allowed);
        List<String> given = new ArrayList<>();
        for (String op : List.of("above", "below", "at_or_above", "at_or_below")) {
            if (c.has(op)) {
                given.add(op);
            }
        }
        if (given.size() != 1) {
            throw new IllegalArgumentException(at + ": needs exactly one of above, below,"
                    + " at_or_above, at_or_below; got " + given);
        }
        String op = given.get(0);
        JsonNode bound = c.get(op);
        if (!bound.isNumber() || !Double.isFinite(bound.asDouble())) {
            throw new IllegalArgumentException(at + ": '" + op + "' must be a finite number");
        }
        r.op = switch (op) {
            case "above" -> ">";
            case "below" -> "<";
            case "at_or_above" -> ">=";
            default -> "<=";
        };
        r.bound = bound.asDouble();
    }

    private static void anomaly(JsonNode c, AlertRule r, String at) {
        only(c, at, Set.of("model", "alpha", "beta", "gamma", "season", "step", "band", "warmup",
                "min_sigma", "min_relative_sigma", "variance_alpha", "adapt_after"));
        r.model = c.has("model") ? c.get("model").asText() : "ewma";
        boolean holtWinters = r.model.equals("holt_winters");
        if (!holtWinters && !r.model.equals("ewma")) {
            throw new IllegalArgumentException(at + ": 'model' is ewma or holt_winters, got " + r.model);
        }
        r.alpha = fraction(c, "alpha", 0.05, false, at);
        r.beta = fraction(c, "beta", 0.005, true, at);
        r.gamma = fraction(c, "gamma", 0.2, true, at);
        r.varianceAlpha = fraction(c, "variance_alpha", 0.01, false, at);
        r.band = positive(c, "band", 3.0, at);
        r.minSigma = positive(c, "min_sigma", 1e-9, at);
        r.minRelativeSigma = c.has("min_relative_sigma") ? c.get("min_relative_sigma").asDouble(Double.NaN) : 1e-3;
        if (!(r.minRelativeSigma >= 0)) {
            throw new IllegalArgumentException(at + ": 'min_relative_sigma' must not be negative");
        }
        r.adaptAfter = c.has("adapt_after") ? c.get("adapt_after").asInt() : 5;
        if (r.adaptAfter < 2) {
            throw new IllegalArgumentException(at + ": 'adapt_after' must be at least 2 points");
        }
        if (holtWinters) {
            long season = micros(c.get("season"), at + " season");
            r.stepMicros = micros(c.get("step"), at + " step");
            if (season <= 0 || r.stepMicros <= 0 || season % r.stepMicros != 0
                    || season / r.stepMicros < 2) {
                throw new IllegalArgumentException(at + ": holt_winters needs 'season' and 'step'"
                        + " (durations, the season a multiple of at least two steps), e.g. season: 1d, step: 5m");
            }
            r.seasonLength = (int) (season / r.stepMicros);
        } else if (c.has("season") || c.has("step") || c.has("beta") || c.has("gamma")) {
            throw new IllegalArgumentException(at + ": season, step, beta and gamma are for holt_winters");
        }
        int defaultWarmup = holtWinters ? 2 * r.seasonLength : 30;
        r.warmup = c.has("warmup") ? c.get("warmup").asInt() : defaultWarmup;
        if (r.warmup < 1) {
            throw new IllegalArgumentException(at + ": 'warmup' must be at least 1 point");
        }
    }

    private static double positive(JsonNode c, String field, double fallback, String at) {
        double v = c.has(field) ? c.get(field).asDouble(Double.NaN) : fallback;
        if (!(v > 0) || !Double.isFinite(v)) {
            throw new IllegalArgumentException(at + ": '" + field + "' must be a positive number");
        }
        return v;
    }

    private static double fraction(JsonNode c, String field, double fallback, boolean zeroAllowed, String at) {
        if (!c.has(field)) {
            return fallback;
        }
        double v = c.get(field).asDouble(Double.NaN);
        if (!((zeroAllowed ? v >= 0 : v > 0) && v <= 1)) {
            throw new IllegalArgumentException(at + ": '" + field + "' must be between 0 and 1, got "
                    + c.get(field));
        }
        return v;
    }

    private static void only(JsonNode c, String at, Set<String> allowed) {
        for (Iterator<String> it = c.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!allowed.contains(field)) {
                throw new IllegalArgumentException(at + ": unknown field '" + field + "'; expected "
                        + new java.util.TreeSet<>(allowed));
            }
        }
    }

    private static String text(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw new IllegalArgumentException(where + ": '" + field + "' must be a string");
        }
        return v.asText();
    }

    private static Map<String, String> stringMap(JsonNode node, String where) {
        Map<String, String> out = new TreeMap<>();
        if (node == null || node.isNull()) {
            return out;
        }
        if (!node.isObject()) {
            throw new IllegalArgumentException(where + ": expected an object of strings");
        }
        node.fields().forEachRemaining(e -> {
            if (!LABEL.matcher(e.getKey()).matches() || !e.getValue().isValueNode()) {
                throw new IllegalArgumentException(where + ": '" + e.getKey()
                        + "' must be a label name with a plain value");
            }
            out.put(e.getKey(), e.getValue().asText());
        });
        return out;
    }

    private static long micros(JsonNode node, String where) {
        if (node == null || node.isNull()) {
            return 0L;
        }
        try {
            Duration d = TimeUtils.parseDuration(node.asText());
            if (d.isNegative()) {
                throw new IllegalArgumentException(where + ": must not be negative");
            }
            return d.toNanos() / 1_000L;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": not a duration (e.g. 30s, 5m, 1h): "
                    + node.asText(), e);
        }
    }

    /** {@code metric}, {@code metric{...}} or {@code {__name__="metric", ...}}, as in PromQL. */
    static void parseSelector(String selector, AlertRule r, String where) {
        String s = selector.trim();
        int brace = s.indexOf('{');
        String metric = (brace < 0 ? s : s.substring(0, brace)).trim();
        List<LabelMatcher> matchers = new ArrayList<>();
        if (brace >= 0) {
            if (!s.endsWith("}")) {
                throw new IllegalArgumentException(where + ": selector '" + selector + "' lacks its closing }");
            }
            parseMatchers(s.substring(brace + 1, s.length() - 1), matchers, where, selector);
        }
        for (java.util.Iterator<LabelMatcher> it = matchers.iterator(); it.hasNext(); ) {
            LabelMatcher m = it.next();
            if (m.name.equals("__name__")) {
                if (!m.op.equals("=") || !metric.isEmpty()) {
                    throw new IllegalArgumentException(where + ": selector '" + selector
                            + "' names its metric once, with = ");
                }
                metric = m.value;
                it.remove();
            }
        }
        if (!METRIC.matcher(metric).matches()) {
            throw new IllegalArgumentException(where + ": selector '" + selector
                    + "' needs a metric name matching " + METRIC);
        }
        r.metric = metric;
        r.matchers = matchers;
    }

    private static void parseMatchers(String body, List<LabelMatcher> out, String where, String selector) {
        int i = 0;
        int n = body.length();
        while (true) {
            while (i < n && (Character.isWhitespace(body.charAt(i)))) i++;
            if (i >= n) {
                return;
            }
            int start = i;
            while (i < n && (Character.isLetterOrDigit(body.charAt(i)) || body.charAt(i) == '_')) i++;
            String label = body.substring(start, i);
            while (i < n && Character.isWhitespace(body.charAt(i))) i++;
            String op;
            if (body.startsWith("=~", i) || body.startsWith("!~", i) || body.startsWith("!=", i)) {
                op = body.substring(i, i + 2);
                i += 2;
            } else if (body.startsWith("=", i)) {
                op = "=";
                i++;
            } else {
                throw new IllegalArgumentException(where + ": selector '" + selector
                        + "': expected =, !=, =~ or !~ after '" + label + "'");
            }
            if (!LABEL.matcher(label).matches() && !label.equals("__name__")) {
                throw new IllegalArgumentException(where + ": selector '" + selector
                        + "': bad label name '" + label + "'");
            }
            while (i < n && Character.isWhitespace(body.charAt(i))) i++;
            if (i >= n || (body.charAt(i) != '"' && body.charAt(i) != '\'')) {
                throw new IllegalArgumentException(where + ": selector '" + selector
                        + "': the value of '" + label + "' must be quoted");
            }
            char quote = body.charAt(i++);
            StringBuilder value = new StringBuilder();
            while (i < n && body.charAt(i) != quote) {
                char ch = body.charAt(i++);
                if (ch == '\\' && i < n) {
                    char esc = body.charAt(i++);
                    value.append(switch (esc) {
                        case 'n' -> '\n';
                        case 't' -> '\t';
                        default -> esc;
                    });
                } else {
                    value.append(ch);
                }
            }
            if (i >= n) {
                throw new IllegalArgumentException(where + ": selector '" + selector
                        + "': unterminated value of '" + label + "'");
            }
            i++;
            try {
                out.add(new LabelMatcher(label, op, value.toString()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ": selector '" + selector + "': " + e.getMessage(), e);
            }
            while (i < n && Character.isWhitespace(body.charAt(i))) i++;
            if (i < n) {
                if (body.charAt(i) != ',') {
                    throw new IllegalArgumentException(where + ": selector '" + selector
                            + "': expected , between matchers");
                }
                i++;
            }
        }
    }
}
