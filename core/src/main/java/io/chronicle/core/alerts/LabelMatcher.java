package io.chronicle.core.alerts;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;

import java.io.Serializable;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Objects;

/**
 * One label matcher of a rule's selector, as in PromQL: {@code =}, {@code !=}, {@code =~},
 * {@code !~}. Regular expressions are RE2's syntax, fully anchored, {@code .} matching newlines
 * too, and a missing label matches as the empty string, all as in Prometheus.
 *
 * <p>Matching never backtracks: RE2 (RE2/J) runs in time linear in the label value, so no
 * pattern, however catastrophic for a backtracking engine ({@code (a+)+$}), can stall the
 * evaluator. What linear time leaves open is the pattern's own size: RE2 expands counted
 * repetitions, so {@code ((a{1000}){1000}){1000}} would compile to a billion instructions.
 * A pattern is therefore refused above {@value #MAX_PATTERN_LENGTH} characters or when an upper
 * estimate of its compiled size exceeds {@value #MAX_PROGRAM_SIZE} instructions, before RE2
 * compiles it; a match then costs at most that size times the value's length.
 */
public class LabelMatcher implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final int MAX_PATTERN_LENGTH = 1_024;
    public static final int MAX_PROGRAM_SIZE = 2_000;
    /** Larger than RE2's largest repeat count (1000): such a count fails to compile anyway. */
    private static final int OVERSIZED_REPEAT = 1_001;

    public String name;
    /** One of {@code =}, {@code !=}, {@code =~}, {@code !~}. */
    public String op;
    public String value;

    private transient Pattern pattern;

    public LabelMatcher() {}

    public LabelMatcher(String name, String op, String value) {
        this.name = name;
        this.op = op;
        this.value = value;
        validate();
    }

    void validate() {
        switch (op) {
            case "=", "!=" -> { }
            case "=~", "!~" -> pattern();
            default -> throw new IllegalArgumentException("unknown matcher operator '" + op
                    + "' for label '" + name + "' (use =, !=, =~ or !~)");
        }
    }

    public boolean matches(String labelValue) {
        String v = labelValue == null ? "" : labelValue;
        return switch (op) {
            case "=" -> v.equals(value);
            case "!=" -> !v.equals(value);
            case "=~" -> pattern().matches(v);
            default -> !pattern().matches(v);
        };
    }

    /**
     * The compiled pattern; compiled again after deserialization (the pattern is transient), so
     * a rule restored from an older version's state is checked here too.
     */
    private Pattern pattern() {
        if (pattern == null) {
            String where = "regular expression for label '" + name + "'";
            if (value.length() > MAX_PATTERN_LENGTH) {
                throw new IllegalArgumentException(where + " is longer than " + MAX_PATTERN_LENGTH + " characters");
            }
            long size = programSize(value);
            if (size > MAX_PROGRAM_SIZE) {
                throw new IllegalArgumentException(where + " is too complex: it expands to more than "
                        + MAX_PROGRAM_SIZE + " instructions (counted repetitions multiply)");
            }
            try {
                pattern = Pattern.compile(value, Pattern.DOTALL);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("invalid " + where + ": "
                        + AlertRules.abbreviate(e.getMessage()), e);
            }
        }
        return pattern;
    }

    /**
     * An upper estimate of the instructions RE2 compiles {@code re} into, stopping once it passes
     * {@link #MAX_PROGRAM_SIZE}. Each literal, escape, class or operator counts one; a group
     * counts its content; a counted repetition {@code {n,m}} multiplies what it repeats by its
     * largest count, as RE2 expands it. The scan only has to agree with RE2 on valid patterns
     * (an invalid one fails RE2's parser, which expands nothing): it reads escapes, character
     * classes, groups and repetitions, and takes anything else as a one-instruction literal.
     */
    static long programSize(String re) {
        Deque<long[]> groups = new ArrayDeque<>();
        long size = 0;
        long last = 0;
        int i = 0;
        int n = re.length();
        while (i < n && size <= MAX_PROGRAM_SIZE) {
            char c = re.charAt(i);
            if (re.startsWith("\\Q", i)) {
                // Quoted literals: one each
                int close = re.indexOf("\\E", i + 2);
                int end = close < 0 ? n : close + 2;
                last = end - i;
                size += last;
                i = end;
            } else if (c == '\\') {
                last = 1;
                size += 1;
                i = Math.min(i + 2, n);
            } else if (c == '[') {
                i = classEnd(re, i);
                last = 1;
                size += 1;
            } else if (c == '(') {
                groups.push(new long[] {size, last});
                size = 0;
                last = 0;
                i++;
            } else if (c == ')') {
                long group = size + 1;
                long[] outer = groups.isEmpty() ? new long[] {0, 0} : groups.pop();
                size = outer[0] + group;
                last = group;
                i++;
            } else if (c == '|') {
                size += 1;
                last = 0;
                i++;
            } else if (c == '*' || c == '+' || c == '?') {
                size += 1;
                i++;
            } else if (c == '{' && repeatEnd(re, i) > 0) {
                int end = repeatEnd(re, i);
                long times = repeatCount(re.substring(i + 1, end - 1));
                size += last * (times - 1) + 1;
                last *= times;
                i = end;
            } else {
                last = 1;
                size += 1;
                i++;
            }
        }
        while (!groups.isEmpty()) {
            size += groups.pop()[0];
        }
        return size;
    }

    /** Past the {@code ]} closing the class opened at {@code start}, or the pattern's end. */
    private static int classEnd(String re, int start) {
        int i = start + 1;
        int n = re.length();
        if (i < n && re.charAt(i) == '^') {
            i++;
        }
        if (i < n && re.charAt(i) == ']') {
            i++;
        }
        while (i < n) {
            char c = re.charAt(i);
            if (c == '\\') {
                i += 2;
            } else if (re.startsWith("[:", i) && re.indexOf(":]", i + 2) >= 0) {
                i = re.indexOf(":]", i + 2) + 2;
            } else if (c == ']') {
                return i + 1;
            } else {
                i++;
            }
        }
        return n;
    }

    /** Past a repetition {@code {n}}, {@code {n,}} or {@code {n,m}} at {@code start}; 0 if none. */
    private static int repeatEnd(String re, int start) {
        int i = start + 1;
        int n = re.length();
        int digits = i;
        while (i < n && Character.isDigit(re.charAt(i)) && re.charAt(i) < 128) i++;
        if (i == digits) {
            return 0;
        }
        if (i < n && re.charAt(i) == ',') {
            i++;
            while (i < n && Character.isDigit(re.charAt(i)) && re.charAt(i) < 128) i++;
        }
        return i < n && re.charAt(i) == '}' ? i + 1 : 0;
    }

    /** The most copies a repetition's body {@code n}, {@code n,} or {@code n,m} makes. */
    private static long repeatCount(String body) {
        int comma = body.indexOf(',');
        String min = comma < 0 ? body : body.substring(0, comma);
        String max = comma < 0 ? "" : body.substring(comma + 1);
        // {n,} is n copies and a star: one more.
        long most = comma < 0 ? count(min) : max.isEmpty() ? count(min) + 1 : Math.max(count(min), count(max));
        return Math.max(most, 1);
    }

    private static long count(String digits) {
        return digits.length() > 4 ? OVERSIZED_REPEAT : Math.min(Long.parseLong(digits), OVERSIZED_REPEAT);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LabelMatcher m && Objects.equals(name, m.name) && Objects.equals(op, m.op)
                && Objects.equals(value, m.value);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, op, value);
    }

    @Override
    public String toString() {
        return name + op + '"' + value + '"';
    }
}
