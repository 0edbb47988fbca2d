package io.chronicle.operators.views;

import io.chronicle.core.Event;
import io.chronicle.core.Provenance;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ReplayDeduplicatorTest {

    private static Event event(String tenant, String id, String topic, int partition, long offset) {
        Event e = new Event();
        e.tenant = tenant;
        e.eventId = id;
        e.traceId = "t";
        e.eventType = "task.created";
        e.metadata = "{}";
        e.provenance = new Provenance(topic, partition, offset, 0);
        return e;
    }

    private static String key(String tenant, String id) {
        return EventDeduplicator.eventKey(event(tenant, id, "x", 0, 0));
    }

    @Test
    void theFirstInKafkaOfEachKeyPassesUnlessTheTableHoldsItOutsideTheRangeAndStateDrains() throws Exception {
        try (var h = new KeyedTwoInputStreamOperatorTestHarness<>(new KeyedCoProcessOperator<>(new ReplayDeduplicator()),
                EventDeduplicator::eventKey, (String k) -> k, Types.STRING)) {
            h.open();
            // e1 three times, the lowest offset last; e2 in two partitions; e3 already in the table
            // (its key comes before and after its event); e4 only in the table; acme and globex apart.
            h.processElement1(new StreamRecord<>(event("acme", "e1", "events", 0, 9)));
            h.processElement1(new StreamRecord<>(event("acme", "e1", "events", 0, 12)));
            h.processElement1(new StreamRecord<>(event("acme", "e1", "events", 0, 4)));
            h.processElement1(new StreamRecord<>(event("acme", "e2", "events", 1, 2)));
            h.processElement1(new StreamRecord<>(event("acme", "e2", "events", 0, 30)));
            h.processElement2(new StreamRecord<>(key("acme", "e3")));
            h.processElement1(new StreamRecord<>(event("acme", "e3", "events", 0, 5)));
            h.processElement2(new StreamRecord<>(key("acme", "e3")));
            h.processElement2(new StreamRecord<>(key("acme", "e4")));
            h.processElement1(new StreamRecord<>(event("globex", "e3", "events", 1, 7)));
            assertThat(h.extractOutputValues()).as("nothing before the end of the input").isEmpty();

            h.processBothWatermarks(new Watermark(Long.MAX_VALUE));

            assertThat(h.extractOutputValues()).containsExactlyInAnyOrderElementsOf(List.of(
                    event("acme", "e1", "events", 0, 4),
                    event("acme", "e2", "events", 0, 30),
                    event("globex", "e3", "events", 1, 7)));
            assertThat(h.numKeyedStateEntries()).isZero();
            assertThat(h.numEventTimeTimers()).isZero();
        }
    }
}
