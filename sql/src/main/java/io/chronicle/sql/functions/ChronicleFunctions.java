package io.chronicle.sql.functions;

import org.apache.flink.table.functions.UserDefinedFunction;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Chronicle's SQL functions by their SQL name. Chronicle's catalog offers them as functions of
 * each of its databases; a program that reads no Chronicle table registers them from here.
 */
public final class ChronicleFunctions {

    private static final Map<String, Class<? extends UserDefinedFunction>> ALL = new LinkedHashMap<>();

    static {
        ALL.put(SketchQuantile.NAME, SketchQuantile.class);
        ALL.put(SketchMerge.NAME, SketchMerge.class);
        ALL.put(RollupMean.NAME, RollupMean.class);
        ALL.put(RollupStddev.NAME, RollupStddev.class);
        ALL.put(RollupRate.NAME, RollupRate.class);
    }

    private ChronicleFunctions() {}

    /** Every function, by its lower-case SQL name, in the README's order. */
    public static Map<String, Class<? extends UserDefinedFunction>> all() {
        return Collections.unmodifiableMap(ALL);
    }
}
