package io.chronicle.core.alerts;

import com.fasterxml.jackson.databind.JsonNode;
import io.chronicle.core.ChronicleOptions;
import org.apache.flink.util.TimeUtils;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Reads alerting rules from YAML or JSON (JSON being YAML) and validates them; every problem is
 * an {@link IllegalArgumentException} naming the rule and the field. Nothing a document holds
 * makes it throw anything else: the structure is bounded by {@link RuleDocuments}, every field
 * by its type and range here, every duration by {@link RuleLimits#maxDuration()}, and regular
 * expressions by {@link LabelMatcher}.
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

    /** A selector's length in characters. */
    public static final int MAX_SELECTOR_LENGTH = 4_096;
    /** Label matchers in a selector. */
    public static final int MAX_MATCHERS = 64;
    /** Entries of a rule's labels, and of its annotations. */
    public static final int MAX_LABELS = 64;
    public static final int MAX_ANNOTATIONS = 64;
    /** A label value's length; as a point's tag value may be. */
    public static final int MAX_LABEL_VALUE_LENGTH = 1_024;
    /** An annotation's length before expansion. */
    public static final int MAX_ANNOTATION_LENGTH = 4_096;
    /** Holt-Winters: steps in a season (a week of minutes); the model keeps one value per step. */
    public static final int MAX_SEASON_STEPS = 10_080;
    /** Anomaly: the largest warmup and adapt_after. */
    public static final int MAX_WARMUP = 1_000_000;
    public static final int MAX_ADAPT_AFTER = 10_000;
    /** How much of a value a reason quotes. */
    static final int QUOTE_LENGTH = 100;

    private static final Pattern NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_:.-]{0,199}");
    private static final Pattern METRIC = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]{0,254}");
    private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]{0,127}");
    /** A tenant as producers may name one (producing.md). */
    private static final Pattern TENANT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
    private static final Set<String> CONDITIONS = Set.of("threshold", "absent", "rate", "anomaly");
    private static final Set<String> COMMON = Set.of("name", "tenant", "selector", "for",
            "keep_firing_for", "labels", "annotations");
    private static final List<String> COMPARISONS = List.of("above", "below", "at_or_above", "at_or_below");

    private AlertRules() {}

    /** A rules file: {@code rules:} with a list of at most {@code maxRules} rules. */
    public static List<AlertRule> parseFile(String text, RuleLimits limits) {
        JsonNode root;
        try {
            root = RuleDocuments.readFile(text, limits.maxRules());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("rules file: " + e.getMessage(), e);
        }
        JsonNode rules = root.get("rules");
        if (rules == null || !rules.isArray()) {
            throw new IllegalArgumentException("rules file: expected a 'rules' list");
        }
        if (rules.size() > limits.maxRules()) {
            throw new IllegalArgumentException("rules file: " + rules.size() + " rules, more than "
                    + limits.maxRules() + " (" + ChronicleOptions.ALERTS_RULES_MAX_RULES.key() + ")");
        }
        List<AlertRule> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (JsonNode rule : rules) {
            AlertRule r = parse(rule, limits);
            if (!names.add(r.name)) {
                throw new IllegalArgumentException("rules file: rule '" + r.name + "' is defined twice");
            }
            out.add(r);
        }
        return out;
    }

    /** One rule, as a message on the rules topic carries it. */
    public static AlertRule parseRule(String text, RuleLimits limits) {
        JsonNode node;
        try {
            node = RuleDocuments.readRule(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("rule: " + e.getMessage(), e);
        }
        return parse(node, limits);
    }

    /** One rule, within the default limits. */
    public static AlertRule parseRule(String text) {
        return parseRule(text, RuleLimits.defaults());
    }

    /** Whether {@code name} can name a rule. */
    public static boolean isRuleName(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    static AlertRule parse(JsonNode node, RuleLimits limits) {
        if (!node.isObject()) {
            throw new IllegalArgumentException("rule: expected an object, got " + show(node));
        }
        String name = text(node, "name", "rule");
        if (!isRuleName(name)) {
            throw new IllegalArgumentException("rule: 'name' is required: letters, digits, _ : . -"
                    + " (at most 200), starting with a letter or _; got " + quote(name));
        }
        String where = "rule '" + name + "'";
        AlertRule r = new AlertRule();
        r.name = name;
        r.tenant = text(node, "tenant", where);
        if (r.tenant != null && !TENANT.matcher(r.tenant).matches()) {
            throw new IllegalArgumentException(where + ": 'tenant' must be 1 to 128 of A-Z a-z 0-9 _ . -,"
                    + " starting with a letter or digit; got " + quote(r.tenant));
        }
        String selector = text(node, "selector", where);
        if (selector == null) {
            throw new IllegalArgumentException(where + ": 'selector' is required, e.g. cpu{host=\"a\"}");
        }
        if (selector.length() > MAX_SELECTOR_LENGTH) {
            throw new IllegalArgumentException(where + ": 'selector' is longer than " + MAX_SELECTOR_LENGTH
                    + " characters");
        }
        parseSelector(selector, r, where);
        r.labels = stringMap(node.get("labels"), where + " labels", MAX_LABELS, MAX_LABEL_VALUE_LENGTH);
        r.annotations = stringMap(node.get("annotations"), where + " annotations", MAX_ANNOTATIONS,
                MAX_ANNOTATION_LENGTH);
        r.forMicros = micros(node.get("for"), where + " for", limits);
        r.keepFiringForMicros = micros(node.get("keep_firing_for"), where + " keep_firing_for", limits);

        List<String> conditions = new ArrayList<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (CONDITIONS.contains(field)) {
                conditions.add(field);
            } else if (!COMMON.contains(field)) {
                throw new IllegalArgumentException(where + ": unknown field " + quote(field));
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
            throw new IllegalArgumentException(at + ": expected an object, got " + show(c));
        }
        switch (condition) {
            case "threshold" -> {
                r.kind = AlertRule.Kind.THRESHOLD;
                comparison(c, r, at, Set.of());
            }
            case "rate" -> {
                r.kind = AlertRule.Kind.RATE;
                comparison(c, r, at, Set.of("window"));
                r.windowMicros = micros(c.get("window"), at + " window", limits);
                if (r.windowMicros <= 0) {
                    throw new IllegalArgumentException(at + ": 'window' is required and positive");
                }
            }
            case "absent" -> {
                r.kind = AlertRule.Kind.ABSENCE;
                only(c, at, Set.of("for", "per"));
                r.absentForMicros = micros(c.get("for"), at + " for", limits);
                if (r.absentForMicros <= 0) {
                    throw new IllegalArgumentException(at + ": 'for' is required and positive");
                }
                String per = text(c, "per", at);
                if (per == null) {
                    per = "series";
                }
                if (!per.equals("series") && !per.equals("selector")) {
                    throw new IllegalArgumentException(at + ": 'per' is series or selector, got " + quote(per));
                }
                r.absentPerSeries = per.equals("series");
            }
            default -> {
                r.kind = AlertRule.Kind.ANOMALY;
                anomaly(c, r, at, limits);
            }
        }
        return r;
    }

    private static void comparison(JsonNode c, AlertRule r, String at, Set<String> extra) {
        Set<String> allowed = new HashSet<>(extra);
        allowed.addAll(COMPARISONS);
        only(c, at, allowed);
        List<String> given = new ArrayList<>();
        for (String op : COMPARISONS) {
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
            throw new IllegalArgumentException(at + ": '" + op + "' must be a finite number, got " + show(bound));
        }
        r.op = switch (op) {
            case "above" -> ">";
            case "below" -> "<";
            case "at_or_above" -> ">=";
            default -> "<=";
        };
        r.bound = bound.asDouble();
    }

    private static void anomaly(JsonNode c, AlertRule r, String at, RuleLimits limits) {
        only(c, at, Set.of("model", "alpha", "beta", "gamma", "season", "step", "band", "warmup",
                "min_sigma", "min_relative_sigma", "variance_alpha", "adapt_after"));
        String model = text(c, "model", at);
        r.model = model == null ? "ewma" : model;
        boolean holtWinters = r.model.equals("holt_winters");
        if (!holtWinters && !r.model.equals("ewma")) {
            throw new IllegalArgumentException(at + ": 'model' is ewma or holt_winters, got " + quote(r.model));
        }
        r.alpha = fraction(c, "alpha", 0.05, false, at);
        r.beta = fraction(c, "beta", 0.005, true, at);
        r.gamma = fraction(c, "gamma", 0.2, true, at);
        r.varianceAlpha = fraction(c, "variance_alpha", 0.01, false, at);
        r.band = positive(c, "band", 3.0, at);
        r.minSigma = positive(c, "min_sigma", 1e-9, at);
        r.minRelativeSigma = c.has("min_relative_sigma") ? number(c, "min_relative_sigma", at) : 1e-3;
        if (!(r.minRelativeSigma >= 0 && r.minRelativeSigma <= 1)) {
            throw new IllegalArgumentException(at + ": 'min_relative_sigma' must be between 0 and 1, got "
                    + show(c.get("min_relative_sigma")));
        }
        r.adaptAfter = integer(c, "adapt_after", 5, 2, MAX_ADAPT_AFTER, at);
        if (holtWinters) {
            long season = micros(c.get("season"), at + " season", limits);
            r.stepMicros = micros(c.get("step"), at + " step", limits);
            if (season <= 0 || r.stepMicros <= 0 || season % r.stepMicros != 0
                    || season / r.stepMicros < 2) {
                throw new IllegalArgumentException(at + ": holt_winters needs 'season' and 'step'"
                        + " (durations, the season a multiple of at least two steps), e.g. season: 1d, step: 5m");
            }
            if (season / r.stepMicros > MAX_SEASON_STEPS) {
                throw new IllegalArgumentException(at + ": a season of " + season / r.stepMicros
                        + " steps, more than " + MAX_SEASON_STEPS + "; take a longer step");
            }
            r.seasonLength = (int) (season / r.stepMicros);
        } else if (c.has("season") || c.has("step") || c.has("beta") || c.has("gamma")) {
            throw new IllegalArgumentException(at + ": season, step, beta and gamma are for holt_winters");
        }
        r.warmup = integer(c, "warmup", holtWinters ? 2 * r.seasonLength : 30, 1, MAX_WARMUP, at);
    }

    private static double number(JsonNode c, String field, String at) {
        JsonNode v = c.get(field);
        if (!v.isNumber() || !Double.isFinite(v.asDouble())) {
            throw new IllegalArgumentException(at + ": '" + field + "' must be a finite number, got " + show(v));
        }
        return v.asDouble();
    }

    private static double positive(JsonNode c, String field, double fallback, String at) {
        double v = c.has(field) ? number(c, field, at) : fallback;
        if (!(v > 0)) {
            throw new IllegalArgumentException(at + ": '" + field + "' must be a positive number, got "
                    + show(c.get(field)));
        }
        return v;
    }

    private static double fraction(JsonNode c, String field, double fallback, boolean zeroAllowed, String at) {
        if (!c.has(field)) {
            return fallback;
        }
        JsonNode node = c.get(field);
        double v = node.isNumber() ? node.asDouble() : Double.NaN;
        if (!((zeroAllowed ? v >= 0 : v > 0) && v <= 1)) {
            throw new IllegalArgumentException(at + ": '" + field + "' must be between 0 and 1, got " + show(node));
        }
        return v;
    }

    private static int integer(JsonNode c, String field, int fallback, int min, int max, String at) {
        if (!c.has(field)) {
            return fallback;
        }
        JsonNode v = c.get(field);
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < min || v.intValue() > max) {
            throw new IllegalArgumentException(at + ": '" + field + "' must be a whole number from " + min
                    + " to " + max + ", got " + show(v));
        }
        return v.intValue();
    }

    private static void only(JsonNode c, String at, Set<String> allowed) {
        for (Iterator<String> it = c.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!allowed.contains(field)) {
                throw new IllegalArgumentException(at + ": unknown field " + quote(field) + "; expected "
                        + new TreeSet<>(allowed));
            }
        }
    }

    private static String text(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw new IllegalArgumentException(where + ": '" + field + "' must be a string, got " + show(v));
        }
        return v.asText();
    }

    private static Map<String, String> stringMap(JsonNode node, String where, int maxEntries, int maxLength) {
        Map<String, String> out = new TreeMap<>();
        if (node == null || node.isNull()) {
            return out;
        }
        if (!node.isObject()) {
            throw new IllegalArgumentException(where + ": expected an object of strings, got " + show(node));
        }
        if (node.size() > maxEntries) {
            throw new IllegalArgumentException(where + ": " + node.size() + " entries, more than " + maxEntries);
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode value = e.getValue();
            if (!LABEL.matcher(e.getKey()).matches() || !value.isValueNode() || value.isNull()) {
                throw new IllegalArgumentException(where + ": " + quote(e.getKey())
                        + " must be a label name (at most 128 characters) with a plain value");
            }
            if (value.asText().length() > maxLength) {
                throw new IllegalArgumentException(where + ": the value of '" + e.getKey() + "' is longer than "
                        + maxLength + " characters");
            }
            out.put(e.getKey(), value.asText());
        }
        return out;
    }

    /**
     * A duration in µs, 0 when absent. Compared with the bound as a {@link Duration}, before any
     * conversion that could overflow.
     */
    private static long micros(JsonNode node, String where, RuleLimits limits) {
        if (node == null || node.isNull()) {
            return 0L;
        }
        if (!node.isTextual() && !node.isIntegralNumber()) {
            throw new IllegalArgumentException(where + ": a duration is a string such as 30s, 5m or 1h, got "
                    + show(node));
        }
        String text = node.asText();
        Duration d;
        try {
            d = TimeUtils.parseDuration(text);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(where + ": not a duration (e.g. 30s, 5m, 1h): " + quote(text), e);
        }
        if (d.isNegative()) {
            throw new IllegalArgumentException(where + ": must not be negative");
        }
        if (d.compareTo(limits.maxDuration()) > 0) {
            throw new IllegalArgumentException(where + ": " + quote(text) + " is longer than "
                    + TimeUtils.formatWithHighestUnit(limits.maxDuration()) + " ("
                    + ChronicleOptions.ALERTS_RULES_MAX_DURATION.key() + ")");
        }
        return d.toNanos() / 1_000L;
    }

    /** {@code metric}, {@code metric{...}} or {@code {__name__="metric", ...}}, as in PromQL. */
    static void parseSelector(String selector, AlertRule r, String where) {
        String s = selector.trim();
        int brace = s.indexOf('{');
        String metric = (brace < 0 ? s : s.substring(0, brace)).trim();
        List<LabelMatcher> matchers = new ArrayList<>();
        if (brace >= 0) {
            if (!s.endsWith("}")) {
                throw new IllegalArgumentException(where + ": selector " + quote(selector) + " lacks its closing }");
            }
            parseMatchers(s.substring(brace + 1, s.length() - 1), matchers, where, selector);
        }
        for (Iterator<LabelMatcher> it = matchers.iterator(); it.hasNext(); ) {
            LabelMatcher m = it.next();
            if (m.name.equals("__name__")) {
                if (!m.op.equals("=") || !metric.isEmpty()) {
                    throw new IllegalArgumentException(where + ": selector " + quote(selector)
                            + " names its metric once, with = ");
                }
                metric = m.value;
                it.remove();
            }
        }
        if (!METRIC.matcher(metric).matches()) {
            throw new IllegalArgumentException(where + ": selector " + quote(selector)
                    + " needs a metric name matching " + METRIC + " (at most 255 characters)");
        }
        r.metric = metric;
        r.matchers = matchers;
    }

    private static void parseMatchers(String body, List<LabelMatcher> out, String where, String selector) {
        int i = 0;
        int n = body.length();
        String at = where + ": selector " + quote(selector);
        while (true) {
            while (i < n && (Character.isWhitespace(body.charAt(i)))) i++;
            if (i >= n) {
                return;
            }
            if (out.size() == MAX_MATCHERS) {
                throw new IllegalArgumentException(at + ": more than " + MAX_MATCHERS + " matchers");
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
                throw new IllegalArgumentException(at + ": expected =, !=, =~ or !~ after " + quote(label));
            }
            if (!LABEL.matcher(label).matches() && !label.equals("__name__")) {
                throw new IllegalArgumentException(at + ": bad label name " + quote(label));
            }
            while (i < n && Character.isWhitespace(body.charAt(i))) i++;
            if (i >= n || (body.charAt(i) != '"' && body.charAt(i) != '\'')) {
                throw new IllegalArgumentException(at + ": the value of '" + label + "' must be quoted");
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
                throw new IllegalArgumentException(at + ": unterminated value of '" + label + "'");
            }
            i++;
            try {
                out.add(new LabelMatcher(label, op, value.toString()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(at + ": " + e.getMessage(), e);
            }
            while (i < n && Character.isWhitespace(body.charAt(i))) i++;
            if (i < n) {
                if (body.charAt(i) != ',') {
                    throw new IllegalArgumentException(at + ": expected , between matchers");
                }
                i++;
            }
        }
    }

    /** A value as a reason quotes it: a scalar, abbreviated; a container by its kind only. */
    static String show(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return "nothing";
        }
        if (node.isObject()) {
            return "an object";
        }
        if (node.isArray()) {
            return "a list";
        }
        return node.isTextual() ? quote(node.asText()) : abbreviate(node.asText());
    }

    static String quote(String text) {
        return text == null ? "nothing" : "'" + abbreviate(text) + "'";
    }

    /** At most {@value #QUOTE_LENGTH} characters of {@code text}, for a reason to quote. */
    public static String abbreviate(String text) {
        if (text == null) {
            return "null";
        }
        if (text.length() <= QUOTE_LENGTH) {
            return text;
        }
        // Never half a surrogate pair: not text, and JSON readers of the status topic may refuse it.
        int end = Character.isHighSurrogate(text.charAt(QUOTE_LENGTH - 1)) ? QUOTE_LENGTH - 1 : QUOTE_LENGTH;
        return text.substring(0, end) + "…";
    }
}
