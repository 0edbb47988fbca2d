package io.chronicle.trino;

import com.datadoghq.sketch.ddsketch.DDSketch;
import io.trino.spi.function.AccumulatorState;
import io.trino.spi.function.AccumulatorStateMetadata;

/** What {@code sketch_merge} has merged so far: nothing until the first sketch. */
@AccumulatorStateMetadata(stateSerializerClass = SketchStateSerializer.class, stateFactoryClass = SketchStateFactory.class)
public interface SketchState extends AccumulatorState {

    DDSketch getSketch();

    void setSketch(DDSketch sketch);

    /** To be called after the sketch was changed in place, so the estimated size follows it. */
    void sketchChanged(long sizeBefore);
}
