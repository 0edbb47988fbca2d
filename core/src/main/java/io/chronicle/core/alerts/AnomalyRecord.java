package io.chronicle.core.alerts;

import java.util.Map;

/** A point an anomaly rule found outside its forecast's band: a row of {@code anomalies}. */
public class AnomalyRecord {
    public String tenant;
    public String ruleName;
    public String model;
    public String metric;
    public Map<String, String> tags;
    public long seriesId;
    public long tsMicros;
    public double value;
    public double expected;
    public double sigma;
    /** {@code |value - expected| / (band × sigma)}: 1 or more is outside the band. */
    public double score;

    public AnomalyRecord() {}

    @Override
    public String toString() {
        return "AnomalyRecord{" + ruleName + " " + metric + tags + " @" + tsMicros + " value=" + value
                + " expected=" + expected + " score=" + score + "}";
    }
}
