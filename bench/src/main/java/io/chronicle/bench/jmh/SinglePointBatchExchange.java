package io.chronicle.bench.jmh;

import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/** {@link BatchExchange} with one point per batch: a series' points spread thin, as at a million series. */
@State(Scope.Thread)
public class SinglePointBatchExchange extends BatchExchange {

    @Override
    int pointsPerBatch() {
        return 1;
    }
}
