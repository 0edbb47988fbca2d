package io.chronicle.operators.views;

import io.chronicle.core.Event;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class EventDeduplicatorTest {

    private static final Duration TTL = Duration.ofHours(24);

    private static Event event(String tenant, String id, String type) {
        Event e = new Event();
        e.tenant = tenant;
        e.eventId = id;
        e.traceId = "t";
        e.eventType = type;
        e.metadata = "{}";
        return e;
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, Event, Event> harness() throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new EventDeduplicator(TTL)),
                EventDeduplicator::eventKey, Types.STRING);
        h.open();
        return h;
    }

    @Test
    void aRedeliveredEventPassesOnce() throws Exception {
        try (var h = harness()) {
            h.processElement(new StreamRecord<>(event("acme", "e1", "task.created")));
            h.processElement(new StreamRecord<>(event("acme", "e2", "task.assigned")));
            h.processElement(new StreamRecord<>(event("acme", "e1", "task.created")));
            h.processElement(new StreamRecord<>(event("acme", "e2", "task.assigned")));
            assertThat(h.extractOutputValues()).extracting(e -> e.eventId).containsExactly("e1", "e2");
        }
    }

    @Test
    void theSameIdInTwoTenantsIsTwoEvents() throws Exception {
        try (var h = harness()) {
            h.processElement(new StreamRecord<>(event("acme", "e1", "task.created")));
            h.processElement(new StreamRecord<>(event("globex", "e1", "task.created")));
            assertThat(h.extractOutputValues()).extracting(e -> e.tenant).containsExactly("acme", "globex");
        }
    }

    @Test
    void anIdIsForgottenAfterTheTtl() throws Exception {
        try (var h = harness()) {
            h.setStateTtlProcessingTime(0);
            h.processElement(new StreamRecord<>(event("acme", "e1", "task.created")));
            h.setStateTtlProcessingTime(TTL.toMillis() - 1);
            h.processElement(new StreamRecord<>(event("acme", "e1", "task.created")));
            assertThat(h.extractOutputValues()).hasSize(1);
            h.setStateTtlProcessingTime(TTL.toMillis() + 1);
            h.processElement(new StreamRecord<>(event("acme", "e1", "task.created")));
            assertThat(h.extractOutputValues()).as("a redelivery after the TTL counts again").hasSize(2);
        }
    }
}
