package io.chronicle.core;

import java.util.Objects;

/** A normalized swarm lifecycle event. */
public class Event {
    public String tenant;
    public String eventId;
    public String traceId;
    public String source;
    public String eventType;
    /** Event time, epoch microseconds. */
    public long eventTimeMicros;
    /** The metadata JSON object, compact-serialized; {@code {}} when the producer gave none. */
    public String metadata;
    /** Envelope fields, null when the producer did not give them. */
    public String namespace;
    public String schemaId;
    public Integer schemaVersion;
    public String aggregateId;
    public Provenance provenance;

    public Event() {}

    @Override
    public boolean equals(Object o) {
        if (this == o) return true;
        if (!(o instanceof Event)) return false;
        Event that = (Event) o;
        return eventTimeMicros == that.eventTimeMicros
                && Objects.equals(tenant, that.tenant)
                && Objects.equals(eventId, that.eventId)
                && Objects.equals(traceId, that.traceId)
                && Objects.equals(source, that.source)
                && Objects.equals(eventType, that.eventType)
                && Objects.equals(metadata, that.metadata)
                && Objects.equals(namespace, that.namespace)
                && Objects.equals(schemaId, that.schemaId)
                && Objects.equals(schemaVersion, that.schemaVersion)
                && Objects.equals(aggregateId, that.aggregateId)
                && Objects.equals(provenance, that.provenance);
    }

    @Override
    public int hashCode() {
        return Objects.hash(tenant, eventId, traceId, eventType, eventTimeMicros, provenance);
    }

    @Override
    public String toString() {
        return "Event{" + tenant + " " + eventType + " trace=" + traceId + " id=" + eventId
                + " @" + eventTimeMicros + " from " + provenance + "}";
    }
}
