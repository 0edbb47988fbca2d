package io.chronicle.workload;

/** The record a cursor stands on, as {@link RecordCursor} hands it out; each step sets it. */
abstract class CurrentRecord implements RecordCursor {

    protected int key;
    protected byte[] json;
    protected long atMillis;

    @Override
    public int key() {
        return key;
    }

    @Override
    public byte[] json() {
        return json;
    }

    @Override
    public long atMillis() {
        return atMillis;
    }
}
