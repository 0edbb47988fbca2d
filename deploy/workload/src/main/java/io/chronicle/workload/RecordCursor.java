package io.chronicle.workload;

/** A generator's records in delivery order, one at a time. */
public interface RecordCursor {

    /** Moves to the next record; false when there are no more. */
    boolean next();

    /** The current record's key (see {@link Output#accept}). */
    int key();

    /** The current record's JSON payload. */
    byte[] json();

    /**
     * When a live producer would send the current record, epoch milliseconds: its event time, or
     * later for a record delivered out of order. Never decreases along the cursor.
     */
    long atMillis();
}
