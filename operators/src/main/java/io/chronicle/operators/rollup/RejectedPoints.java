package io.chronicle.operators.rollup;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.chronicle.core.MetricPoint;
import io.chronicle.core.Provenance;
import io.chronicle.core.RejectReason;
import io.chronicle.core.RejectedRecord;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/** A normalized point the rollups refused, as a rejected record. */
final class RejectedPoints {

    private static final JsonFactory JSON = new JsonFactory();

    private RejectedPoints() {}

    static RejectedRecord of(MetricPoint point, RejectReason reason, String message, long nowMillis) {
        RejectedRecord r = new RejectedRecord();
        r.reasonCode = reason.code();
        r.message = message;
        r.tenant = point.tenant;
        r.payload = describe(point);
        r.kafkaTimestampMillis = point.timestampMicros / 1_000L;
        Provenance from = point.provenance;
        r.provenance = new Provenance(from.topic, from.partition, from.offset, from.index, nowMillis * 1_000L);
        return r;
    }

    /** The point as normalized JSON, so it can be inspected or produced again. */
    private static byte[] describe(MetricPoint p) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("tenant", p.tenant);
            json.writeStringField("metric", p.metric);
            json.writeObjectFieldStart("tags");
            for (Map.Entry<String, String> tag : p.tags.entrySet()) {
                json.writeStringField(tag.getKey(), tag.getValue());
            }
            json.writeEndObject();
            json.writeNumberField("value", p.value);
            json.writeNumberField("timestamp", p.timestampMicros);
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
