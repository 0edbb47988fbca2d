package io.chronicle.core.alerts;


/**
 * A message of the rules topic, read: a rule added or replaced, a rule deleted (a tombstone), or
 * a message that is not a valid rule, with the reason. Its partition and offset say which
 * message it was, so its status can say so too.
 */
public class RuleChange {
    /** The rule's name, as the message's key gave it; null when the key is missing or not a name. */
    public String name;
    /** The new rule; null when deleted or invalid. */
    public AlertRule rule;
    /** Why the message is not a valid rule; null when it is one (or a deletion). */
    public String error;
    /** The message's partition and offset on the rules topic; -1 when not from the topic. */
    public int partition = -1;
    public long offset = -1;

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

    /** This change, as the message at {@code partition} and {@code offset} of the rules topic. */
    public RuleChange at(int partition, long offset) {
        this.partition = partition;
        this.offset = offset;
        return this;
    }

    public boolean isDelete() {
        return rule == null && error == null;
    }

    @Override
    public String toString() {
        return "RuleChange{" + name + (error != null ? " invalid: " + error : rule == null ? " deleted" : " " + rule)
                + (offset >= 0 ? " @" + partition + ":" + offset : "") + "}";
    }
}
