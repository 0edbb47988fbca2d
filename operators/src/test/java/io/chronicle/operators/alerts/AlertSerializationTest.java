package io.chronicle.operators.alerts;

import io.chronicle.core.alerts.AlertRule;
import io.chronicle.core.alerts.AnomalyRecord;
import io.chronicle.core.alerts.RuleChange;
import io.chronicle.core.alerts.RuleStatus;
import org.apache.flink.types.PojoTestUtils;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Alert records, rules and state use Flink's POJO serializer, never Kryo. */
class AlertSerializationTest {

    @ParameterizedTest
    @ValueSource(classes = {AlertRule.class, RuleChange.class, RuleSample.class, AlertState.class,
            RuleBook.RuleEntry.class, AnomalyRecord.class, RuleStatus.class})
    void isSerializedAsPojoWithoutKryo(Class<?> type) {
        PojoTestUtils.assertSerializedAsPojoWithoutKryo(type);
    }
}
