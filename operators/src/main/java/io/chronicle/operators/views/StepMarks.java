package io.chronicle.operators.views;

/**
 * The events of one lifecycle step of a trace (created, assigned, started, or ended: completed,
 * failed or timed out): how many, and the first and last in replay order. Only the first can be
 * a legal transition (the lifecycle never goes back, so a second event of a step is never
 * applied), and the last is the latest illegal one when there are several: that is all the row
 * needs of them.
 */
public class StepMarks {
    public int count;
    public TraceMark first;
    public TraceMark last;

    public StepMarks() {}

    void add(TraceMark mark) {
        count++;
        // Events with the same place in replay order keep their arrival order, as in a stable sort.
        if (first == null || TraceMark.compare(mark, first) < 0) {
            first = mark;
        }
        if (last == null || TraceMark.compare(mark, last) >= 0) {
            last = mark;
        }
    }

    /** The latest illegal event of the step, given whether its first was legal; null for none. */
    TraceMark lastIllegal(boolean firstLegal) {
        if (count >= 2) {
            return last;
        }
        return count == 1 && !firstLegal ? first : null;
    }
}
