package io.chronicle.operators.alerts;

import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.alerts.AlertRule;
import io.chronicle.core.alerts.LabelMatcher;
import io.chronicle.core.alerts.RuleChange;
import io.chronicle.core.alerts.RuleLimits;
import io.chronicle.core.alerts.RuleStatus;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The rules in force: those of the rules file given at start, overlaid by the changes from the
 * rules topic kept in broadcast state (checkpointed, so a restore keeps them). A deletion on the
 * topic removes a file rule too.
 *
 * <p>Every operator holding the rules applies each change here, and decides the same way, so
 * their broadcast states agree and one of them can answer for all on the status topic. Nothing a
 * change holds can fail the job: a change is refused, not applied, when it is invalid, when its
 * rule cannot be made ready to evaluate, or when it would put more than
 * {@link RuleLimits#maxRules()} rules in force. A rule in force whose evaluation fails anyway is
 * disabled in the instance it failed in until a change replaces or deletes it.
 */
public final class RuleBook implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(RuleBook.class);

    /** Rule name → the topic's latest rule for it; a {@link RuleEntry} marks deletions. */
    public static final MapStateDescriptor<String, RuleEntry> RULES = new MapStateDescriptor<>(
            "alert-rules", Types.STRING, TypeInformation.of(RuleEntry.class));

    /** Answers for the rules-status topic: each topic message's fate, and rules disabled. */
    public static final OutputTag<RuleStatus> STATUS = new OutputTag<>("rule-status",
            TypeInformation.of(RuleStatus.class));

    private final Map<String, AlertRule> fromFile;
    private final RuleLimits limits;
    /** The rules in force by name, and by metric; rebuilt after every change. */
    private transient Map<String, AlertRule> inForce;
    private transient Map<String, List<AlertRule>> byMetric;
    /** Rules whose evaluation failed, by name: the version that failed, off until changed. */
    private transient Map<String, AlertRule> disabled;

    /** The rules at start (file and health rules), at most {@code limits.maxRules()} of them. */
    public RuleBook(List<AlertRule> fromFile, RuleLimits limits) {
        if (fromFile.size() > limits.maxRules()) {
            throw new IllegalArgumentException("Option '" + ChronicleOptions.ALERTS_RULES_MAX_RULES.key() + "': "
                    + fromFile.size() + " rules at start (the rules file's and the health rules), more than "
                    + limits.maxRules());
        }
        this.fromFile = new HashMap<>();
        fromFile.forEach(r -> this.fromFile.put(r.name, r));
        this.limits = limits;
    }

    public RuleLimits limits() {
        return limits;
    }

    /** The rule in force under {@code name}; null when there is none. */
    public AlertRule rule(String name, ReadOnlyBroadcastState<String, RuleEntry> topic) throws Exception {
        RuleEntry entry = topic.get(name);
        return entry != null ? entry.rule : fromFile.get(name);
    }

    /** The rules in force and not disabled watching {@code metric}; cached until the rules change. */
    public List<AlertRule> forMetric(String metric, ReadOnlyBroadcastState<String, RuleEntry> topic)
            throws Exception {
        if (byMetric == null) {
            byMetric = new HashMap<>();
            for (AlertRule r : inForce(topic).values()) {
                if (!isDisabled(r)) {
                    byMetric.computeIfAbsent(r.metric, m -> new ArrayList<>()).add(r);
                }
            }
        }
        return byMetric.getOrDefault(metric, List.of());
    }

    private Map<String, AlertRule> inForce(ReadOnlyBroadcastState<String, RuleEntry> topic) throws Exception {
        if (inForce == null) {
            Map<String, AlertRule> all = new HashMap<>(fromFile);
            for (Map.Entry<String, RuleEntry> e : topic.immutableEntries()) {
                if (e.getValue().rule == null) {
                    all.remove(e.getKey());
                } else {
                    all.put(e.getKey(), e.getValue().rule);
                }
            }
            inForce = all;
        }
        return inForce;
    }

    /**
     * Applies a change of the rules topic to the broadcast state; returns what became of it. The
     * same on every instance: it depends only on the change and the state, which every instance
     * holds alike.
     */
    public Applied apply(RuleChange change, BroadcastState<String, RuleEntry> topic) throws Exception {
        try {
            return applyChange(change, topic);
        } catch (RuntimeException e) {
            // Every instance fails alike on the same change and state, so they still agree.
            changed(change.name);
            LOG.warn("A change of rule '{}' could not be applied", change.name, e);
            return new Applied(RuleStatus.of(change, RuleStatus.REJECTED, "could not be applied: " + e), null, false);
        }
    }

    private Applied applyChange(RuleChange change, BroadcastState<String, RuleEntry> topic) throws Exception {
        if (change.error != null) {
            return new Applied(RuleStatus.of(change, RuleStatus.REJECTED, change.error), null, false);
        }
        AlertRule before = rule(change.name, topic);
        if (change.isDelete()) {
            if (before == null) {
                // Nothing to delete, and nothing kept: a flood of such tombstones costs no state.
                return new Applied(RuleStatus.of(change, RuleStatus.DELETED,
                        "no rule '" + change.name + "' was in force"), null, false);
            }
            if (fromFile.containsKey(change.name)) {
                // Kept, so the file rule stays deleted when the file is read again at a restart.
                topic.put(change.name, new RuleEntry(null));
            } else {
                topic.remove(change.name);
            }
            changed(change.name);
            return new Applied(RuleStatus.of(change, RuleStatus.DELETED, null), before, true);
        }
        String unready = unready(change.rule);
        if (unready != null) {
            return new Applied(RuleStatus.of(change, RuleStatus.REJECTED, unready), null, false);
        }
        if (before == null && inForce(topic).size() >= limits.maxRules()) {
            return new Applied(RuleStatus.of(change, RuleStatus.REJECTED, "too many rules: "
                    + inForce(topic).size() + " are in force, the most "
                    + ChronicleOptions.ALERTS_RULES_MAX_RULES.key() + " allows; delete one first"), null, false);
        }
        topic.put(change.name, new RuleEntry(change.rule));
        changed(change.name);
        return new Applied(RuleStatus.of(change, RuleStatus.ACCEPTED, null), before, true);
    }

    /** Whether {@code rule} can be evaluated, so that a change to it would not be refused for it. */
    public static boolean isReady(AlertRule rule) {
        return unready(rule) == null;
    }

    /**
     * Why {@code rule} cannot be evaluated, or null: its regular expressions compiled and its
     * model built now, so a rule that would fail on its first point is refused instead.
     */
    private static String unready(AlertRule rule) {
        try {
            for (LabelMatcher m : rule.matchers) {
                m.matches("");
            }
            if (rule.kind == AlertRule.Kind.ANOMALY) {
                AlertEvaluator.model(rule);
            }
            return null;
        } catch (RuntimeException e) {
            return "rule '" + rule.name + "' cannot be evaluated: " + e.getMessage();
        }
    }

    private void changed(String name) {
        inForce = null;
        byMetric = null;
        if (disabled != null) {
            disabled.remove(name);
        }
    }

    /** Whether {@code rule}, as it is now, was disabled here after its evaluation failed. */
    public boolean isDisabled(AlertRule rule) {
        return disabled != null && rule.equals(disabled.get(rule.name));
    }

    /**
     * Turns off a rule whose evaluation failed, in this instance, until a change of it arrives;
     * returns the status saying so, or null when it was off already.
     */
    public RuleStatus disable(AlertRule rule, RuntimeException failure) {
        if (isDisabled(rule)) {
            return null;
        }
        if (disabled == null) {
            disabled = new HashMap<>();
        }
        disabled.put(rule.name, rule);
        byMetric = null;
        LOG.warn("Rule '{}' is disabled: evaluating it failed", rule.name, failure);
        return RuleStatus.disabled(rule.name, "evaluating the rule failed, so it is off until it is"
                + " replaced or deleted: " + failure);
    }

    /**
     * What a change did: its status; the rule in force before it; whether it changed the rules
     * in force.
     */
    public record Applied(RuleStatus status, AlertRule before, boolean changed) {}

    /** A rule from the topic, or its deletion (a null rule). */
    public static class RuleEntry {
        public AlertRule rule;

        public RuleEntry() {}

        public RuleEntry(AlertRule rule) {
            this.rule = rule;
        }
    }
}
