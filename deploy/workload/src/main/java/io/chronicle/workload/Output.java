package io.chronicle.workload;

/** Receives each record in delivery order. */
@FunctionalInterface
public interface Output {

    /**
     * One record. {@code key} (never negative) names what the record belongs to: its series, its
     * trace or its agent. Records of one key keep their relative order in one partition, for
     * example {@code key % partitions}.
     */
    void accept(int key, byte[] json);
}
