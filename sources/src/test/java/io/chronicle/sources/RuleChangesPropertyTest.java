package io.chronicle.sources;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.chronicle.core.alerts.AlertRule;
import io.chronicle.core.alerts.AlertRules;
import io.chronicle.core.alerts.RuleChange;
import io.chronicle.core.alerts.RuleLimits;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.constraints.Size;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The rules topic's reader over 16,000 generated messages: arbitrary bytes and strings, valid
 * rules mutated at random, and rule documents built field by field with values on and beyond
 * every bound. Every message must become a rule, a deletion or a refusal with a reason, never an
 * exception; a rule must lie within every bound; and for the documents built field by field, an
 * oracle that knows which fields it made invalid says whether the rule is accepted, what it must
 * hold, or which fault the reason must name.
 */
class RuleChangesPropertyTest {

    private static final RuleLimits LIMITS = RuleLimits.defaults();
    private static final long MAX_MICROS = 30L * 86_400_000_000L;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final YAMLMapper YAML = new YAMLMapper();

    // ---- anything at all ------------------------------------------------------------------

    @Property(tries = 3_000)
    void arbitraryBytesBecomeARuleADeletionOrARefusal(
            @ForAll @Size(max = 64) byte[] key, @ForAll @Size(max = 2_000) byte[] value, @ForAll boolean tombstone) {
        RuleChange c = RuleChanges.read(key, tombstone ? null : value, LIMITS);
        assertWellFormed(c);
    }

    @Property(tries = 3_000)
    void arbitraryTextBecomesARuleOrARefusal(@ForAll @Size(max = 2_000) String text) {
        RuleChange c = RuleChanges.read(bytes("r"), bytes(text), LIMITS);
        assertWellFormed(c);
        assertThat(c.isDelete()).isFalse();
    }

    // ---- valid rules, mutated -------------------------------------------------------------

    private static final List<String> CORPUS = List.of(
            """
            name: HighCpu
            tenant: acme
            selector: 'cpu_usage{host=~"web-.*", env!="staging"}'
            threshold: {above: 0.9}
            for: 5m
            keep_firing_for: 2m
            labels: {severity: page}
            annotations: {summary: 'CPU {{ $value }} on {{ $labels.host }}'}
            """,
            "{\"name\": \"AgentGone\", \"selector\": \"up{job=\\\"agent\\\"}\", \"absent\": {\"for\": \"10m\", \"per\": \"selector\"}}",
            """
            name: ErrorRate
            selector: 'http_errors_total{code=~"5.."}'
            rate: {window: 5m, above: 10}
            for: 1m
            """,
            """
            {"name": "LatencyAnomaly", "selector": "latency_ms{service=\\"api\\"}",
             "anomaly": {"model": "holt_winters", "season": "1d", "step": "5m", "band": 3, "warmup": 600,
                         "alpha": 0.05, "beta": 0.005, "gamma": 0.2, "min_sigma": 1e-9,
                         "min_relative_sigma": 0.001, "variance_alpha": 0.01, "adapt_after": 5}}
            """,
            """
            name: Shared
            selector: '{__name__="mem", zone!~"eu-.*|us-.*"}'
            threshold: {at_or_below: -1.5e3}
            labels: &l {team: db}
            annotations: *l
            """);

    private static final List<String> SNIPPETS = List.of("{", "}", "[", "]", ": ", ", ", "\"", "'", "&a ", "*a",
            "!!binary ", "!!python/object ", "\n  ", "\t", "---\n", "...\n", "~", "null", "1e400", "-1", "0", ".nan",
            "-.inf", "200000000d", "99999999999999999999999999", "\\u0000", "\\ud800", "((a{1000}){1000}){1000}",
            "(a+)+$", "(?=x)", "<<: *a\n", "? ", "|\n", ">-\n", "#", "%YAML 1.1\n", "\u0000", "\uFEFF", "\u2028",
            "\uD83D\uDE00", "{{ $labels.x }}", "{{", "=~", "!~", "\"}", "__name__", "-5m", "31d", "0s", "1ns");
    private static final List<String> EDGE_NUMBERS = List.of("0", "-0.0", "-1", "1e400", "-1e400", "4294967297",
            "9223372036854775808", "1e-400", "2.5", ".nan", ".inf", "0x7fffffff", "1_000", "NaN", "\"3\"");
    private static final List<String> EDGE_DURATIONS = List.of("200000000d", "30d", "31d", "43200m", "43201m",
            "2592000000ms", "2592000001ms", "-5m", "0s", "0", "1ns", "1µs", "99999999999999999999999d", "5 min", "1h30m");
    private static final Pattern NUMBER = Pattern.compile("-?[0-9]+(\\.[0-9]+)?(e-?[0-9]+)?");
    private static final Pattern DURATION = Pattern.compile("[0-9]+(ms|s|m|h|d)\\b");

    @Provide
    Arbitrary<String> mutatedRules() {
        return Combinators.combine(Arbitraries.of(CORPUS), Arbitraries.integers().between(1, 8), Arbitraries.longs())
                .as((rule, mutations, seed) -> mutate(rule, mutations, new Random(seed)));
    }

    @Property(tries = 5_000)
    void mutatedRulesBecomeARuleOrARefusal(@ForAll("mutatedRules") String document) {
        String name = nameIn(document);
        RuleChange c = RuleChanges.read(bytes(name), bytes(document), LIMITS);
        assertWellFormed(c);
        assertThat(c.isDelete()).isFalse();
    }

    private static String mutate(String document, int mutations, Random random) {
        StringBuilder doc = new StringBuilder(document);
        for (int m = 0; m < mutations; m++) {
            int at = random.nextInt(doc.length() + 1);
            switch (random.nextInt(7)) {
                case 0 -> {
                    if (at < doc.length()) {
                        doc.setCharAt(at, (char) random.nextInt(0xD800));
                    }
                }
                case 1 -> doc.insert(at, SNIPPETS.get(random.nextInt(SNIPPETS.size())));
                case 2 -> doc.delete(at, Math.min(doc.length(), at + random.nextInt(20)));
                case 3 -> {
                    String piece = doc.substring(at, Math.min(doc.length(), at + random.nextInt(40)));
                    doc.insert(at, piece.repeat(1 + random.nextInt(50)));
                }
                case 4 -> replaceOne(doc, NUMBER, EDGE_NUMBERS, random);
                case 5 -> replaceOne(doc, DURATION, EDGE_DURATIONS, random);
                default -> doc.insert(at, "\n" + SNIPPETS.get(random.nextInt(SNIPPETS.size())) + ": "
                        + EDGE_NUMBERS.get(random.nextInt(EDGE_NUMBERS.size())) + "\n");
            }
        }
        return doc.toString();
    }

    private static void replaceOne(StringBuilder doc, Pattern token, List<String> edges, Random random) {
        Matcher m = token.matcher(doc);
        List<int[]> found = new ArrayList<>();
        while (m.find()) {
            found.add(new int[] {m.start(), m.end()});
        }
        if (!found.isEmpty()) {
            int[] span = found.get(random.nextInt(found.size()));
            doc.replace(span[0], span[1], edges.get(random.nextInt(edges.size())));
        }
    }

    /** The rule's name as the document gives it, so the key agrees when the name survived. */
    private static String nameIn(String document) {
        Matcher m = Pattern.compile("\"?name\"?:\\s*\"?([A-Za-z_][A-Za-z0-9_:.-]*)").matcher(document);
        return m.find() ? m.group(1) : "r";
    }

    // ---- documents built field by field, with an oracle ------------------------------------

    /**
     * A field of a generated document: its value (or {@link #ABSENT}), what the reason must say
     * when it is at fault (any one of its faults; none when it is valid), and what a rule
     * accepted with it must hold.
     */
    record Part(String field, Object value, List<String> faults, Consumer<AlertRule> holds) {
        static Part valid(String field, Object value, Consumer<AlertRule> holds) {
            return new Part(field, value, List.of(), holds);
        }

        static Part invalid(String field, Object value, String fault) {
            return new Part(field, value, List.of(fault), r -> { });
        }

        String fault() {
            return faults.isEmpty() ? null : faults.get(0);
        }
    }

    static final Object ABSENT = new Object();

    /** A document: its parts, how it is written, and under which key it is sent. */
    record Spec(List<Part> parts, boolean yaml) {
        Map<String, Object> tree() {
            Map<String, Object> tree = new LinkedHashMap<>();
            for (Part p : parts) {
                if (p.value != ABSENT) {
                    tree.put(p.field, p.value);
                }
            }
            return tree;
        }

        List<String> faults() {
            return parts.stream().flatMap(p -> p.faults.stream()).toList();
        }

        String name() {
            Object name = tree().get("name");
            return name instanceof String s && AlertRules.isRuleName(s) ? s : "r";
        }
    }

    @Property(tries = 5_000)
    void documentsBuiltFieldByFieldAreJudgedAsTheOracleSays(@ForAll("specs") Spec spec) throws Exception {
        Map<String, Object> tree = spec.tree();
        String document = spec.yaml() ? YAML.writeValueAsString(tree) : JSON.writeValueAsString(tree);
        RuleChange c = RuleChanges.read(bytes(spec.name()), bytes(document), LIMITS);
        assertWellFormed(c);
        List<String> faults = spec.faults();
        Statistics.collect(faults.isEmpty() ? "accepted" : "rejected");
        Statistics.coverage(coverage -> {
            coverage.check("accepted").percentage(p -> p >= 15);
            coverage.check("rejected").percentage(p -> p >= 15);
        });
        if (faults.isEmpty()) {
            assertThat(c.error).as(document).isNull();
            for (Part p : spec.parts()) {
                p.holds().accept(c.rule);
            }
        } else {
            assertThat(c.error).as(document).isNotNull();
            assertThat(faults).as("the reason %s names one of the faults, in %s", c.error, document)
                    .anyMatch(c.error::contains);
        }
    }

    @Provide
    Arbitrary<Spec> specs() {
        Arbitrary<List<Part>> common = Combinators.combine(name(), tenant(), selector(),
                duration("for", false, r -> r.forMicros), duration("keep_firing_for", false, r -> r.keepFiringForMicros),
                stringMap("labels", 64, 1_024, r -> r.labels), stringMap("annotations", 64, 4_096, r -> r.annotations),
                unknownField()).as((a, b, c, d, e, f, g, h) -> List.of(a, b, c, d, e, f, g, h));
        Arbitrary<Part> condition = Arbitraries.oneOf(threshold(), absent(), rate(), anomaly());
        return Combinators.combine(common, condition, Arbitraries.of(true, false)).as((parts, cond, yaml) -> {
            List<Part> all = new ArrayList<>(parts);
            all.add(cond);
            return new Spec(all, yaml);
        });
    }

    private static Arbitrary<Part> name() {
        Arbitrary<String> valid = Combinators.combine(
                Arbitraries.strings().withCharRange('a', 'z').withCharRange('A', 'Z').withChars('_').ofLength(1),
                Arbitraries.strings().withCharRange('a', 'z').withCharRange('0', '9').withChars("_:.-").ofMaxLength(199))
                .as(String::concat);
        return Arbitraries.frequencyOf(
                Tuple.of(9, valid.map(n -> Part.valid("name", n, r -> assertThat(r.name).isEqualTo(n)))),
                Tuple.of(1, Arbitraries.of("", "9lives", "has space", "x".repeat(201), "é", "a\u0000")
                        .map(n -> Part.invalid("name", n, "'name' is required"))),
                Tuple.of(1, Arbitraries.of(7, true, List.of("r"))
                        .map(n -> Part.invalid("name", n, "'name' must be a string"))));
    }

    private static Arbitrary<Part> tenant() {
        Arbitrary<String> valid = Combinators.combine(
                Arbitraries.strings().alpha().numeric().ofLength(1),
                Arbitraries.strings().alpha().numeric().withChars("_.-").ofMaxLength(127)).as(String::concat);
        return Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.just(Part.valid("tenant", ABSENT, r -> assertThat(r.tenant).isNull()))),
                Tuple.of(4, valid.map(t -> Part.valid("tenant", t, r -> assertThat(r.tenant).isEqualTo(t)))),
                Tuple.of(1, Arbitraries.of("", "-acme", "a".repeat(129), "acme!", "ac me")
                        .map(t -> Part.invalid("tenant", t, "'tenant' must be 1 to 128"))));
    }

    /** Patterns RE2 takes, with a label value each matches and one it does not. */
    private static final List<String[]> PATTERNS = List.of(
            new String[] {"web-.*", "web-1", "db-1"}, new String[] {"5..", "503", "404"},
            new String[] {"(a+)+$", "aaa", "aab"}, new String[] {"[[:digit:]]{1,3}", "42", "4242"},
            new String[] {"(?i)EU-(west|east)", "eu-west", "eu-north"}, new String[] {"\\\\d+\\\\.\\\\d+", "1.5", "1x5"},
            new String[] {"a{2,5}b", "aaab", "ab"}, new String[] {"(x|y|z){0,100}", "xyz", "xyzw"},
            new String[] {"", "", "a"}, new String[] {"\\\\p{Greek}+", "αβ", "ab"});
    private static final Map<String, String> BAD_PATTERNS = Map.of(
            "((a{1000}){1000}){1000}", "is too complex", "(a{100}){100}", "is too complex",
            "(?=a)a", "invalid regular expression", "(a)\\\\1", "invalid regular expression",
            "a{1001}", "invalid regular expression", "[z-a]", "invalid regular expression",
            "x".repeat(1_025), "is longer than 1024 characters");

    private static Arbitrary<Part> selector() {
        Arbitrary<String> metric = Combinators.combine(
                Arbitraries.strings().withCharRange('a', 'z').withChars("_:").ofLength(1),
                Arbitraries.strings().withCharRange('a', 'z').withCharRange('0', '9').withChars("_:").ofMaxLength(60))
                .as(String::concat);
        Arbitrary<List<Integer>> matchers = Arbitraries.integers().between(0, PATTERNS.size() - 1).list().ofMaxSize(4);
        Arbitrary<Part> valid = Combinators.combine(metric, matchers, Arbitraries.of("=~", "!~")).as((m, which, op) -> {
            StringBuilder s = new StringBuilder(m).append('{');
            for (int i = 0; i < which.size(); i++) {
                s.append(i == 0 ? "" : ", ").append("l").append(i).append(op).append('"')
                        .append(PATTERNS.get(which.get(i))[0]).append('"');
            }
            String selector = s.append('}').toString();
            return Part.valid("selector", selector, r -> {
                assertThat(r.metric).isEqualTo(m);
                assertThat(r.matchers).hasSize(which.size());
                for (int i = 0; i < which.size(); i++) {
                    String[] p = PATTERNS.get(which.get(i));
                    assertThat(r.matchers.get(i).matches(p[1])).as(p[0] + " on " + p[1]).isEqualTo(op.equals("=~"));
                    assertThat(r.matchers.get(i).matches(p[2])).as(p[0] + " on " + p[2]).isEqualTo(op.equals("!~"));
                }
            });
        });
        Arbitrary<Part> badPattern = Arbitraries.of(BAD_PATTERNS.keySet())
                .map(p -> Part.invalid("selector", "cpu{host=~\"" + p + "\"}", BAD_PATTERNS.get(p)));
        return Arbitraries.frequencyOf(
                Tuple.of(8, valid),
                Tuple.of(1, badPattern),
                Tuple.of(1, Arbitraries.of(Part.invalid("selector", ABSENT, "'selector' is required"),
                        Part.invalid("selector", "cpu{host=web}", "must be quoted"),
                        Part.invalid("selector", "m".repeat(256), "needs a metric name"),
                        Part.invalid("selector", "cpu{h=\"" + "x".repeat(4_100) + "\"}", "longer than 4096"))));
    }

    private static final Map<String, Long> UNITS = Map.of("ms", 1_000L, "s", 1_000_000L, "m", 60_000_000L,
            "h", 3_600_000_000L, "d", 86_400_000_000L);

    /**
     * A duration field: valid ones from zero (or one unit, when required positive) to the bound,
     * the bound itself often; invalid ones past the bound, overflowing, negative or not durations.
     */
    private static Arbitrary<Part> duration(String field, boolean required, java.util.function.ToLongFunction<AlertRule> read) {
        Arbitrary<Part> valid = Arbitraries.of(UNITS.keySet()).flatMap(unit -> {
            long most = MAX_MICROS / UNITS.get(unit);
            return Arbitraries.longs().between(required ? 1 : 0, most)
                    .map(count -> Part.valid(field, count + unit,
                            r -> assertThat(read.applyAsLong(r)).isEqualTo(count * UNITS.get(unit))));
        });
        Arbitrary<Part> tooLong = Arbitraries.of(UNITS.keySet()).flatMap(unit -> {
            long most = MAX_MICROS / UNITS.get(unit);
            return Arbitraries.longs().between(most + 1, most * 1_000_000L)
                    .map(count -> Part.invalid(field, count + unit, "is longer than 30 d"));
        });
        Arbitrary<Part> garbage = Arbitraries.of("-5m", "soon", "1.5s", "99999999999999999999999d", "5x", "")
                .map(text -> Part.invalid(field, text, field + ": not a duration"));
        List<Tuple.Tuple2<Integer, Arbitrary<Part>>> choices = new ArrayList<>(List.of(
                Tuple.of(8, valid), Tuple.of(1, tooLong), Tuple.of(1, garbage)));
        if (required) {
            choices.add(Tuple.of(1, Arbitraries.of("0s", "0").map(
                    zero -> Part.invalid(field, zero, "is required and positive"))));
        } else {
            choices.add(Tuple.of(4, Arbitraries.just(Part.valid(field, ABSENT,
                    r -> assertThat(read.applyAsLong(r)).isZero()))));
        }
        return Arbitraries.frequencyOf(choices.toArray(Tuple.Tuple2[]::new));
    }

    private static Arbitrary<Part> stringMap(String field, int maxEntries, int maxLength,
            java.util.function.Function<AlertRule, Map<String, String>> read) {
        Arbitrary<String> key = Combinators.combine(
                Arbitraries.strings().withCharRange('a', 'z').withChars('_').ofLength(1),
                Arbitraries.strings().withCharRange('a', 'z').withCharRange('0', '9').withChars('_').ofMaxLength(30))
                .as(String::concat);
        // Any text but half a surrogate pair, which a document cannot carry.
        Arbitrary<String> value = Arbitraries.strings().withCharRange(' ', '\uD7FF').withCharRange('\uE000', '\uFFFD')
                .withChars('\n', '\t').ofMaxLength(60);
        Arbitrary<Part> valid = Arbitraries.maps(key, value).ofMaxSize(12)
                .map(m -> Part.valid(field, m, r -> assertThat(read.apply(r)).isEqualTo(new TreeMap<>(m))));
        return Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.just(Part.valid(field, ABSENT, r -> assertThat(read.apply(r)).isEmpty()))),
                Tuple.of(8, valid),
                Tuple.of(1, Arbitraries.of(
                        Part.invalid(field, entries(maxEntries + 1, 1), (maxEntries + 1) + " entries, more than " + maxEntries),
                        Part.invalid(field, entries(1, maxLength + 1), "is longer than " + maxLength + " characters"),
                        Part.invalid(field, Map.of("1x", "v"), "must be a label name"),
                        Part.invalid(field, List.of("a"), "expected an object of strings"))));
    }

    private static Map<String, String> entries(int count, int length) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            m.put("k" + i, "v".repeat(length));
        }
        return m;
    }

    private static Arbitrary<Part> unknownField() {
        return Arbitraries.frequencyOf(
                Tuple.of(12, Arbitraries.just(Part.valid("severity", ABSENT, r -> { }))),
                Tuple.of(1, Arbitraries.just(Part.invalid("severity", "page", "unknown field 'severity'"))));
    }

    private static final List<String> COMPARISONS = List.of("above", "below", "at_or_above", "at_or_below");
    private static final Map<String, String> OPS = Map.of("above", ">", "below", "<", "at_or_above", ">=",
            "at_or_below", "<=");

    /** A comparison: {@code {op: bound}} with a finite bound, or a bound that is not one. */
    private static Arbitrary<Map<String, Object>> comparison() {
        return Arbitraries.of(COMPARISONS).flatMap(op -> Arbitraries.frequencyOf(
                Tuple.of(8, Arbitraries.doubles().withSpecialValue(Double.MAX_VALUE)
                        .withSpecialValue(-Double.MAX_VALUE).withSpecialValue(Double.MIN_VALUE).withSpecialValue(-0.0)
                        .map(d -> (Object) d)),
                Tuple.of(1, Arbitraries.of(new BigDecimal("1e400"), new BigDecimal("-1e400"), "1", true)))
                .map(bound -> {
                    Map<String, Object> c = new LinkedHashMap<>();
                    c.put(op, bound);
                    return c;
                }));
    }

    private static Arbitrary<Part> threshold() {
        return comparison().map(c -> {
            String op = c.keySet().iterator().next();
            Object bound = c.get(op);
            if (!(bound instanceof Double d)) {
                return Part.invalid("threshold", c, "'" + op + "' must be a finite number");
            }
            return Part.valid("threshold", c, r -> {
                assertThat(r.kind).isEqualTo(AlertRule.Kind.THRESHOLD);
                assertThat(r.op).isEqualTo(OPS.get(op));
                assertThat(r.bound).isEqualTo(d);
            });
        });
    }

    private static Arbitrary<Part> rate() {
        return Combinators.combine(duration("window", true, r -> r.windowMicros), comparison())
                .as((window, c) -> {
                    Map<String, Object> rate = new LinkedHashMap<>(c);
                    rate.put("window", window.value());
                    String op = c.keySet().iterator().next();
                    if (!(c.get(op) instanceof Double d)) {
                        return Part.invalid("rate", rate, "'" + op + "' must be a finite number");
                    }
                    if (window.fault() != null) {
                        return Part.invalid("rate", rate, window.fault());
                    }
                    return Part.valid("rate", rate, r -> {
                        assertThat(r.kind).isEqualTo(AlertRule.Kind.RATE);
                        assertThat(r.bound).isEqualTo(d);
                        window.holds().accept(r);
                    });
                });
    }

    private static Arbitrary<Part> absent() {
        return Combinators.combine(duration("for", true, r -> r.absentForMicros),
                Arbitraries.of("series", "selector", "host", ABSENT)).as((holds, per) -> {
                    Map<String, Object> absent = new LinkedHashMap<>();
                    absent.put("for", holds.value());
                    if (per != ABSENT) {
                        absent.put("per", per);
                    }
                    if (holds.fault() != null) {
                        return Part.invalid("absent", absent, holds.fault());
                    }
                    if (per.equals("host")) {
                        return Part.invalid("absent", absent, "'per' is series or selector");
                    }
                    return Part.valid("absent", absent, r -> {
                        assertThat(r.kind).isEqualTo(AlertRule.Kind.ABSENCE);
                        assertThat(r.absentPerSeries).isEqualTo(!per.equals("selector"));
                        holds.holds().accept(r);
                    });
                });
    }

    /**
     * Holt-Winters with a step of 1 to 60 minutes and a season of 2 to 12,000 steps: valid when the
     * season is at most 30 days and 10,080 steps; plus a band and a warmup on and beyond their bounds.
     */
    private static Arbitrary<Part> anomaly() {
        Arbitrary<Object> band = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.doubles().between(1e-6, 1e6).ofScale(9).map(d -> (Object) d)),
                Tuple.of(1, Arbitraries.of(0.0, -1.0, "3", new BigDecimal("1e400"))));
        Arbitrary<Object> warmup = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.integers().between(1, 1_000_000).map(i -> (Object) i)),
                Tuple.of(1, Arbitraries.of(0, 1_000_001, 2.5, 4_294_967_297L, "30")));
        return Combinators.combine(Arbitraries.of(true, false), Arbitraries.integers().between(1, 60),
                Arbitraries.integers().between(2, 12_000), band, warmup).as((hw, stepMinutes, steps, b, w) -> {
                    Map<String, Object> a = new LinkedHashMap<>();
                    List<String> faults = new ArrayList<>();
                    a.put("model", hw ? "holt_winters" : "ewma");
                    if (hw) {
                        a.put("step", stepMinutes + "m");
                        a.put("season", (long) stepMinutes * steps + "m");
                        if ((long) stepMinutes * steps > 43_200) {
                            faults.add("season: '" + (long) stepMinutes * steps + "m' is longer than 30 d");
                        } else if (steps > 10_080) {
                            faults.add("a season of " + steps + " steps, more than 10080");
                        }
                    }
                    a.put("band", b);
                    if (!(b instanceof Double d && d > 0)) {
                        faults.add("'band' must be a");
                    }
                    a.put("warmup", w);
                    if (!(w instanceof Integer i && i >= 1 && i <= 1_000_000)) {
                        faults.add("'warmup' must be a whole number from 1 to 1000000");
                    }
                    if (!faults.isEmpty()) {
                        // Which fault is found first is the parser's business: any of them may be named.
                        return new Part("anomaly", a, faults, r -> { });
                    }
                    return Part.valid("anomaly", a, r -> {
                        assertThat(r.kind).isEqualTo(AlertRule.Kind.ANOMALY);
                        assertThat(r.model).isEqualTo(hw ? "holt_winters" : "ewma");
                        assertThat(r.band).isEqualTo((Double) b);
                        assertThat(r.warmup).isEqualTo((Integer) w);
                        if (hw) {
                            assertThat(r.seasonLength).isEqualTo(steps);
                            assertThat(r.stepMicros).isEqualTo(stepMinutes * 60_000_000L);
                        }
                    });
                });
    }

    // ---- what every outcome must be --------------------------------------------------------

    /**
     * Exactly one of: a rule within every bound, a deletion of a rule name, or a refusal whose
     * reason is there and short (reasons quote, they do not echo documents).
     */
    private static void assertWellFormed(RuleChange c) {
        int kinds = (c.rule != null ? 1 : 0) + (c.error != null ? 1 : 0) + (c.isDelete() ? 1 : 0);
        assertThat(kinds).as(String.valueOf(c)).isEqualTo(1);
        if (c.error != null) {
            assertThat(c.error).isNotBlank().hasSizeLessThanOrEqualTo(1_000);
            assertThat(c.rule).isNull();
        } else if (c.isDelete()) {
            assertThat(AlertRules.isRuleName(c.name)).isTrue();
        } else {
            assertWithinBounds(c.rule);
            assertThat(c.name).isEqualTo(c.rule.name);
        }
    }

    private static void assertWithinBounds(AlertRule r) {
        assertThat(AlertRules.isRuleName(r.name)).isTrue();
        assertThat(r.metric).isNotEmpty().hasSizeLessThanOrEqualTo(255);
        assertThat(r.matchers).hasSizeLessThanOrEqualTo(AlertRules.MAX_MATCHERS);
        r.matchers.forEach(m -> m.matches("x".repeat(1_024)));
        for (long micros : new long[] {r.forMicros, r.keepFiringForMicros, r.absentForMicros, r.windowMicros}) {
            assertThat(micros).isBetween(0L, MAX_MICROS);
        }
        assertThat(r.labels).hasSizeLessThanOrEqualTo(AlertRules.MAX_LABELS)
                .allSatisfy((k, v) -> assertThat(v).hasSizeLessThanOrEqualTo(AlertRules.MAX_LABEL_VALUE_LENGTH));
        assertThat(r.annotations).hasSizeLessThanOrEqualTo(AlertRules.MAX_ANNOTATIONS)
                .allSatisfy((k, v) -> assertThat(v).hasSizeLessThanOrEqualTo(AlertRules.MAX_ANNOTATION_LENGTH));
        switch (r.kind) {
            case THRESHOLD, RATE -> {
                assertThat(OPS.values()).contains(r.op);
                assertThat(Double.isFinite(r.bound)).isTrue();
                if (r.kind == AlertRule.Kind.RATE) {
                    assertThat(r.windowMicros).isPositive();
                }
            }
            case ABSENCE -> assertThat(r.absentForMicros).isPositive();
            case ANOMALY -> {
                assertThat(r.alpha).isGreaterThan(0).isLessThanOrEqualTo(1);
                // Numerically, not by Double.compare: -0.0 is as good a zero as any.
                assertThat(r.beta >= 0 && r.beta <= 1).as("beta %s", r.beta).isTrue();
                assertThat(r.gamma >= 0 && r.gamma <= 1).as("gamma %s", r.gamma).isTrue();
                assertThat(r.varianceAlpha).isGreaterThan(0).isLessThanOrEqualTo(1);
                assertThat(Double.isFinite(r.band) && r.band > 0).isTrue();
                assertThat(Double.isFinite(r.minSigma) && r.minSigma > 0).isTrue();
                assertThat(r.minRelativeSigma >= 0 && r.minRelativeSigma <= 1).as("min_relative_sigma %s", r.minRelativeSigma).isTrue();
                assertThat(r.warmup).isBetween(1, AlertRules.MAX_WARMUP);
                assertThat(r.adaptAfter).isBetween(2, AlertRules.MAX_ADAPT_AFTER);
                if (r.model.equals("holt_winters")) {
                    assertThat(r.seasonLength).isBetween(2, AlertRules.MAX_SEASON_STEPS);
                    assertThat(r.stepMicros).isPositive();
                    assertThat(r.seasonLength * r.stepMicros).isLessThanOrEqualTo(MAX_MICROS);
                }
            }
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
