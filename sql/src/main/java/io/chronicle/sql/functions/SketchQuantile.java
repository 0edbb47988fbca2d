package io.chronicle.sql.functions;

import io.chronicle.core.rollup.RollupFunctions;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.catalog.DataTypeFactory;
import org.apache.flink.table.functions.FunctionDefinition;
import org.apache.flink.table.functions.ScalarFunction;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.inference.ArgumentTypeStrategy;
import org.apache.flink.table.types.inference.CallContext;
import org.apache.flink.table.types.inference.InputTypeStrategies;
import org.apache.flink.table.types.inference.Signature;
import org.apache.flink.table.types.inference.TypeInference;
import org.apache.flink.table.types.inference.TypeStrategies;

import java.util.Optional;

/**
 * {@code sketch_quantile(sketch BYTES, q DOUBLE) → DOUBLE}: the value at quantile {@code q} (0 to
 * 1) of a rollup row's sketch, or of {@code sketch_merge(sketch)} over many rows, within the
 * sketch's relative accuracy (1 % for Chronicle's rollups). NULL when an argument is NULL or the
 * sketch holds no values. A literal {@code q} outside [0, 1] fails when the query is planned, any
 * other when the row is reached.
 */
public final class SketchQuantile extends ScalarFunction {

    static final String NAME = RollupFunctions.SKETCH_QUANTILE;

    public Double eval(byte[] sketch, Double q) {
        return RollupFunctions.sketchQuantile(sketch, q);
    }

    @Override
    public TypeInference getTypeInference(DataTypeFactory typeFactory) {
        return TypeInference.newBuilder()
                .inputTypeStrategy(InputTypeStrategies.sequence(
                        new String[] {"sketch", "q"},
                        new ArgumentTypeStrategy[] {
                                InputTypeStrategies.explicit(DataTypes.BYTES()), new QuantileArgument()}))
                .outputTypeStrategy(TypeStrategies.explicit(DataTypes.DOUBLE()))
                .build();
    }

    /** A DOUBLE, or anything that casts to one implicitly, that must lie in [0, 1] when it is a literal. */
    private static final class QuantileArgument implements ArgumentTypeStrategy {

        private static final ArgumentTypeStrategy DOUBLE = InputTypeStrategies.explicit(DataTypes.DOUBLE());

        @Override
        public Optional<DataType> inferArgumentType(CallContext call, int pos, boolean throwOnFailure) {
            Optional<DataType> type = DOUBLE.inferArgumentType(call, pos, throwOnFailure);
            if (type.isPresent() && call.isArgumentLiteral(pos) && !call.isArgumentNull(pos)) {
                Optional<Double> q = call.getArgumentValue(pos, Double.class);
                if (q.isPresent() && !RollupFunctions.isQuantile(q.get())) {
                    return call.fail(throwOnFailure, "%s", RollupFunctions.quantileOutOfRange(q.get()));
                }
            }
            return type;
        }

        @Override
        public Signature.Argument getExpectedArgument(FunctionDefinition definition, int pos) {
            return DOUBLE.getExpectedArgument(definition, pos);
        }
    }
}
