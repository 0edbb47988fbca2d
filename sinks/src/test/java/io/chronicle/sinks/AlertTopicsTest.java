package io.chronicle.sinks;

import io.chronicle.core.alerts.RuleChange;
import io.chronicle.core.alerts.RuleStatus;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class AlertTopicsTest {

    @Test
    void aStatusNamesTheMessageItAnswers() {
        RuleChange change = RuleChange.invalid("r", "rule 'r' for: \"soon\" is not a duration").at(2, 17);
        assertThat(new String(AlertTopics.statusJson(RuleStatus.of(change, RuleStatus.REJECTED, change.error)),
                StandardCharsets.UTF_8)).isEqualTo("{\"rule\":\"r\",\"status\":\"rejected\","
                + "\"reason\":\"rule 'r' for: \\\"soon\\\" is not a duration\",\"partition\":2,\"offset\":17}");
        RuleChange noKey = RuleChange.invalid(null, "a rule message needs the rule name as its key").at(0, 3);
        assertThat(new String(AlertTopics.statusJson(RuleStatus.of(noKey, RuleStatus.REJECTED, noKey.error)),
                StandardCharsets.UTF_8)).isEqualTo("{\"rule\":null,\"status\":\"rejected\","
                + "\"reason\":\"a rule message needs the rule name as its key\",\"partition\":0,\"offset\":3}");
    }

    @Test
    void aDisabledRuleAnswersNoMessage() {
        assertThat(new String(AlertTopics.statusJson(RuleStatus.disabled("r", "evaluating the rule failed")),
                StandardCharsets.UTF_8)).isEqualTo("{\"rule\":\"r\",\"status\":\"disabled\","
                + "\"reason\":\"evaluating the rule failed\",\"partition\":null,\"offset\":null}");
    }

    @Test
    void aReasonIsCutAtAThousandCharacters() {
        RuleStatus s = RuleStatus.of(RuleChange.invalid("r", "x"), RuleStatus.REJECTED, "y".repeat(5_000));
        assertThat(s.reason).isEqualTo("y".repeat(1_000) + "…");
    }
}
