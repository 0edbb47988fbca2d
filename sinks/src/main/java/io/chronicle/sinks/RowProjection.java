package io.chronicle.sinks;

import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.logical.RowType;

import java.io.Serializable;

/** Some fields of a row type's rows, in a given order, copied into a row of their own. */
public final class RowProjection implements Serializable {

    private static final long serialVersionUID = 1L;

    private final RowData.FieldGetter[] getters;

    private RowProjection(RowData.FieldGetter[] getters) {
        this.getters = getters;
    }

    /** The fields at {@code positions} of rows of {@code rowType}. */
    public static RowProjection of(RowType rowType, int[] positions) {
        RowData.FieldGetter[] getters = new RowData.FieldGetter[positions.length];
        for (int i = 0; i < positions.length; i++) {
            getters[i] = RowData.createFieldGetter(rowType.getTypeAt(positions[i]), positions[i]);
        }
        return new RowProjection(getters);
    }

    /** A row of the projected fields of {@code row}, equal to another of the same values. */
    public GenericRowData project(RowData row) {
        GenericRowData projected = new GenericRowData(getters.length);
        for (int i = 0; i < getters.length; i++) {
            projected.setField(i, getters[i].getFieldOrNull(row));
        }
        return projected;
    }
}
