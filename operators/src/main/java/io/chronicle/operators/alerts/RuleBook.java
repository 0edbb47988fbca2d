package io.chronicle.operators.alerts;

import io.chronicle.core.alerts.AlertRule;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The rules in force: those of the rules file given at start, overlaid by the changes from the
 * rules topic kept in broadcast state (checkpointed, so a restore keeps them). A deletion on the
 * topic removes a file rule too.
 */
public final class RuleBook implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Rule name → the topic's latest rule for it; a {@link RuleEntry} marks deletions. */
    public static final MapStateDescriptor<String, RuleEntry> RULES = new MapStateDescriptor<>(
            "alert-rules", Types.STRING, TypeInformation.of(RuleEntry.class));

    private final Map<String, AlertRule> fromFile;
    private transient Map<String, List<AlertRule>> byMetric;

    public RuleBook(List<AlertRule> fromFile) {
        this.fromFile = new HashMap<>();
        fromFile.forEach(r -> this.fromFile.put(r.name, r));
    }

    /** The rule in force under {@code name}; null when there is none. */
    public AlertRule rule(String name, ReadOnlyBroadcastState<String, RuleEntry> topic) throws Exception {
        RuleEntry entry = topic.get(name);
        return entry != null ? entry.rule : fromFile.get(name);
    }

    /** The rules in force watching {@code metric}; cached until the rules change. */
    public List<AlertRule> forMetric(String metric, ReadOnlyBroadcastState<String, RuleEntry> topic)
            throws Exception {
        if (byMetric == null) {
            Map<String, AlertRule> all = new HashMap<>(fromFile);
            for (Map.Entry<String, RuleEntry> e : topic.immutableEntries()) {
                if (e.getValue().rule == null) {
                    all.remove(e.getKey());
                } else {
                    all.put(e.getKey(), e.getValue().rule);
                }
            }
            byMetric = new HashMap<>();
            for (AlertRule r : all.values()) {
                byMetric.computeIfAbsent(r.metric, m -> new ArrayList<>()).add(r);
            }
        }
        return byMetric.getOrDefault(metric, List.of());
    }

    /** Forgets the cache; called whenever the topic changes a rule. */
    public void changed() {
        byMetric = null;
    }

    /** A rule from the topic, or its deletion (a null rule). */
    public static class RuleEntry {
        public AlertRule rule;

        public RuleEntry() {}

        public RuleEntry(AlertRule rule) {
            this.rule = rule;
        }
    }
}
