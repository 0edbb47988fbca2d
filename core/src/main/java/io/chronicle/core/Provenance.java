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
    /**
     * The point's (or rejection's) place among those one record carries, from 0: always 0 for a
     * format of one point per record, the n-th point or refused part of a batch format.
     */
    public int index;

    public Provenance() {}

    public Provenance(String topic, int partition, long offset, long ingestedAtMicros) {
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
        this.ingestedAtMicros = ingestedAtMicros;
    }

    public Provenance(String topic, int partition, long offset, int index, long ingestedAtMicros) {
        this(topic, partition, offset, ingestedAtMicros);
        this.index = index;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) return true;
        if (!(o instanceof Provenance)) return false;
        Provenance that = (Provenance) o;
        return partition == that.partition
                && offset == that.offset
                && index == that.index
                && ingestedAtMicros == that.ingestedAtMicros
                && Objects.equals(topic, that.topic);
    }

    @Override
    public int hashCode() {
        return Objects.hash(topic, partition, offset, index, ingestedAtMicros);
    }

    @Override
    public String toString() {
        return topic + "/" + partition + "@" + offset + (index == 0 ? "" : "#" + index);
    }
}
