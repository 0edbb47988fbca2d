package io.chronicle.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The life suite's summary of its per-day figures: each figure on the first day past the
 * retention of what it measures (W: its table's, or for a query, the table it reads and how far
 * back it reads) and on the last day, in both runs, with the last day's ratio off ÷ on. With
 * maintenance a figure past W should stay where it was on day W (last ÷ W about 1).
 */
final class LifeCurves {

    /** Columns that are not figures of the tables. */
    private static final Set<String> NOT_FIGURES = Set.of("day", "day s", "load");

    private LifeCurves() {}

    /**
     * The first day after each figure's window: points_raw's 7 days, the 5m tier's 14, the
     * events' 30 and the 30 days the tier query reads; day 8 for the tables kept longer than the
     * run (they grow by design), and for the total bytes, which the events' window settles last.
     */
    static int windowDay(String figure) {
        if (figure.startsWith("5m ")) {
            return 15;
        }
        if (figure.startsWith("events ") || figure.equals("MB") || figure.contains("1h 30 d")) {
            return 31;
        }
        return 8;
    }

    static List<Map<String, Object>> of(List<Map<String, Object>> on, List<Map<String, Object>> off) {
        List<Map<String, Object>> rows = new ArrayList<>();
        if (on.isEmpty() || off.isEmpty()) {
            return rows;
        }
        int last = on.size();
        for (String figure : on.get(0).keySet()) {
            if (NOT_FIGURES.contains(figure)) {
                continue;
            }
            int w = Math.min(windowDay(figure), last);
            double onW = value(on, w, figure);
            double onLast = value(on, last, figure);
            double offW = value(off, w, figure);
            double offLast = value(off, last, figure);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("figure", figure);
            row.put("W", w);
            row.put("on day W", onW);
            row.put("on last", onLast);
            row.put("on last ÷ W", onLast / onW);
            row.put("off day W", offW);
            row.put("off last", offLast);
            row.put("off last ÷ W", offLast / offW);
            row.put("off ÷ on, last", offLast / onLast);
            rows.add(row);
        }
        return rows;
    }

    private static double value(List<Map<String, Object>> days, int day, String figure) {
        return ((Number) days.get(day - 1).get(figure)).doubleValue();
    }
}
