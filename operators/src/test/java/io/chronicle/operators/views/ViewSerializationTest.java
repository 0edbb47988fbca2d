package io.chronicle.operators.views;

import io.chronicle.core.AgentMetricsRow;
import io.chronicle.core.TraceRow;
import org.apache.flink.types.PojoTestUtils;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The views' records and state use Flink's POJO serializer, never Kryo. */
class ViewSerializationTest {

    @ParameterizedTest
    @ValueSource(classes = {TraceRow.class, AgentMetricsRow.class, TraceFact.class,
            TraceProgress.class, TraceSummary.class, TraceMark.class, StepMarks.class,
            TimeBucket.class, AgentSignal.class, AgentDay.class, AgentTask.class})
    void isSerializedAsPojoWithoutKryo(Class<?> type) {
        PojoTestUtils.assertSerializedAsPojoWithoutKryo(type);
    }
}
