package io.chronicle.core;

import java.util.Objects;

/**
 * Where a record came from and when Chronicle read it. Offsets are the source of truth for order
 * and replay; {@code ingestedAtMicros} is set by Chronicle, never by the producer.
 */
public class Provenance {
    public String topic;
    public int partition;
    public long offset;
    /** Epoch microseconds at which Chronicle normalized the record. */
    public long ingestedAtMicros;

    public Provenance() {}

    public Provenance(String topic, int partition, long offset, long ingestedAtMicros) {
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
        this.ingestedAtMicros = ingestedAtMicros;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) return true;
        if (!(o instanceof Provenance)) return false;
        Provenance that = (Provenance) o;
        return partition == that.partition
                && offset == that.offset
                && ingestedAtMicros == that.ingestedAtMicros
                && Objects.equals(topic, that.topic);
    }

    @Override
    public int hashCode() {
        return Objects.hash(topic, partition, offset, ingestedAtMicros);
    }

    @Override
    public String toString() {
        return topic + "/" + partition + "@" + offset;
    }
}
