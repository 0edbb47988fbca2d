package io.chronicle.core.alerts;

import java.io.Serializable;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One label matcher of a rule's selector, as in PromQL: {@code =}, {@code !=}, {@code =~},
 * {@code !~}. Regular expressions are fully anchored, and a missing label matches as the empty
 * string, both as in Prometheus.
 */
public class LabelMatcher implements Serializable {
    private static final long serialVersionUID = 1L;

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
            case "=~" -> pattern().matcher(v).matches();
            default -> !pattern().matcher(v).matches();
        };
    }

    private Pattern pattern() {
        if (pattern == null) {
            try {
                pattern = Pattern.compile(value);
            } catch (java.util.regex.PatternSyntaxException e) {
                throw new IllegalArgumentException("invalid regular expression for label '" + name
                        + "': " + e.getDescription(), e);
            }
        }
        return pattern;
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
