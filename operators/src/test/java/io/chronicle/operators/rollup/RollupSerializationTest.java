package io.chronicle.operators.rollup;

import io.chronicle.core.rollup.RollupAggregate;
import io.chronicle.core.rollup.RollupRow;
import org.apache.flink.types.PojoTestUtils;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Points travel to the rollups in batches and rows between tiers; rows, windows and the series
 * limit's counts wait in state: all with Flink's POJO serializer, never Kryo.
 */
class RollupSerializationTest {

    @ParameterizedTest
    @ValueSource(classes = {RollupRow.class, RollupAggregate.class, PendingWindow.class, ShardCount.class,
            PointBatch.class})
    void isSerializedAsPojoWithoutKryo(Class<?> type) {
        PojoTestUtils.assertSerializedAsPojoWithoutKryo(type);
    }
}
