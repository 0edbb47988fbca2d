package io.chronicle.core.alerts;

/**
 * An answer on the rules-status topic: what became of one message of the rules topic
 * ({@code accepted}, {@code deleted} or {@code rejected}, with the reason when there is one), or
 * that a rule in force was disabled because evaluating it failed.
 */
public class RuleStatus {
    public static final String ACCEPTED = "accepted";
    public static final String DELETED = "deleted";
    public static final String REJECTED = "rejected";
    public static final String DISABLED = "disabled";

    /** Most characters of a reason; a reason quotes little, this only bounds the message. */
    static final int MAX_REASON_LENGTH = 1_000;

    /** The rule's name; null when the message had no key that names a rule. */
    public String rule;
    public String status;
    public String reason;
    /** The rules topic message answered; -1 for a disabled rule, which answers no message. */
    public int partition = -1;
    public long offset = -1;

    public RuleStatus() {}

    /** The answer to {@code change}. */
    public static RuleStatus of(RuleChange change, String status, String reason) {
        RuleStatus s = new RuleStatus();
        s.rule = change.name;
        s.status = status;
        s.reason = reason == null || reason.length() <= MAX_REASON_LENGTH ? reason
                : reason.substring(0, Character.isHighSurrogate(reason.charAt(MAX_REASON_LENGTH - 1))
                        ? MAX_REASON_LENGTH - 1 : MAX_REASON_LENGTH) + "…";
        s.partition = change.partition;
        s.offset = change.offset;
        return s;
    }

    /** A rule in force turned off after its evaluation failed. */
    public static RuleStatus disabled(String rule, String reason) {
        return of(RuleChange.delete(rule), DISABLED, reason);
    }

    @Override
    public String toString() {
        return "RuleStatus{" + rule + " " + status + (reason == null ? "" : " (" + reason + ")")
                + (offset >= 0 ? " @" + partition + ":" + offset : "") + "}";
    }
}
