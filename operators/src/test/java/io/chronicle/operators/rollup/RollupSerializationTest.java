package io.chronicle.operators.rollup;

import io.chronicle.core.rollup.RollupAggregate;
import io.chronicle.core.rollup.RollupRow;
import org.apache.flink.types.PojoTestUtils;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Rollup rows travel between tiers and sit in state, and windows and the series limit's counts
 * wait in state, with Flink's POJO serializer, never Kryo.
 */
class RollupSerializationTest {

    @ParameterizedTest
    @ValueSource(classes = {RollupRow.class, RollupAggregate.class, PendingWindow.class, ShardCount.class})
    void isSerializedAsPojoWithoutKryo(Class<?> type) {
        PojoTestUtils.assertSerializedAsPojoWithoutKryo(type);
    }
}
