package io.chronicle.core.alerts;


/**
 * A message of the rules topic, read: a rule added or replaced, a rule deleted (a tombstone), or
 * a message that is not a valid rule, with the reason.
 */
public class RuleChange {
    public String name;
    /** The new rule; null when deleted or invalid. */
    public AlertRule rule;
    /** Why the message is not a valid rule; null when it is one (or a deletion). */
    public String error;

    public RuleChange() {}

    public static RuleChange upsert(AlertRule rule) {
        RuleChange c = new RuleChange();
        c.name = rule.name;
        c.rule = rule;
        return c;
    }

    public static RuleChange delete(String name) {
        RuleChange c = new RuleChange();
        c.name = name;
        return c;
    }

    public static RuleChange invalid(String name, String error) {
        RuleChange c = new RuleChange();
        c.name = name;
        c.error = error;
        return c;
    }

    public boolean isDelete() {
        return rule == null && error == null;
    }

    @Override
    public String toString() {
        return "RuleChange{" + name + (error != null ? " invalid: " + error : rule == null ? " deleted" : " " + rule) + "}";
    }
}
